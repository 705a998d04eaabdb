"""ITU-T masks: the standards' numbers, edges (on the limit, τ outside the range), custom masks, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.analysis.errors import MaskError, UnitError
from bench.analysis.masks import check_mask, custom_mask, get_mask, mask_family, mask_names
from bench.errors import InputError
from bench.profile.models import MaskPoint


@pytest.mark.parametrize(
    ("name", "kind", "tau_s", "limit_ns"),
    [
        ("G.8272-PRTC-A", "mtie", 1.0, 25.275),
        ("G.8272-PRTC-A", "mtie", 100.0, 52.5),
        ("G.8272-PRTC-A", "mtie", 273.0, 100.0),
        ("G.8272-PRTC-A", "mtie", 1e5, 100.0),
        ("G.8272-PRTC-B", "mtie", 10.0, 27.75),
        ("G.8272-PRTC-B", "mtie", 54.5, 40.0),
        ("G.8272-PRTC-A", "tdev", 0.5, 3.0),
        ("G.8272-PRTC-A", "tdev", 500.0, 15.0),
        ("G.8272-PRTC-A", "tdev", 5000.0, 30.0),
        ("G.8272-PRTC-B", "tdev", 200.0, 2.0),
        ("G.8272-PRTC-B", "tdev", 1000.0, 5.0),
        ("G.8272.1-ePRTC", "mtie", 1.0, 4.0),
        ("G.8272.1-ePRTC", "mtie", 100.0, 0.11114 * 100 + 3.89),
        ("G.8272.1-ePRTC", "mtie", 1e5, 3.75e-5 * 1e5 + 15),
        ("G.8272.1-ePRTC", "mtie", 1e6, 30.0),
        ("G.8272.1-ePRTC", "tdev", 1e4, 1.0),
        ("G.8272.1-ePRTC", "tdev", 1e5, 3.33),
        ("G.8272.1-ePRTC", "tdev", 1e6, 10.0),
        ("G.8273.2-A", "mtie", 100.0, 40.0),
        ("G.8273.2-C", "mtie", 1000.0, 10.0),
        ("G.8273.2-B", "tdev", 10.0, 4.0),
        ("G.8273.2-C", "tdev", 10.0, 2.0),
        ("G.8272-PRTC-A", "max_abs", 1.0, 100.0),
        ("G.8272-PRTC-B", "max_abs", 1.0, 40.0),
        ("G.8272.1-ePRTC", "max_abs", 1.0, 30.0),
        ("G.8273.2-A", "max_abs", 1.0, 100.0),
        ("G.8273.2-B", "max_abs", 1.0, 70.0),
        ("G.8273.2-C", "cte", 1.0, 10.0),
        ("G.8273.2-B", "cte", 1.0, 20.0),
        ("G.8273.2-A", "dte_h", 1.0, 70.0),
        ("G.8273.2-C", "dte_h", 1.0, 30.0),
    ],
)
def test_builtin_mask_values(name, kind, tau_s, limit_ns):
    mask = get_mask(name, kind)
    assert mask.kind == kind
    assert mask.limit_s([tau_s])[0] == pytest.approx(limit_ns * 1e-9, rel=1e-12)


def test_g8273_2_curves_apply_to_dte_l_and_dte_h():
    assert get_mask("G.8273.2-A", "mtie").series == "dte_l"
    assert get_mask("G.8273.2-A/tdev").series == "dte_l"
    assert get_mask("G.8273.2-A", "dte_h").series == "dte_h"
    assert get_mask("g.8272-prtc-a").kind == "mtie"  # default kind, case-insensitive
    assert {m.kind for m in mask_family("G.8272-PRTC-A")} == {"mtie", "tdev", "max_abs"}
    assert {m.kind for m in mask_family("G.8273.2-B")} == {"mtie", "tdev", "max_abs", "cte", "dte_h"}
    assert set(mask_names()) == {"G.8272-PRTC-A", "G.8272-PRTC-B", "G.8272.1-ePRTC",
                                 "G.8273.2-A", "G.8273.2-B", "G.8273.2-C"}


def test_limit_is_nan_outside_the_mask_range():
    prtc = get_mask("G.8272-PRTC-A")
    assert np.isnan(prtc.limit_s([0.5, 0.999])).all()
    g8273 = get_mask("G.8273.2-C", "mtie")
    lim = g8273.limit_s([0.5, 1.0, 1000.0, 1001.0])
    assert np.isnan(lim[0]) and np.isnan(lim[3]) and lim[1] == lim[2] == pytest.approx(10e-9)


def test_value_exactly_on_the_limit_passes_and_just_above_fails():
    mask = get_mask("G.8272-PRTC-A")
    taus = np.array([1.0, 2.0, 4.0, 64.0, 273.0, 1024.0])
    limits = mask.limit_s(taus)
    on = check_mask(mask, taus, limits)
    assert on.passed and all(r.ok and r.margin_s == 0.0 for r in on.rows)
    above = check_mask(mask, taus, np.where(taus == 64.0, np.nextafter(limits, np.inf), limits))
    assert not above.passed
    assert [r.tau_s for r in above.rows if not r.ok] == [64.0]
    assert above.worst is not None and above.worst.tau_s == 64.0 and above.worst.margin_s < 0


def test_tau_beyond_the_range_is_skipped_and_nothing_judged_never_passes():
    mask = get_mask("G.8273.2-A", "tdev")  # 1 … 1000 s
    check = check_mask(mask, [0.5, 2.0, 2048.0], [1.0, 1e-9, 1.0])
    assert [r.tau_s for r in check.rows] == [2.0]
    assert check.skipped_taus_s == (0.5, 2048.0)
    assert check.passed
    none = check_mask(mask, [2048.0, 4096.0], [0.0, 0.0])
    assert none.no_data and not none.passed and none.worst is None
    assert none.to_dict()["verdict"] == "NO-DATA"


def test_worst_point_is_relative_to_the_limit():
    mask = get_mask("G.8272-PRTC-A", "tdev")  # 3 ns at 10 s, 30 ns at 1000 s
    check = check_mask(mask, [10.0, 1000.0], [2.5e-9, 20e-9])  # margins 0.5 ns (17 %) and 10 ns (33 %)
    assert check.worst.tau_s == 10.0
    json.dumps(check.to_dict())


def test_custom_mask_is_piecewise_linear_between_points():
    pts = [MaskPoint(tau_s=1, limit=10), MaskPoint(tau_s=100, limit=20), MaskPoint(tau_s=1000, limit=20)]
    mask = custom_mask(pts, "mtie", "ns")
    lim = mask.limit_s([0.5, 1.0, 50.5, 100.0, 500.0, 1000.0, 1001.0]) * 1e9
    assert np.isnan(lim[0]) and np.isnan(lim[-1])
    np.testing.assert_allclose(lim[1:-1], [10.0, 15.0, 20.0, 20.0, 20.0], rtol=1e-12)
    us = custom_mask([(1.0, 0.01), (10.0, 0.02)], "tdev", "us")
    assert us.limit_s([1.0])[0] == pytest.approx(10e-9)
    one = custom_mask([(10.0, 5.0)], "mtie", "ns")
    assert np.isnan(one.limit_s([1.0])[0]) and one.limit_s([1e6])[0] == pytest.approx(5e-9)
    adev_mask = custom_mask([(1.0, 1.0)], "adev", "ppb")
    assert adev_mask.limit_s([10.0])[0] == pytest.approx(1e-9)


@pytest.mark.parametrize(
    ("call", "err", "match"),
    [
        (lambda: get_mask("G.8272-PRTC-Z"), MaskError, "unknown mask 'G.8272-PRTC-Z'.*G.8272-PRTC-A"),
        (lambda: get_mask("G.8272-PRTC-A", "cte"), MaskError, "has no 'cte'"),
        (lambda: custom_mask([], "mtie", "ns"), MaskError, "no mask_points"),
        (lambda: custom_mask([(1, 5), (1, 6)], "mtie", "ns"), MaskError, "same τ"),
        (lambda: custom_mask([(0, 5)], "mtie", "ns"), MaskError, "bad point"),
        (lambda: custom_mask([(1, -5)], "mtie", "ns"), MaskError, "bad point"),
        (lambda: custom_mask([(1, 5)], "mtie", "ppb"), MaskError, "does not fit"),
        (lambda: custom_mask([(1, 5)], "mtie", "furlongs"), UnitError, "unknown unit 'furlongs'"),
        (lambda: custom_mask([(1, 5)], "wander", "ns"), MaskError, "unknown kind"),
        (lambda: check_mask(get_mask("G.8272-PRTC-A"), [1.0, 2.0], [1e-9]), MaskError, "2 τ but 1 values"),
        (lambda: check_mask(get_mask("G.8272-PRTC-A"), [1.0], [float("nan")]), MaskError, "not finite"),
    ],
)
def test_mask_errors_are_clear_and_typed(call, err, match):
    with pytest.raises(err, match=match) as info:
        call()
    assert isinstance(info.value, InputError)
