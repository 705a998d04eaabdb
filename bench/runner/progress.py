"""A pytest plugin that shows a run's progress and records each test's outcome into the run directory.

``bench run`` turns pytest's own terminal output off and loads this instead: one line per test with
its outcome and the KPIs it checked, so a nightly log reads like a test report, and ``tests.json``
in the run directory holds every outcome (written after each test, so a killed run keeps them).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from rich.markup import escape

OUTCOME_STYLE = {"passed": "green", "failed": "red", "error": "red", "skipped": "yellow"}


class ProgressReporter:
    """Collects per-test outcomes; prints them; writes ``tests.json`` as it goes."""

    def __init__(self, run_dir: Path, console: Console | None = None) -> None:
        self.run_dir = run_dir
        self.console = console or Console(soft_wrap=True)
        self.results: list[dict[str, Any]] = []
        self.total = 0
        self.bench_errors: list[str] = []
        self._started: dict[str, float] = {}

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)
        self.console.print(f"collected {self.total} test(s)")

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        self._started[nodeid] = time.monotonic()
        # node ids and messages are data, not markup: a parametrized id like ``[/run/x]`` must print as is
        self.console.print(f"[dim][{len(self.results) + 1}/{self.total}][/] {escape(nodeid)} ...")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome: str | None = None
        if report.when == "setup" and report.failed:
            outcome = "error"
        elif report.when == "setup" and report.skipped:
            outcome = "skipped"
        elif report.when == "call":
            outcome = report.outcome
        elif report.when == "teardown" and report.failed:
            outcome = "error"
        if outcome is None:
            return
        message = ""
        if report.failed or report.skipped:
            message = _short_message(report)
            if report.failed and _is_bench_error(report):
                self.bench_errors.append(f"{report.nodeid}: {message}")
        existing = next((r for r in self.results if r["nodeid"] == report.nodeid), None)
        row = {
            "nodeid": report.nodeid,
            "outcome": outcome,
            "duration_s": round(time.monotonic() - self._started.get(report.nodeid, time.monotonic()), 3),
            "message": message,
        }
        if existing is not None:  # teardown error after a pass/fail: keep the worse
            if outcome == "error":
                existing.update(row)
        else:
            self.results.append(row)
        style = OUTCOME_STYLE.get(outcome, "white")
        self.console.print(f"    [{style}]{outcome.upper()}[/] {escape(report.nodeid)} ({row['duration_s']:.1f} s)"
                           + (f"\n      {escape(message)}" if message else ""))
        self._write()

    def _write(self) -> None:
        tmp = self.run_dir / "tests.json.tmp"
        tmp.write_text(json.dumps(self.results, indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.run_dir / "tests.json")


def _short_message(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return str(crash.message).strip()
    return str(report.longreprtext).strip().splitlines()[-1] if report.longreprtext else ""


def _is_bench_error(report: pytest.TestReport) -> bool:
    """Did the bench itself fail (lab, instrument, profile) rather than a test or KPI?

    The hilbench plugin marks such reports (``bench_error``) from the exception's type.
    """
    return bool(getattr(report, "bench_error", False))
