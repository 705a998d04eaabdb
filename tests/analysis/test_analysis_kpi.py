"""The KPI engine: verdicts, margins, units, windows/transients, NO-DATA, events, masks, extras."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.analysis.errors import AnalysisInputError, StatisticError, UnitError
from bench.analysis.kpi import KpiInput, KpiResult, evaluate, register_statistic
from bench.analysis.masks import MaskError
from bench.profile import load_profile
from bench.profile.models import KpiSpec

S = 1_000_000_000


def series(te_ns, start_s: int = 0, **kw) -> KpiInput:
    te = np.asarray(te_ns, dtype=float)
    t = (np.arange(te.size, dtype=np.int64) + start_s) * S
    return KpiInput(node="node1", te_sim_time_ns=t, te_ns=te, **kw)


def spec(**kw) -> KpiSpec:
    kw.setdefault("threshold", 100.0)
    return KpiSpec(**kw)


@pytest.mark.parametrize(
    ("peak", "verdict", "margin"),
    [(50.0, "PASS", 50.0), (85.0, "MARGINAL", 15.0), (100.0, "MARGINAL", 0.0), (100.5, "FAIL", -0.5)],
)
def test_max_abs_verdicts_and_margins(peak, verdict, margin):
    te = np.zeros(100)
    te[40] = -peak
    r = evaluate(spec(statistic="max_abs", marginal=0.2), "max_te", series(te))
    assert (r.verdict, r.value, r.limit, r.unit) == (verdict, peak, 100.0, "ns")
    assert r.margin == pytest.approx(margin)
    assert r.margin_pct == pytest.approx(margin)
    assert r.samples == 100 and r.duration_s == 100.0


def test_on_the_limit_without_a_marginal_band_passes():
    r = evaluate(spec(statistic="max_abs"), "k", series([100.0, -100.0]))
    assert r.verdict == "PASS" and r.margin == 0.0


def test_direction_min():
    k = spec(statistic="extra:deadline_adherence", threshold=99.0, unit="%", direction="min", marginal=0.005)
    results = [evaluate(k, "adh", series([0.0], extra={"deadline_adherence": v})) for v in (99.9, 99.2, 98.0)]
    assert [r.verdict for r in results] == ["PASS", "MARGINAL", "FAIL"]
    assert results[2].margin == pytest.approx(-1.0)


def test_threshold_units_are_converted():
    te = np.full(10, 1500.0)  # ns
    r = evaluate(spec(statistic="mean", threshold=2.0, unit="µs"), "k", series(te))
    assert r.value == pytest.approx(1.5) and r.unit == "µs" and r.verdict == "PASS"
    r = evaluate(spec(statistic="rms", threshold=1.0, unit="us"), "k", series(te))
    assert r.verdict == "FAIL" and r.margin == pytest.approx(-0.5)
    r = evaluate(spec(statistic="pk_pk", threshold=1e6, unit="ps"), "k", series([0.0, 400.0]))
    assert r.value == pytest.approx(400_000.0)


@pytest.mark.parametrize(("unit", "match"), [("nsec", "unknown unit 'nsec'"), ("ppb", "does not fit statistic")])
def test_bad_units_are_errors(unit, match):
    with pytest.raises(UnitError, match=match):
        evaluate(spec(statistic="max_abs", unit=unit), "k", series([1.0]))


def test_unknown_statistic_and_series():
    with pytest.raises(StatisticError, match="unknown statistic 'p42'.*max_abs"):
        evaluate(spec(statistic="p42"), "k", series([1.0]))
    with pytest.raises(StatisticError, match="unknown series 'phase'"):
        evaluate(spec(statistic="max_abs", series="phase"), "k", series([1.0]))


def test_percentiles_are_of_abs_te():
    te = -np.arange(1.0, 101.0)
    r = evaluate(spec(statistic="p99"), "k", series(te))
    assert r.value == pytest.approx(np.percentile(np.arange(1.0, 101.0), 99))


def test_transient_and_min_duration_give_no_data_never_a_pass():
    te = np.zeros(1200)
    te[:300] = 5000.0  # settling
    k = spec(statistic="max_abs", transient_s=300, min_duration_s=1000)
    r = evaluate(k, "k", series(te))
    assert r.verdict == "NO-DATA" and r.value is None
    assert "900 s" in r.detail and "1000 s" in r.detail and "300 s transient" in r.detail
    r = evaluate(k, "k", series(np.concatenate([te, np.zeros(100)])))
    assert r.verdict == "PASS" and r.value == 0.0 and r.samples == 1000
    r = evaluate(spec(statistic="max_abs"), "k", series([]))
    assert r.verdict == "NO-DATA" and "no TE samples" in r.detail


def test_window_bounds_select_samples():
    te = np.arange(100.0)
    r = evaluate(spec(statistic="max"), "k", series(te, window_start_ns=10 * S, window_end_ns=20 * S))
    assert r.value == 20.0 and r.samples == 11
    r = evaluate(spec(statistic="max", transient_s=5), "k", series(te, window_start_ns=10 * S, window_end_ns=20 * S))
    assert r.value == 20.0 and r.samples == 6


def test_bad_data_is_an_error():
    with pytest.raises(AnalysisInputError, match="not finite"):
        evaluate(spec(statistic="max_abs"), "k", series([1.0, np.nan]))
    bad = KpiInput("n", np.arange(3, dtype=np.int64), np.zeros(2))
    with pytest.raises(AnalysisInputError, match="equal length"):
        evaluate(spec(statistic="max_abs"), "k", bad)


def _locked(at_ns: int, node: str = "node1") -> dict:
    return {"kind": "node_state", "node": node, "state": "locked", "sim_time_ns": at_ns, "wall_utc": "x"}


def test_lock_time_from_the_window_start():
    k = spec(statistic="lock_time", series="state", threshold=60, unit="s")
    events = [_locked(5 * S), {"kind": "node_state", "node": "node1", "state": "holdover", "sim_time_ns": 200 * S},
              _locked(242 * S), _locked(10 * S, node="node2")]
    r = evaluate(k, "lock_time", series([], events=events, window_start_ns=0))
    assert r.verdict == "PASS" and r.value == pytest.approx(5.0)
    r = evaluate(k, "relock", series([], events=events, window_start_ns=200 * S))
    assert r.value == pytest.approx(42.0)
    r = evaluate(spec(statistic="lock_time", threshold=30_000, unit="ms"), "k",
                 series([], events=events, window_start_ns=200 * S))
    assert r.value == pytest.approx(42_000.0) and r.verdict == "FAIL"


def test_lock_time_never_locked():
    k = spec(statistic="lock_time", series="state", threshold=60, unit="s")
    r = evaluate(k, "k", series([], events=[], window_start_ns=0, window_end_ns=120 * S))
    assert r.verdict == "FAIL" and r.value == pytest.approx(120.0) and "not locked after 120 s" in r.detail
    r = evaluate(k, "k", series([], events=[], window_start_ns=0, window_end_ns=30 * S))
    assert r.verdict == "NO-DATA"
    r = evaluate(k, "k", series([], events=[]))
    assert r.verdict == "NO-DATA"


def test_holdover_drift_relative_to_the_window_start():
    te = np.concatenate([np.full(10, 3.0), 3.0 + np.linspace(0, 180, 600)])
    k = spec(statistic="holdover_drift", threshold=250, marginal=0.2)
    r = evaluate(k, "k", series(te, window_start_ns=10 * S))
    assert r.value == pytest.approx(180.0) and r.verdict == "PASS"
    r = evaluate(k, "k", series(-te * 1.2, window_start_ns=10 * S))
    assert r.value == pytest.approx(216.0) and r.verdict == "MARGINAL"


def test_extra_passthrough_and_missing_extra():
    k = spec(statistic="extra:deadline_miss_ratio", threshold=1.0, unit="ppm")
    assert evaluate(k, "k", series([], extra={"deadline_miss_ratio": 0.5})).verdict == "PASS"
    r = evaluate(k, "k", series([], extra={}))
    assert r.verdict == "NO-DATA" and "deadline_miss_ratio" in r.detail
    # a statistic named like an extra value without the prefix is passed through too
    k2 = spec(statistic="deadline_adherence", threshold=99.9, unit="%", direction="min")
    assert evaluate(k2, "k", series([], extra={"deadline_adherence": 100.0})).verdict == "PASS"


def test_register_statistic_extends_the_engine():
    register_statistic("abs_last", lambda w: float(abs(w.te_ns[-1])), "ns")
    r = evaluate(spec(statistic="abs_last", threshold=1.0, unit="us"), "k", series([0.0, -2500.0]))
    assert r.value == pytest.approx(2.5) and r.verdict == "FAIL"
    with pytest.raises(UnitError):
        register_statistic("bad", lambda w: 0.0, "parsecs")


def _white(n: int, rms_ns: float, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(n) * rms_ns


def test_mtie_and_tdev_against_prtc_a_from_the_profile():
    prof = load_profile("emulated")
    quiet = series(_white(2000, 2.0))
    for name in ("mtie_prtc_a", "tdev_prtc_a"):
        r = evaluate(prof.kpis[name], name, quiet)
        assert r.verdict == "PASS", r
        assert r.curve and r.worst is not None and r.unit == "ns"
        assert all(c["value"] <= c["limit"] for c in r.curve)
        assert r.margin == pytest.approx(r.limit - r.value)
        assert r.standard == "ITU-T G.8272 PRTC-A"
    wander = series(np.cumsum(_white(2000, 3.0)))
    r = evaluate(prof.kpis["mtie_prtc_a"], "mtie_prtc_a", wander)
    assert r.verdict == "FAIL" and r.margin < 0
    assert "worst at τ" in r.detail
    short = series(_white(500, 2.0))
    assert evaluate(prof.kpis["mtie_prtc_a"], "m", short).verdict == "NO-DATA"


def test_curve_kpi_with_gaps_is_no_data_naming_the_gap():
    te = _white(100, 1.0)
    t = np.delete(np.arange(101, dtype=np.int64) * S, 50)
    r = evaluate(spec(statistic="mtie", mask="G.8272-PRTC-A"), "k", KpiInput("node1", t, te))
    assert r.verdict == "NO-DATA" and "1 gap(s)" in r.detail and f"sim_time_ns={49 * S}" in r.detail


def test_custom_mask_and_marginal_band():
    te = np.array([0.0, 9.0] * 50)  # MTIE 9 ns at every τ
    k = spec(statistic="mtie", mask="custom", mask_points=[{"tau_s": 1, "limit": 10}, {"tau_s": 64, "limit": 10}],
             marginal=0.2)
    r = evaluate(k, "k", series(te))
    assert r.verdict == "MARGINAL" and r.value == pytest.approx(9.0) and r.limit == pytest.approx(10.0)
    assert [c["tau_s"] for c in r.curve] == [1, 2, 4, 8, 16, 32, 64]
    k.marginal = 0.0
    assert evaluate(k, "k", series(te)).verdict == "PASS"
    k.mask_points = [{"tau_s": 1, "limit": 8.9}]
    assert evaluate(k, "k", series(te)).verdict == "FAIL"


def test_mask_outside_the_data_range_is_no_data():
    k = spec(statistic="tdev", mask="custom", mask_points=[{"tau_s": 1000, "limit": 5}, {"tau_s": 2000, "limit": 5}])
    r = evaluate(k, "k", series(_white(300, 1.0)))
    assert r.verdict == "NO-DATA" and "inside the mask's range" in r.detail


def test_g8273_2_mask_uses_dte_l():
    slow = 30.0 * np.sin(2 * np.pi * np.arange(3000) / 600.0)
    fast = np.where(np.arange(3000) % 2 == 0, 25.0, -25.0)  # 0.5 Hz: removed by the 0.1 Hz low-pass
    r = evaluate(spec(statistic="mtie", mask="G.8273.2-A"), "k", series(slow + fast))
    assert "dte_l" in r.detail and r.verdict == "FAIL"  # 60 ns pk-pk wander > 40 ns
    r = evaluate(spec(statistic="mtie", mask="G.8273.2-A"), "k", series(0.3 * slow + fast))
    assert r.verdict == "PASS"  # the 50 ns pk-pk of the fast part would fail if not filtered


def test_adev_kpi_needs_a_ratio_unit():
    k = spec(statistic="adev", mask="custom", mask_points=[{"tau_s": 1, "limit": 1}], unit="ppb")
    r = evaluate(k, "k", series(_white(500, 0.1)))
    assert r.verdict == "PASS" and r.unit == "ppb"
    with pytest.raises(UnitError):
        evaluate(spec(statistic="adev", mask="custom", mask_points=[{"tau_s": 1, "limit": 1}]), "k",
                 series(_white(10, 1.0)))
    with pytest.raises(MaskError, match="unknown mask"):
        evaluate(spec(statistic="mtie", mask="G.999"), "k", series(_white(10, 1.0)))


def test_result_is_json_ready_and_profile_kpis_all_evaluate():
    prof = load_profile("emulated")
    data = series(_white(1500, 3.0), events=[_locked(2 * S)], window_start_ns=0)
    # values other subsystems measure (TSN switch) arrive as extras
    data.extra.update({"deadline_adherence": 100.0, "latency_p99": 2240.0, "node_start_p50": 0.3,
                       "node_start_p99": 0.4})
    for name, k in prof.kpis.items():
        r = evaluate(k, name, data)
        assert isinstance(r, KpiResult) and r.verdict in ("PASS", "MARGINAL", "FAIL", "NO-DATA")
        d = json.loads(json.dumps(r.to_dict()))
        assert d["kpi"] == name and d["node"] == "node1"
        keys = ("value", "limit", "unit", "margin", "margin_pct", "verdict", "detail", "standard", "curve", "worst")
        assert all(key in d for key in keys)
