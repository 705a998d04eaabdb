"""The run's progress reporter prints node ids and failure messages as data, never as rich markup,
and records every outcome in tests.json."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from bench.runner.progress import ProgressReporter

NODEID = "tests/hil/test_x.py::test_socket[unix:///run/podman/podman.sock-unsupported scheme '(none)']"


def report(outcome: str, when: str = "call", longrepr: object = None) -> pytest.TestReport:
    return pytest.TestReport(NODEID, ("tests/hil/test_x.py", 1, "test_socket"), {}, outcome, longrepr, when)


def test_bracketed_node_ids_and_messages_print_verbatim(tmp_path: Path) -> None:
    out = io.StringIO()
    reporter = ProgressReporter(tmp_path, Console(file=out, width=400, color_system=None))
    reporter.pytest_runtest_logstart(NODEID, ("tests/hil/test_x.py", 1, "test_socket"))
    reporter.pytest_runtest_logreport(report("failed", longrepr="AssertionError: [/red] is not [bold]markup"))
    text = out.getvalue()
    assert NODEID in text and "[/red] is not [bold]markup" in text
    rows = json.loads((tmp_path / "tests.json").read_text())
    assert rows == [{"nodeid": NODEID, "outcome": "failed", "duration_s": rows[0]["duration_s"],
                     "message": "AssertionError: [/red] is not [bold]markup"}]
