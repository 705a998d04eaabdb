"""Lab lifecycle with socat serial pairs: bytes flow, `down` removes everything, teardown on errors and SIGINT."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest
import serial

from bench.errors import LabError
from bench.lab import Lab, LabState
from bench.lab.lab import teardown_state
from bench.profile.loader import parse_profile

PROFILE = {"bench": {"name": "serialtest"}, "nodes": {"count": 2}}


def live_socats(lab_dir: Path) -> list[psutil.Process]:
    """socat processes (not zombies) whose links point into ``lab_dir``."""
    out = []
    for proc in psutil.process_iter(["name", "cmdline", "status"]):
        try:
            if proc.info["name"] == "socat" and proc.info["status"] != psutil.STATUS_ZOMBIE \
                    and str(lab_dir) in " ".join(proc.info["cmdline"] or []):
                out.append(proc)
        except psutil.NoSuchProcess:
            continue
    return out


@pytest.fixture
def lab_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "lab"
    monkeypatch.setenv("HILBENCH_LAB_DIR", str(d))
    return d


def test_pairs_carry_bytes_and_down_removes_them(lab_dir: Path) -> None:
    profile = parse_profile(PROFILE, Path("inline"))
    lab = Lab(profile, lab_dir)
    state = lab.up()
    try:
        assert len([r for r in state.resources if r.kind == "serial_pair"]) == 2
        assert len(live_socats(lab_dir)) == 2
        links = state.endpoints["serial"]["node1"]
        with serial.Serial(links["receiver"], timeout=2) as a, serial.Serial(links["node"], timeout=2) as b:
            payload = b"$GPZDA,235960.00,30,06,2026,00,00*6A\r\n" * 20
            a.write(payload)
            got = b""
            deadline = time.monotonic() + 5
            while len(got) < len(payload) and time.monotonic() < deadline:
                got += b.read(len(payload) - len(got))
            assert got == payload
            b.write(b"back")
            assert a.read(4) == b"back"
        # up twice is harmless: same resources, nothing new started
        again = Lab(profile, lab_dir).up()
        assert [r.data["pid"] for r in again.resources] == [r.data["pid"] for r in state.resources]
        assert len(live_socats(lab_dir)) == 2
    finally:
        lab.down()
    assert live_socats(lab_dir) == []
    assert not any((lab_dir / "dev").iterdir())
    assert LabState.load(lab_dir) is None


def test_down_from_another_process(lab_dir: Path) -> None:
    up = subprocess.run([sys.executable, "-m", "bench.cli", "lab", "up", "--profile", "emulated"],
                        capture_output=True, text=True, timeout=60)
    assert up.returncode == 0, up.stderr
    assert len(live_socats(lab_dir)) >= 2
    status = subprocess.run([sys.executable, "-m", "bench.cli", "lab", "status"], capture_output=True, text=True)
    assert status.returncode == 0, status.stdout + status.stderr
    down = subprocess.run([sys.executable, "-m", "bench.cli", "lab", "down"], capture_output=True, text=True)
    assert down.returncode == 0, down.stderr
    assert live_socats(lab_dir) == []
    status = subprocess.run([sys.executable, "-m", "bench.cli", "lab", "status"], capture_output=True, text=True)
    assert status.returncode == 1


def test_exception_inside_running_tears_down(lab_dir: Path) -> None:
    lab = Lab(parse_profile(PROFILE, Path("inline")), lab_dir)
    with pytest.raises(RuntimeError, match="boom"), lab.running():
        assert len(live_socats(lab_dir)) == 2
        raise RuntimeError("boom")
    assert live_socats(lab_dir) == []


def test_failed_start_tears_down_what_started(lab_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.lab.serial_pair import SerialPair

    calls = {"n": 0}
    real_start = SerialPair.start

    def flaky_start(self: SerialPair) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise LabError("second pair refused")
        real_start(self)

    monkeypatch.setattr(SerialPair, "start", flaky_start)
    lab = Lab(parse_profile(PROFILE, Path("inline")), lab_dir)
    with pytest.raises(LabError, match="second pair refused"):
        lab.up()
    assert live_socats(lab_dir) == []
    assert LabState.load(lab_dir) is None


def test_missing_socat_is_a_clear_error(lab_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    lab = Lab(parse_profile(PROFILE, Path("inline")), lab_dir)
    with pytest.raises(LabError, match="socat is not installed"):
        lab.up()


def test_sigint_tears_down_and_leaves_no_child(lab_dir: Path, tmp_path: Path) -> None:
    script = tmp_path / "hold.py"
    script.write_text(textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from bench.lab import Lab
        from bench.profile.loader import parse_profile
        lab = Lab(parse_profile({PROFILE!r}, Path("inline")), Path({str(lab_dir)!r}))
        with lab.running():
            print("UP", flush=True)
            time.sleep(60)
    """))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "UP"
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len([c for c in children if c.name() == "socat"]) == 2
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert live_socats(lab_dir) == []
    assert not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children)
    assert LabState.load(lab_dir) is None


def test_teardown_state_is_idempotent(lab_dir: Path) -> None:
    lab = Lab(parse_profile(PROFILE, Path("inline")), lab_dir)
    state = lab.up()
    assert teardown_state(state, lab_dir) == []
    assert teardown_state(state, lab_dir) == []
    lab.down()
    assert live_socats(lab_dir) == []
    assert os.path.isdir(lab_dir)
