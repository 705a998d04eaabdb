"""The sample store survives SIGKILL: everything written up to (about) the kill is read back."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from bench.errors import InputError
from bench.profile.loader import parse_profile
from bench.store import SampleWriter, create_run_directory, read_events, read_samples


def test_roundtrip_and_types(tmp_path: Path) -> None:
    with SampleWriter(tmp_path / "samples.csv") as w:
        w.append("node1", 1_000_000_000, -3.25, "counter")
        w.extend([("node,2", 2_000_000_000, 1e-3, 'scope "A"')])
    df = read_samples(tmp_path)
    assert list(df["node"]) == ["node1", "node,2"]
    assert df["sim_time_ns"].dtype == "int64"
    assert list(df["te_ns"]) == [-3.25, 1e-3]
    assert list(df["source"]) == ["counter", 'scope "A"']


def test_sigkill_loses_at_most_the_last_second(tmp_path: Path) -> None:
    store = tmp_path / "samples.csv"
    progress = tmp_path / "progress"
    script = tmp_path / "writer.py"
    script.write_text(textwrap.dedent(f"""
        import time
        from pathlib import Path
        from bench.store import SampleWriter
        w = SampleWriter(Path({str(store)!r}), flush_interval_s=0.2)
        k = 0
        while True:
            w.append("node1", k * 1_000_000_000, k * 0.5, "counter")
            if k % 500 == 0:
                Path({str(progress)!r}).write_text(str(k))
            k += 1
            time.sleep(0.0005)
    """))
    proc = subprocess.Popen([sys.executable, str(script)])
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if progress.exists() and progress.read_text() and int(progress.read_text()) >= 2000:
                break
            time.sleep(0.05)
        reached = int(progress.read_text())  # rows up to here were appended before the pause below
        time.sleep(1.2)  # more than one flush interval: they must all have reached the file
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    df = read_samples(store)
    n = len(df)
    assert n >= reached + 1, f"read {n} rows but the writer had passed row {reached} over a second before the kill"
    # every row present is complete and in order: no torn line, no gap
    assert list(df["sim_time_ns"]) == [k * 1_000_000_000 for k in range(n)]
    assert list(df["te_ns"]) == [k * 0.5 for k in range(n)]


def test_bad_store_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no sample store"):
        read_samples(tmp_path)
    (tmp_path / "samples.csv").write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="expected"):
        read_samples(tmp_path)


def test_run_directory_records_profile_and_environment(tmp_path: Path) -> None:
    profile = parse_profile({"bench": {"name": "rd test"}}, Path("inline"))
    run = create_run_directory(profile, root=tmp_path)
    assert run.path.parent == tmp_path and run.path.name.endswith("-rd-test")
    env = json.loads((run.path / "environment.json").read_text())
    assert env["packages"]["pandas"] == pd.__version__
    assert "git_revision" in env and "host" in env
    assert json.loads((run.path / "profile.json").read_text())["bench"]["name"] == "rd test"
    run.samples().append("n", 0, 1.0, "x")
    run.close()
    assert len(read_samples(run.path)) == 1
    assert [e["kind"] for e in read_events(run.path)] == ["run_started"]
