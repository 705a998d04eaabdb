"""Running a suite: pytest with the hilbench plugin, then verdicts, summary, history and report.

The order is chosen so that nothing measured is lost: the run directory exists before the lab is
up, samples and events stream into it during the run, and the summary, history row and PDF are
derived from what is on disk afterwards, also after a failure or Ctrl-C.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bench.errors import EXIT_BENCH_ERROR, EXIT_FAILED, EXIT_OK, BenchError
from bench.history import record_run
from bench.profile import load_profile
from bench.profile.models import Profile
from bench.report import build_report
from bench.runner.progress import ProgressReporter
from bench.store.rundir import REPO_ROOT, RunDirectory, create_run_directory

SUITE_DIR = REPO_ROOT / "tests" / "hil"
EXIT_INTERRUPTED = 130
# the nightly suite is the smoke suite (with the nightly profile's longer durations) plus nightly-only tests
SUITE_MARKERS = {"smoke": "smoke", "nightly": "smoke or nightly"}


@dataclass
class RunOutcome:
    """What ``bench run`` reports at the end."""

    run_dir: Path
    exit_code: int
    verdict: str
    summary: dict[str, Any]
    kpis: list[dict[str, Any]]
    tests: list[dict[str, Any]]
    report_pdf: Path | None


def run_suite(
    profile_name: str | None,
    suite: str | None = None,
    keyword: str | None = None,
    run_dir: Path | None = None,
    suite_dir: Path | None = None,
    make_report: bool = True,
    console: Console | None = None,
    history_url: str | None = None,
) -> RunOutcome:
    """Run the HIL suite for a profile; always returns (a ``BenchError`` before the run starts raises)."""
    console = console or Console(soft_wrap=True)
    profile = load_profile(profile_name)
    if history_url is not None:
        profile.run.history_url = history_url
    suite = suite or profile.run.suite
    suite_path = suite_dir or SUITE_DIR
    if not suite_path.is_dir():
        raise BenchError(f"suite directory {suite_path} does not exist")
    run = create_run_directory(profile, path=run_dir)
    console.print(f"run [bold]{run.path}[/] — profile {profile.bench.name}, suite {suite}")
    reporter = ProgressReporter(run.path, console)
    # options as --name=value: pytest takes a bare value that names an existing path (the run directory)
    # for a test path and would then look for its ini file elsewhere; -c pins the repository's settings
    # (markers), and its addopts (-ra) belong to the terminal output that bench run replaces
    args = [
        str(suite_path), "-c", str(REPO_ROOT / "pyproject.toml"), f"--rootdir={REPO_ROOT}", "-o", "addopts=",
        "--strict-markers", "-m", SUITE_MARKERS[suite], "-p", "no:terminal", "-p", "no:cacheprovider",
        f"--bench-profile={profile.source or profile_name}",
        f"--bench-run-dir={run.path}",
        f"--junitxml={run.path / 'junit.xml'}",
        "-o", "junit_family=xunit2", "-o", f"junit_suite_name=hilbench-{profile.bench.name}",
    ]
    if keyword:
        args += ["-k", keyword]
    started = time.monotonic()
    interrupted = False
    try:
        code = pytest.main(args, plugins=[reporter])
    except KeyboardInterrupt:
        code, interrupted = pytest.ExitCode.INTERRUPTED, True
    wall_s = time.monotonic() - started
    if code == pytest.ExitCode.INTERRUPTED:
        interrupted = True
    return finish_run(run, profile, reporter.results, reporter.bench_errors, int(code), interrupted,
                      wall_s, make_report, console)


def finish_run(
    run: RunDirectory,
    profile: Profile,
    tests: list[dict[str, Any]],
    bench_errors: list[str],
    pytest_code: int,
    interrupted: bool,
    wall_s: float,
    make_report: bool,
    console: Console,
) -> RunOutcome:
    """Summary, history, report and the exit code from what the run left on disk."""
    kpis = _load_json_list(run.path / "kpi_results.json")
    failed_tests = [t for t in tests if t["outcome"] in ("failed", "error")]
    failed_kpis = [k for k in kpis if k.get("verdict") in ("FAIL", "NO-DATA")]
    if interrupted:
        verdict, exit_code = "INTERRUPTED", EXIT_INTERRUPTED
    elif bench_errors or pytest_code in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        verdict, exit_code = "ERROR", EXIT_BENCH_ERROR
    elif pytest_code == pytest.ExitCode.NO_TESTS_COLLECTED or not tests:
        verdict, exit_code = "ERROR", EXIT_BENCH_ERROR
        bench_errors = [*bench_errors, "no test was collected: nothing was measured"]
    elif failed_tests or failed_kpis:
        verdict, exit_code = "FAIL", EXIT_FAILED
    else:
        verdict, exit_code = "PASS", EXIT_OK
    meta = _load_json_dict(run.path / "session.json")
    env = _load_json_dict(run.path / "environment.json")
    summary: dict[str, Any] = {
        "verdict": verdict,
        "profile": profile.bench.name,
        "started_utc": run.started_utc.isoformat(),
        "finished_utc": datetime.now(UTC).isoformat(),
        "wall_s": round(wall_s, 3),
        "sim_s": meta.get("sim_s"),
        "seed": profile.emulation.seed if profile.bench.mode == "emulated" else None,
        "git_revision": env.get("git_revision"),
        "instruments": meta.get("instruments", {}),
        "nodes": [n.name for n in profile.nodes.resolved()],
        "standards": profile.bench.standards,
        "tests": {o: sum(1 for t in tests if t["outcome"] == o) for o in ("passed", "failed", "error", "skipped")},
        "kpis": {v: sum(1 for k in kpis if k.get("verdict") == v) for v in ("PASS", "MARGINAL", "FAIL", "NO-DATA")},
        "bench_errors": bench_errors,
        "regressions": [],
    }
    run.write_json("summary.json", summary)
    run.events.emit("run_finished", verdict=verdict)
    if not interrupted:
        summary["regressions"] = _record_history(run, profile, console)
        run.write_json("summary.json", summary)
    report_pdf = _build_report(run, profile, console) if make_report else None
    run.close()
    return RunOutcome(run.path, exit_code, verdict, summary, kpis, tests, report_pdf)


def _record_history(run: RunDirectory, profile: Profile, console: Console) -> list[dict[str, Any]]:
    try:
        regressions = record_run(run.path, url=profile.run.history_url)
    except BenchError as exc:
        console.print(f"[yellow]history not updated:[/] {exc}")
        return []
    return [r.to_dict() if hasattr(r, "to_dict") else dict(r) for r in regressions]


def _build_report(run: RunDirectory, profile: Profile, console: Console) -> Path | None:
    try:
        return build_report(run.path, history_url=profile.run.history_url)
    except BenchError as exc:
        console.print(f"[yellow]report not built:[/] {exc}")
        return None


def _load_json_list(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return []
    return data if isinstance(data, list) else []


def _load_json_dict(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
