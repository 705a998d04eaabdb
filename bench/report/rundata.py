"""A run directory read back for the report: every file, and a note for every file that is missing.

Why: the report is a function of the stored data only. A run that was killed or lost its capture still
gets a report, and that report must say what is missing instead of drawing an empty plot or a pass —
so absence is recorded here as a note, while an unreadable file is a typed error naming it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.errors import InputError
from bench.report.errors import ReportError
from bench.store import read_events, read_samples

RUN_FILES = ("summary.json", "profile.json", "kpi_results.json", "samples.csv", "events.jsonl", "tests.json",
             "environment.json")
BAD_KPI = ("FAIL", "NO-DATA")
BAD_TEST = ("failed", "error")


@dataclass
class NodeSeries:
    """One node's TE samples, sorted by simulated time."""

    t_ns: np.ndarray
    te_ns: np.ndarray

    @property
    def empty(self) -> bool:
        return self.t_ns.size == 0


@dataclass
class RunData:
    """Everything the report shows, as read from the run directory."""

    path: Path
    summary: dict[str, Any]
    profile: dict[str, Any]
    profile_toml: str | None
    environment: dict[str, Any]
    events: list[dict[str, Any]]
    kpis: list[dict[str, Any]]
    tests: list[dict[str, Any]] | None
    series: dict[str, NodeSeries] | None
    notes: list[str] = field(default_factory=list)

    @property
    def nodes(self) -> list[str]:
        """Nodes in profile/summary order, then any others seen in the data."""
        names: list[str] = [str(n) for n in self.summary.get("nodes") or []]
        extra = [k.get("node") for k in self.kpis] + list(self.series or {})
        for n in extra:
            if n and str(n) not in names:
                names.append(str(n))
        return names

    def node_series(self, node: str) -> NodeSeries | None:
        """The node's samples; None when the run has no sample store at all."""
        if self.series is None:
            return None
        return self.series.get(node, NodeSeries(np.zeros(0, dtype=np.int64), np.zeros(0)))

    def kpis_of(self, node: str) -> list[dict[str, Any]]:
        return [k for k in self.kpis if str(k.get("node")) == node]

    @property
    def verdict(self) -> tuple[str, str]:
        """(verdict shown on the cover, why) — never PASS when the data says otherwise."""
        stated = str(self.summary.get("verdict") or "").upper()
        bad_kpis = [k for k in self.kpis if k.get("verdict") in BAD_KPI]
        bad_tests = [t for t in self.tests or [] if t.get("outcome") in BAD_TEST]
        if not self.summary:
            return "INCOMPLETE", "no summary.json: the run did not finish; nothing here is a pass"
        if stated == "PASS" and (bad_kpis or bad_tests):
            return "FAIL", (f"summary.json says PASS but {len(bad_kpis)} KPI result(s) failed or had no data "
                            f"and {len(bad_tests)} test(s) failed or errored")
        if stated == "PASS":
            return "PASS", "every test passed and every KPI is PASS or MARGINAL"
        if stated == "FAIL":
            return "FAIL", f"{len(bad_kpis)} KPI result(s) FAIL or NO-DATA, {len(bad_tests)} test(s) failed or errored"
        return stated or "UNKNOWN", {"ERROR": "the bench could not run", "INTERRUPTED": "the run was interrupted"}.get(
            stated, "no verdict recorded")


def _read_json(path: Path, kind: type) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise ReportError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, kind):
        raise ReportError(f"{path}: expected a JSON {'object' if kind is dict else 'list'}, got {type(data).__name__}")
    return data


def _optional(path: Path, kind: type, notes: list[str], why: str) -> Any:
    if not path.is_file():
        notes.append(f"{path.name} is missing: {why}")
        return None
    return _read_json(path, kind)


def load_run(run_dir: Path | str) -> RunData:
    """Read ``run_dir``; ReportError if it is not a run directory or a file in it is unreadable."""
    path = Path(run_dir)
    if not path.exists():
        raise ReportError(f"{path}: no such run directory")
    if not path.is_dir():
        raise ReportError(f"{path}: not a directory (give the run directory, e.g. reports/<run>/)")
    if not any((path / f).is_file() for f in RUN_FILES):
        raise ReportError(f"{path}: not a run directory — none of {', '.join(RUN_FILES)} is there")
    notes: list[str] = []
    summary = _optional(path / "summary.json", dict, notes, "the run did not finish; the verdict is unknown") or {}
    profile = _optional(path / "profile.json", dict, notes, "the resolved profile is unknown") or {}
    environment = _optional(path / "environment.json", dict, notes, "host and package versions are unknown") or {}
    kpis = _optional(path / "kpi_results.json", list, notes, "no KPI was evaluated")
    if kpis is not None and not all(isinstance(k, dict) for k in kpis):
        raise ReportError(f"{path / 'kpi_results.json'}: every entry must be a JSON object")
    tests = _optional(path / "tests.json", list, notes, "test outcomes are unknown")
    if not (path / "events.jsonl").is_file():
        notes.append("events.jsonl is missing: no faults, load or lock-state changes are known")
    toml_path = path / "profile.toml"
    profile_toml = toml_path.read_text(encoding="utf-8", errors="replace") if toml_path.is_file() else None
    series = _load_series(path, notes)
    return RunData(path=path, summary=summary, profile=profile, profile_toml=profile_toml,
                   environment=environment, events=read_events(path), kpis=kpis or [], tests=tests,
                   series=series, notes=notes)


def _load_series(path: Path, notes: list[str]) -> dict[str, NodeSeries] | None:
    if not (path / "samples.csv").is_file():
        notes.append("samples.csv is missing: no time-error samples were recorded")
        return None
    try:
        df = read_samples(path)
    except InputError as exc:
        raise ReportError(str(exc)) from None
    out: dict[str, NodeSeries] = {}
    bad = ~np.isfinite(df["te_ns"].to_numpy())
    if bad.any():
        notes.append(f"samples.csv: {int(bad.sum())} non-finite TE sample(s) left out of the plots")
        df = df[~bad]
    for node, grp in df.groupby("node", sort=False):
        t = grp["sim_time_ns"].to_numpy(dtype=np.int64)
        te = grp["te_ns"].to_numpy(dtype=np.float64)
        if t.size > 1 and np.any(np.diff(t) < 0):
            order = np.argsort(t, kind="stable")
            t, te = t[order], te[order]
        out[str(node)] = NodeSeries(t, te)
    return out
