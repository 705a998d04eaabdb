"""Units of the report: envelope downsampling, event spans, curves vs KPI verdicts, formatting, loader."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.report.curves import node_curves
from bench.report.envelope import envelope
from bench.report.fmt import duration, flatten, num, redact
from bench.report.rundata import load_run
from bench.report.synthetic import SyntheticRun, write_synthetic_run
from bench.report.timeline import format_sim, marks, paired_spans, state_spans

S = 1_000_000_000


def test_envelope_keeps_single_sample_spikes_of_a_million_samples():
    rng = np.random.default_rng(1)
    n = 1_000_000
    t = np.arange(n, dtype=np.int64) * S
    te = rng.normal(0.0, 2.0, n)
    te[123_457] = 950.0
    te[876_543] = -700.0
    env = envelope(t, te, bins=1500)
    assert not env.raw and env.size == 1500
    assert np.nanmax(env.hi_ns) == 950.0 and np.nanmin(env.lo_ns) == -700.0
    # bin means agree with the data; every sample is in exactly one bin
    assert np.nansum(env.mean_ns * 0 + 1) == 1500
    assert abs(np.nanmean(env.mean_ns) - te.mean()) < 0.05


def test_envelope_leaves_gaps_empty_and_short_series_raw():
    t = np.concatenate([np.arange(0, 5000), np.arange(8000, 10000)]).astype(np.int64) * S
    te = np.ones(t.size)
    env = envelope(t, te, bins=100)
    assert np.isnan(env.hi_ns).sum() >= 25  # 3000 s of 10 000 s missing
    short = envelope(np.arange(10, dtype=np.int64), np.arange(10.0), bins=100)
    assert short.raw and short.size == 10
    with pytest.raises(ValueError):
        envelope(np.arange(3), np.arange(4.0))


def test_event_spans_states_and_marks():
    ev = [
        {"kind": "fault", "fault": "gnss_outage", "phase": "start", "sim_time_ns": 100 * S},
        {"kind": "fault", "fault": "gnss_outage", "phase": "end", "sim_time_ns": 200 * S},
        {"kind": "fault", "fault": "pps_jitter", "phase": "start", "sim_time_ns": 300 * S},
        {"kind": "load", "load": "cpu", "phase": "start", "node": "n1", "sim_time_ns": 10 * S},
        {"kind": "load", "load": "cpu", "phase": "end", "node": "n1", "sim_time_ns": 20 * S},
        {"kind": "node_state", "node": "n1", "state": "locking", "sim_time_ns": 0},
        {"kind": "node_state", "node": "n1", "state": "locked", "sim_time_ns": 30 * S},
        {"kind": "capture_gap", "node": "n2", "sim_time_ns": 50 * S},
        {"kind": "run_started"},
    ]
    faults = paired_spans(ev, "fault", None, 400.0)
    assert [(f.label, f.start_s, f.end_s) for f in faults] == [
        ("gnss_outage", 100.0, 200.0), ("pps_jitter (no end logged)", 300.0, 400.0)]
    assert [(s.start_s, s.end_s) for s in paired_spans(ev, "load", "n1", 400.0)] == [(10.0, 20.0)]
    assert paired_spans(ev, "load", "n2", 400.0) == []
    assert [(s.label, s.end_s) for s in state_spans(ev, "n1", 400.0)] == [("locking", 30.0), ("locked", 400.0)]
    assert [m.t_s for m in marks(ev, "n2")] == [50.0] and marks(ev, "n1") == []
    assert format_sim(3725.0) == "T+01:02:05" and format_sim(90061.0) == "T+1d 01:01:01" and format_sim(None) == "—"


def test_curves_agree_with_the_kpi_engine(tmp_path):
    run_dir = write_synthetic_run(tmp_path / "r", SyntheticRun(seed=9, failing_nodes=("node2",)))
    run = load_run(run_dir)
    for node, expect_fail in (("node1", False), ("node2", True)):
        outcomes = node_curves(run.profile, run.kpis, node, run.node_series(node))
        assert {o.kind for o in outcomes} == {"mtie", "tdev"}
        for o in outcomes:
            assert o.curve is not None, o.missing
            row = next(k for k in run.kpis if k["kpi"] == o.kpi and k["node"] == node)
            assert (row["verdict"] == "FAIL") == expect_fail
            assert bool(o.curve.failing.any()) == expect_fail, (node, o.kind)
            # the engine's worst point is on the recomputed curve
            i = int(np.argmin(np.abs(o.curve.taus_s - row["worst"]["tau_s"])))
            assert o.curve.values_s[i] * 1e9 == pytest.approx(row["worst"]["value"], rel=1e-9)


def test_curve_over_a_gap_is_refused_like_the_engine(tmp_path):
    run_dir = write_synthetic_run(tmp_path / "r", seed=2)
    run = load_run(run_dir)
    series = run.node_series("node1")
    assert series is not None
    keep = np.ones(series.t_ns.size, dtype=bool)
    keep[700:710] = False  # inside the steady-state window
    series.t_ns, series.te_ns = series.t_ns[keep], series.te_ns[keep]
    outcomes = node_curves(run.profile, run.kpis, "node1", series)
    assert all(o.curve is None and "gap" in o.missing for o in outcomes)
    none = node_curves(run.profile, run.kpis, "node1", None)
    assert all("no samples.csv" in o.missing for o in none)


def test_formatting_and_redaction():
    assert num(12.3456, "ns") == "12.35 ns" and num(None, "ns") == "—" and num(float("nan")) == "—"
    assert num(3.0, "ns", signed=True) == "+3 ns"
    assert duration(3725) == "1 h 02 min 05 s" and duration(12.25) == "12.2 s" and duration(None) == "—"
    assert redact("password", "hunter2") == "***"
    assert redact("password_env", "BENCH_PW") == "BENCH_PW"
    assert "s3cret" not in str(redact("history_url", "postgresql://u:s3cret@db/h"))
    flat = dict(flatten({"instruments": {"sw": {"password": "x", "address": "a"}}, "nodes": {"node": [{"name": "n"}]}}))
    assert flat == {"instruments.sw.password": "***", "instruments.sw.address": "a", "nodes.node[0].name": "n"}


def test_loader_sorts_samples_and_notes_missing_files(tmp_path):
    run_dir = write_synthetic_run(tmp_path / "r", seed=1, duration_s=400)
    lines = (run_dir / "samples.csv").read_text().splitlines()
    (run_dir / "samples.csv").write_text("\n".join([lines[0], *reversed(lines[1:])]) + "\n")
    (run_dir / "environment.json").unlink()
    run = load_run(run_dir)
    s = run.node_series("node1")
    assert s is not None and bool(np.all(np.diff(s.t_ns) > 0))
    assert any("environment.json is missing" in n for n in run.notes)
    (run_dir / "summary.json").write_text(json.dumps([1, 2]))
    from bench.report import ReportError
    with pytest.raises(ReportError, match="expected a JSON object"):
        load_run(run_dir)
