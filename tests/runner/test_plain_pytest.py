"""Plain ``pytest`` on the HIL suite (an IDE, ``-k`` while writing a test) leaves a finished run directory,
like ``bench run``: tests.json of the lab tests only, summary.json with the verdict, history row, report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.paths import REPO_ROOT
from bench.profile.loader import BUILTIN_DIR

pytestmark = pytest.mark.slow


def profile_into(tmp_path: Path) -> Path:
    """The emulated profile, with its run directories and history under ``tmp_path``."""
    text = (BUILTIN_DIR / "emulated.toml").read_text(encoding="utf-8")
    text = text.replace('[run]\n', f'[run]\nreports_dir = "{tmp_path / "reports"}"\n'
                                   f'history_url = "sqlite:///{tmp_path / "history.sqlite"}"\n', 1)
    path = tmp_path / "emulated-here.toml"
    path.write_text(text, encoding="utf-8")
    return path


def plain_pytest(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", f"--bench-profile={profile}", *args],
        capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)


def the_run(tmp_path: Path) -> Path:
    runs = list((tmp_path / "reports").iterdir())
    assert len(runs) == 1, runs
    return runs[0]


def test_plain_pytest_finishes_its_run_directory(tmp_path: Path) -> None:
    proc = plain_pytest(profile_into(tmp_path), "tests/hil/test_timing.py", "tests/history/test_history_store.py",
                        "-k", "cold_start or judge_rule")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run = the_run(tmp_path)
    assert f"hilbench: PASS — run directory {run}" in proc.stdout
    summary = json.loads((run / "summary.json").read_text())
    assert summary["verdict"] == "PASS" and summary["tests"]["passed"] == 1  # the unit test is not a bench test
    assert [t["nodeid"] for t in json.loads((run / "tests.json").read_text())] == [
        "tests/hil/test_timing.py::test_cold_start_lock_time"]
    assert (run / "report.pdf").is_file() and (tmp_path / "history.sqlite").is_file()


def test_a_failing_kpi_makes_the_plain_run_fail(tmp_path: Path) -> None:
    profile = profile_into(tmp_path)
    text = profile.read_text(encoding="utf-8")
    lock_time = text.index("[kpis.lock_time]")
    at = text.index("threshold = 60\n", lock_time)
    profile.write_text(text[:at] + "threshold = 0.001\n" + text[at + len("threshold = 60\n"):], encoding="utf-8")
    proc = plain_pytest(profile, "tests/hil/test_timing.py", "-k", "cold_start")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert json.loads((the_run(tmp_path) / "summary.json").read_text())["verdict"] == "FAIL"
