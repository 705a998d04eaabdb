"""TE statistics, the G.8273.2 0.1 Hz filters, units, τ grids and time-base checks."""

from __future__ import annotations

import numpy as np
import pytest

from bench.analysis import dte_high, dte_low, lowpass, te_stats
from bench.analysis.errors import AnalysisInputError, IrregularSamplingError, UnitError
from bench.analysis.series import check_regular, contiguous_segments
from bench.analysis.taus import parse_taus, tau_multipliers
from bench.analysis.units import convert, dimension


def test_te_stats_values():
    te = np.array([-3.0, 1.0, 2.0, 4.0])
    s = te_stats(te)
    assert s["max_abs_ns"] == 4.0
    assert s["mean_ns"] == 1.0
    assert s["rms_ns"] == pytest.approx(np.sqrt((9 + 1 + 4 + 16) / 4))
    assert s["pk_pk_ns"] == 7.0 and s["min_ns"] == -3.0 and s["max_ns"] == 4.0
    assert s["p50_abs_ns"] == pytest.approx(2.5)
    assert s["p99_abs_ns"] == pytest.approx(np.percentile([3, 1, 2, 4], 99))
    assert s["count"] == 4


@pytest.mark.parametrize(("x", "match"), [([], "empty"), ([1.0, np.nan], "non-finite.*index 1"), (["a"], "numeric")])
def test_te_stats_bad_input(x, match):
    with pytest.raises(AnalysisInputError, match=match):
        te_stats(np.asarray(x) if x and x[0] != "a" else x)


def test_lowpass_has_unity_dc_gain_and_minus_3db_at_the_corner():
    const = np.full(500, 7.0)
    np.testing.assert_allclose(lowpass(const, 1.0), 7.0, rtol=1e-12)
    t = np.arange(20_000) * 0.1  # τ0 = 0.1 s, so 0.1 Hz is well below Nyquist
    x = np.sin(2 * np.pi * 0.1 * t)
    y = lowpass(x, 0.1)[5000:]
    gain = np.sqrt(2 * np.mean(y**2))
    assert gain == pytest.approx(1 / np.sqrt(2), rel=0.01)


def test_dte_split_is_complementary_and_separates_slow_from_fast():
    t = np.arange(4000.0)
    slow = 20.0 * np.sin(2 * np.pi * t / 1000.0)  # 0.001 Hz wander
    fast = 5.0 * (-1.0) ** t  # 0.5 Hz
    te = 100.0 + slow + fast
    low, high = dte_low(te, 1.0), dte_high(te, 1.0)
    assert abs(low.mean()) < 1e-9  # cTE removed
    assert np.ptp(low[500:]) == pytest.approx(40.0, rel=0.05)
    assert np.ptp(high[500:]) < 12.0 and np.ptp(high[500:]) > 8.0
    np.testing.assert_allclose(high + lowpass(te, 1.0), te, rtol=1e-12)


def test_filters_reject_a_tau0_too_coarse_for_0_1_hz():
    with pytest.raises(AnalysisInputError, match="Nyquist"):
        dte_low(np.arange(100.0), 10.0)


def test_units():
    assert convert(1.5, "us", "ns") == pytest.approx(1500.0)
    assert convert(1.5, "µs", "ns") == pytest.approx(1500.0)
    assert convert(1.5, "μs", "ns") == pytest.approx(1500.0)
    assert convert(250, "ps", "ns") == pytest.approx(0.25)
    assert convert(2, "ms", "s") == pytest.approx(0.002)
    assert convert(1, "ppm", "ppb") == pytest.approx(1000.0)
    assert convert(5, "%", "ratio") == pytest.approx(0.05)
    assert dimension("count") == "count"
    with pytest.raises(UnitError, match="unknown unit 'nsec'"):
        convert(1, "nsec", "ns")
    with pytest.raises(UnitError, match="different things"):
        convert(1, "ns", "ppb")


def test_tau_grids():
    assert tau_multipliers("octave", 1.0, 100).tolist() == [1, 2, 4, 8, 16, 32, 64]
    assert tau_multipliers("decade", 1.0, 100).tolist() == [1, 2, 4, 10, 20, 40, 100]
    assert tau_multipliers("all", 1.0, 5).tolist() == [1, 2, 3, 4, 5]
    assert tau_multipliers([4.0, 1.0, 4.0], 0.5, 100).tolist() == [2, 8]
    assert tau_multipliers("octave", 1.0, 0).tolist() == []
    assert parse_taus("Octave") == "octave"
    assert parse_taus("1, 10,100") == [1.0, 10.0, 100.0]
    with pytest.raises(AnalysisInputError, match="comma-separated"):
        parse_taus("1,ten")


def test_regular_time_base_and_gaps_named_with_a_remedy():
    t = np.arange(0, 10_000_000_000, 1_000_000_000, dtype=np.int64)
    assert check_regular(t) == 1.0
    assert check_regular(t, 1.0) == 1.0
    gappy = np.delete(t, [4, 7])
    with pytest.raises(IrregularSamplingError, match=r"2 break\(s\).*gap between sample 3.*resample.*split") as info:
        check_regular(gappy, 1.0)
    assert info.value.first_index == 3 and info.value.gap_count == 2
    with pytest.raises(IrregularSamplingError, match="repeated/backwards"):
        check_regular(np.array([0, 1_000_000_000, 1_000_000_000, 2_000_000_000]), 1.0)
    segs = contiguous_segments(gappy, 1.0)
    assert [(s.start, s.stop) for s in segs] == [(0, 4), (4, 6), (6, 8)]
