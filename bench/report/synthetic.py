"""A realistic, seeded run directory without a lab: for tests of the report and the history, and benchmarks.

Why: the report and the history are functions of a run directory, and they must be tested before (and
independently of) the lab that writes real ones. This writes every file ``bench run`` leaves —
profile, environment, events, samples, KPI results, tests, summary, JUnit — with modelled time error
(cold-start step and convergence, white + wander noise, a holdover drift during a GNSS outage,
re-lock, a time-jump spike, CPU load) and KPI verdicts computed by the real KPI engine on that data,
so nothing in it is a hard-coded verdict. A node can be given a broken servo (it fails), the samples
can be left out (a lost capture) and a capture gap can be cut into one node's data.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
from scipy import signal

from bench.analysis.kpi import KpiInput, evaluate
from bench.profile import load_profile, resolve_profile_path
from bench.profile.models import Profile

S = 1_000_000_000


@dataclass(frozen=True)
class SyntheticRun:
    """What to synthesise. Durations in simulated seconds; TE sampled every second."""

    nodes: tuple[str, ...] = ("node1", "node2")
    duration_s: int = 3600
    seed: int = 1
    profile: str = "emulated"
    started_utc: datetime = datetime(2026, 6, 1, 2, 0, 0, tzinfo=UTC)
    wall_s: float = 312.5
    failing_nodes: tuple[str, ...] = ()
    te_scale: float = 1.0
    write_samples: bool = True
    gap_node: str | None = None
    gap_s: int = 0
    lock_s: int = 25
    git_revision: str = "4e3bdce0a1b2"
    extra_events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def schedule(self) -> dict[str, tuple[int, int]]:
        """Test windows as (start_s, end_s)."""
        d = self.duration_s
        outage = (int(0.55 * d), int(0.70 * d))
        return {
            "steady": (0, int(0.45 * d)),
            "time_jump": (int(0.47 * d), int(0.47 * d) + 5),
            "outage": outage,
            "load": (int(0.80 * d), int(0.90 * d)),
            "gap": (int(0.93 * d), int(0.93 * d) + self.gap_s),
        }


def write_synthetic_run(run_dir: Path | str, spec: SyntheticRun | None = None, **overrides: Any) -> Path:
    """Write a complete run directory at ``run_dir`` (created) and return its path."""
    spec = replace(spec or SyntheticRun(), **overrides)
    if spec.duration_s < 300:
        raise ValueError("a synthetic run needs at least 300 s of simulated time")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    profile = load_profile(spec.profile)
    profile.emulation.seed = spec.seed
    profile.nodes.count = len(spec.nodes)
    _write_json(run_dir / "profile.json", profile.model_dump(mode="json"))
    (run_dir / "profile.toml").write_bytes(resolve_profile_path(spec.profile).read_bytes())
    _write_json(run_dir / "environment.json", _environment(spec))

    times = np.arange(spec.duration_s, dtype=np.int64) * S
    te_by_node = {n: _te_model(spec, i, n in spec.failing_nodes) for i, n in enumerate(spec.nodes, start=1)}
    keep = {n: np.ones(spec.duration_s, dtype=bool) for n in spec.nodes}
    if spec.gap_node is not None and spec.gap_s > 0:
        g0, g1 = spec.schedule["gap"]
        keep[spec.gap_node][g0:g1] = False
    events = _events(spec)
    _write_events(run_dir / "events.jsonl", spec, events)
    if spec.write_samples:
        frames = [pd.DataFrame({"node": n, "sim_time_ns": times[keep[n]], "te_ns": te_by_node[n][keep[n]],
                                "source": f"counter:{n}"}) for n in spec.nodes]
        pd.concat(frames).to_csv(run_dir / "samples.csv", index=False)
        data = {n: (times[keep[n]], te_by_node[n][keep[n]]) for n in spec.nodes}
    else:
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0))
        data = {n: empty for n in spec.nodes}

    kpis, tests = _evaluate(spec, profile, data, events)
    _write_json(run_dir / "kpi_results.json", kpis)
    _write_json(run_dir / "tests.json", tests)
    _write_junit(run_dir / "junit.xml", spec, tests)
    failed = any(t["outcome"] in ("failed", "error") for t in tests) or any(
        k["verdict"] in ("FAIL", "NO-DATA") for k in kpis)
    summary = {
        "verdict": "FAIL" if failed else "PASS",
        "profile": profile.bench.name,
        "started_utc": spec.started_utc.isoformat(),
        "finished_utc": (spec.started_utc + timedelta(seconds=spec.wall_s)).isoformat(),
        "wall_s": spec.wall_s,
        "sim_s": float(spec.duration_s),
        "seed": spec.seed,
        "git_revision": spec.git_revision,
        "instruments": _instruments(spec),
        "nodes": list(spec.nodes),
        "standards": profile.bench.standards,
        "tests": {o: sum(1 for t in tests if t["outcome"] == o) for o in ("passed", "failed", "error", "skipped")},
        "kpis": {v: sum(1 for k in kpis if k["verdict"] == v) for v in ("PASS", "MARGINAL", "FAIL", "NO-DATA")},
        "bench_errors": [],
        "regressions": [],
    }
    _write_json(run_dir / "summary.json", summary)
    return run_dir


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, default=_default) + "\n", encoding="utf-8")


def _default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _environment(spec: SyntheticRun) -> dict[str, Any]:
    return {
        "host": "bench-ci-01", "platform": "Linux-6.1.0-amd64-x86_64-with-glibc2.36", "python": "3.11.2",
        "git_revision": spec.git_revision,
        "packages": {"hilbench": "0.1.0", "numpy": np.__version__, "pandas": pd.__version__},
        "started_utc": spec.started_utc.isoformat(), "profile_source": f"bench/profile/profiles/{spec.profile}.toml",
    }


def _instruments(spec: SyntheticRun) -> dict[str, str]:
    out = {"gnss": "Spectracom,GSG-6,EMU-GSG-0001,2.4.1 (hilbench emulator)"}
    for i, n in enumerate(spec.nodes, start=1):
        out[f"counter:{n}"] = f"Keysight Technologies,53230A,EMU-53230A-{i:04d},03.04-1519.666-1.19 (hilbench emulator)"
    return out


def _te_model(spec: SyntheticRun, index: int, broken: bool) -> np.ndarray:
    """TE in ns of one node, one sample per simulated second."""
    rng = np.random.default_rng([spec.seed, index])
    n = spec.duration_s
    t = np.arange(n, dtype=np.float64)
    sched = spec.schedule
    white = rng.normal(0.0, 1.2 * spec.te_scale, n)
    # wander: a first-order (Ornstein-Uhlenbeck) process, what a PI servo leaves of oscillator noise
    a = math.exp(-1.0 / 300.0)
    wander = signal.lfilter([math.sqrt(1 - a * a) * 1.5 * spec.te_scale], [1.0, -a], rng.normal(0.0, 1.0, n))
    te = white + wander + 3.0
    if broken:  # a servo that oscillates: large slow swings
        te += 140.0 * np.sin(2 * math.pi * t / 1800.0) + rng.normal(0.0, 4.0, n)
    # cold start: the clock is off by up to 0.5 s until the servo steps, then converges
    step_s = 2
    te[:step_s] = rng.uniform(-4.9e8, 4.9e8)
    conv = (t >= step_s) & (t < spec.lock_s + 60)
    te[conv] += 1500.0 * np.exp(-(t[conv] - step_s) / 5.0)
    # time-jump fault: rejected, but one sample shows a 40 ns spike
    j0, _ = sched["time_jump"]
    te[j0 + 1] += 40.0
    # GNSS outage: holdover drift (frequency error + ageing), then re-lock with convergence
    o0, o1 = sched["outage"]
    rate_ns_per_s = 1.2 if broken else 0.15
    h = t[o0:o1] - o0
    drift = rate_ns_per_s * h + 2e-4 * h * h
    te[o0:o1] += drift
    after = t[o1:] - o1
    te[o1:] += drift[-1] * np.exp(-after / 8.0) if drift.size else 0.0
    # CPU load: a little more noise
    l0, l1 = sched["load"]
    te[l0:l1] += rng.normal(0.0, 0.8 * spec.te_scale, l1 - l0)
    return te


def _events(spec: SyntheticRun) -> list[dict[str, Any]]:
    sched = spec.schedule
    ev: list[dict[str, Any]] = [{"kind": "run_started", "profile": spec.profile},
                                {"kind": "scenario_started", "sim_time_ns": 0}]
    for n in spec.nodes:
        ev += [{"kind": "node_state", "node": n, "state": "unlocked", "sim_time_ns": 0},
               {"kind": "node_state", "node": n, "state": "locking", "sim_time_ns": 2 * S},
               {"kind": "node_state", "node": n, "state": "locked", "sim_time_ns": spec.lock_s * S}]
    j0, j1 = sched["time_jump"]
    ev += [{"kind": "fault", "fault": "time_jump", "phase": "start", "sim_time_ns": j0 * S, "delta_ns": 1_000_000},
           {"kind": "fault", "fault": "time_jump", "phase": "end", "sim_time_ns": j1 * S}]
    o0, o1 = sched["outage"]
    ev += [{"kind": "fault", "fault": "gnss_outage", "phase": "start", "sim_time_ns": o0 * S},
           {"kind": "fault", "fault": "gnss_outage", "phase": "end", "sim_time_ns": o1 * S}]
    for n in spec.nodes:
        ev += [{"kind": "node_state", "node": n, "state": "holdover", "sim_time_ns": (o0 + 1) * S},
               {"kind": "node_state", "node": n, "state": "locking", "sim_time_ns": (o1 + 1) * S},
               {"kind": "node_state", "node": n, "state": "locked", "sim_time_ns": (o1 + 12) * S}]
    l0, l1 = sched["load"]
    for n in spec.nodes:
        ev += [{"kind": "load", "load": "cpu", "phase": "start", "node": n, "workers": 2, "sim_time_ns": l0 * S},
               {"kind": "load", "load": "cpu", "phase": "end", "node": n, "sim_time_ns": l1 * S}]
    if spec.gap_node is not None and spec.gap_s > 0:
        g0, g1 = sched["gap"]
        ev.append({"kind": "capture_gap", "node": spec.gap_node, "sim_time_ns": g0 * S,
                   "missing": g1 - g0, "reason": "counter measurement timeout"})
    ev += list(spec.extra_events)
    ev.append({"kind": "run_finished", "sim_time_ns": spec.duration_s * S})
    return sorted(ev, key=lambda e: e.get("sim_time_ns", -1) if e["kind"] != "run_finished" else math.inf)


def _write_events(path: Path, spec: SyntheticRun, events: list[dict[str, Any]]) -> None:
    lines = []
    for e in events:
        sim = e.get("sim_time_ns")
        wall = spec.started_utc + timedelta(seconds=5 + (sim or 0) * spec.wall_s / (spec.duration_s * S * 1.05))
        lines.append(json.dumps({"wall_utc": wall.isoformat(timespec="milliseconds"), **e}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


#: (test function, KPI names, window name) — mirrors tests/hil/test_timing.py
_TESTS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("test_cold_start_lock_time", ("lock_time",), "cold"),
    ("test_steady_state_prtc_a", ("max_te", "rms_te", "mtie_prtc_a", "tdev_prtc_a"), "steady"),
    ("test_time_jump_rejected", ("event_te",), "time_jump"),
    ("test_gnss_outage_holdover", ("holdover_drift",), "outage"),
    ("test_relock_after_outage", ("relock_time",), "relock"),
    ("test_cpu_load_on_nodes", ("event_te",), "load"),
)


def _window_ns(spec: SyntheticRun, name: str) -> tuple[int, int]:
    sched = spec.schedule
    if name == "cold":
        return 0, 90 * S
    if name == "time_jump":
        j0, j1 = sched["time_jump"]
        return (j0 - 5) * S, (j1 + 20) * S
    if name == "relock":
        o1 = sched["outage"][1]
        return o1 * S, (o1 + 90) * S
    a, b = sched[name]
    return a * S, b * S


def _evaluate(spec: SyntheticRun, profile: Profile, data: dict[str, tuple[np.ndarray, np.ndarray]],
              events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    kpis: list[dict[str, Any]] = []
    tests: list[dict[str, Any]] = []
    for func, names, window in _TESTS:
        nodeid = f"tests/hil/test_timing.py::{func}"
        start, end = _window_ns(spec, window)
        bad: list[str] = []
        for name in names:
            for node in spec.nodes:
                t, te = data[node]
                sel = (t >= start) & (t <= end)
                result = evaluate(profile.kpis[name], name, KpiInput(
                    node=node, te_sim_time_ns=t[sel], te_ns=te[sel],
                    events=[e for e in events if e.get("node") in (None, node)],
                    window_start_ns=start, window_end_ns=end))
                row = result.to_dict()
                row.update(test=nodeid, window_start_ns=start, window_end_ns=end)
                kpis.append(row)
                if result.verdict in ("FAIL", "NO-DATA"):
                    bad.append(f"KPI {name} on {node}: {result.verdict}"
                               + (f" — value {result.value:.4g} {result.unit}, limit {result.limit:.4g} {result.unit}"
                                  if result.value is not None and result.limit is not None else f" — {result.detail}"))
        tests.append({"nodeid": nodeid, "outcome": "failed" if bad else "passed",
                      "duration_s": round(0.5 + (end - start) / S / 40.0, 3), "message": "; ".join(bad)})
    tests.append({"nodeid": "tests/hil/test_timing.py::test_cable_delay_shows_in_te", "outcome": "skipped",
                  "duration_s": 0.0, "message": "requires a cable-delay fault: not scheduled in this synthetic run"})
    return kpis, tests


def _write_junit(path: Path, spec: SyntheticRun, tests: list[dict[str, Any]]) -> None:
    suite = ET.Element("testsuite", name=f"hilbench-{spec.profile}", tests=str(len(tests)),
                       failures=str(sum(t["outcome"] == "failed" for t in tests)),
                       skipped=str(sum(t["outcome"] == "skipped" for t in tests)))
    for t in tests:
        module, _, name = t["nodeid"].partition("::")
        case = ET.SubElement(suite, "testcase", classname=module.removesuffix(".py").replace("/", "."), name=name,
                             time=str(t["duration_s"]))
        if t["outcome"] == "failed":
            ET.SubElement(case, "failure", message=t["message"])
        elif t["outcome"] == "skipped":
            ET.SubElement(case, "skipped", message=t["message"])
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
