"""Capture loop against the counter emulator: replayed phase captured exactly, kill/restart, prompt stop."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.capture import NodeCapture, start_captures
from bench.emu.counter import CounterEmulator, PhaseReplay
from bench.emu.scpi import ScpiServer
from bench.paths import TIMING_DATA_DIR
from bench.store import EventLog, SampleWriter, read_events, read_samples
from tests.pps.conftest import Stepper

GPS_PHASE = TIMING_DATA_DIR / "gps_1pps_vs_hmaser_phase.txt.gz"
REPO = Path(__file__).resolve().parents[2]


def _wait(
    cond: Callable[[], bool], timeout_s: float = 20.0, what: str = "condition", debug: Callable[[], str] = str
) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {debug()}")
        time.sleep(0.01)


def _gps_slice(tmp_path: Path, n: int, negate: bool = False) -> Path:
    lines = []
    with gzip.open(GPS_PHASE, "rt") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            value = float(line)
            lines.append(repr(-value if negate else value))
            if len(lines) == n:
                break
    path = tmp_path / ("gps_lead.txt" if negate else "gps_slice.txt")
    path.write_text("# slice of the GPS-vs-maser phase file, seconds\n" + "\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("negate", [False, True], ids=["node-lags", "node-leads"])
def test_replayed_phase_is_captured_sample_for_sample(tmp_path: Path, negate: bool) -> None:
    replay = PhaseReplay(_gps_slice(tmp_path, 1500, negate))
    device = CounterEmulator("node1", 1, seed=3, noise_rms_ps=0.0)
    server = ScpiServer(device).start()
    samples, events = SampleWriter(tmp_path / "samples.csv"), EventLog(tmp_path / "events.jsonl")
    capture = NodeCapture("node1", server.visa_address, samples, events).start()
    _wait(lambda: capture.stats.fetches > 0, what="capture armed")
    stepper = Stepper(device, replay.edges_ps).start(limit=len(replay) + 2)
    try:
        _wait(lambda: capture.stats.samples >= len(replay) - 1, what="all samples")
    finally:
        stepper.stop()
        capture.stop()
        server.close()
    samples.close()
    df = read_samples(tmp_path)
    assert list(df["node"].unique()) == ["node1"] and list(df["source"].unique()) == ["counter_53230a"]
    seconds = (df["sim_time_ns"] // 1_000_000_000).tolist()
    assert df["sim_time_ns"].is_monotonic_increasing and df["sim_time_ns"].is_unique
    # a leading node's first edge (second 0) lies before the first start edge: it cannot be measured
    assert seconds == list(range(1 if negate else 0, len(replay)))
    for k, te_ns in zip(seconds, df["te_ns"], strict=True):
        assert round(te_ns * 1000) == replay.phase_ps(k), k  # exact at the file's ps resolution


def test_counter_noise_is_added_per_second_and_pacing_independent(tmp_path: Path) -> None:
    replay = PhaseReplay(_gps_slice(tmp_path, 400))
    frames = []
    for run, period in enumerate((0.0, 0.001)):
        device = CounterEmulator("node1", 2, seed=11, noise_rms_ps=10.0)
        server = ScpiServer(device).start()
        samples = SampleWriter(tmp_path / f"s{run}.csv")
        capture = NodeCapture("node1", server.visa_address, samples, EventLog(tmp_path / "e.jsonl")).start()
        _wait(lambda c=capture: c.stats.fetches > 0)
        stepper = Stepper(device, replay.edges_ps, period_s=period).start(limit=len(replay) + 2)
        _wait(lambda c=capture: c.stats.samples >= len(replay))
        stepper.stop()
        capture.stop()
        server.close()
        samples.close()
        frames.append(read_samples(tmp_path / f"s{run}.csv"))
        noise_ps = [te * 1000 - replay.phase_ps(t // 1_000_000_000)
                    for t, te in zip(frames[-1]["sim_time_ns"], frames[-1]["te_ns"], strict=True)]
        expected = [device._noise_ps(t // 1_000_000_000) for t in frames[-1]["sim_time_ns"]]
        assert noise_ps == pytest.approx(expected, abs=0.01)
        rms = (sum(x * x for x in noise_ps) / len(noise_ps)) ** 0.5
        assert 8.0 < rms < 12.0
    assert frames[0]["te_ns"].tolist() == frames[1]["te_ns"].tolist()


def _spawn_counter(port: int, replay: Path, start_k: int, steps_per_s: float) -> tuple[subprocess.Popen[str], str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.emu.counter", "--port", str(port), "--noise-ps", "0", "--replay", str(replay),
         "--start-k", str(start_k), "--steps-per-s", str(steps_per_s)],
        stdout=subprocess.PIPE, text=True, env=env, cwd=REPO,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("READY "), line
    return proc, line.split()[1]


@pytest.mark.slow
def test_emulator_killed_and_restarted_mid_capture(tmp_path: Path) -> None:
    replay_path = _gps_slice(tmp_path, 6000)
    replay = PhaseReplay(replay_path)
    proc, address = _spawn_counter(0, replay_path, 0, 200.0)
    port = int(address.split("::")[2])
    samples, events = SampleWriter(tmp_path / "samples.csv"), EventLog(tmp_path / "events.jsonl")
    capture = NodeCapture("node1", address, samples, events, backoff_max_s=0.2).start()
    try:
        _wait(lambda: capture.stats.samples >= 300, what="samples before the kill")
        proc.kill()
        proc.wait()
        before_kill = read_samples_now(samples, tmp_path)
        time.sleep(0.5)  # the capture retries against a closed port meanwhile
        restart_k = int(before_kill["sim_time_ns"].max() // 1_000_000_000) + 1000
        proc, _ = _spawn_counter(port, replay_path, restart_k, 200.0)
        _wait(lambda: capture.stats.gaps == 1 and capture.stats.samples >= len(before_kill) + 300,
              what="resume", debug=lambda: f"{capture.stats} {read_events(tmp_path)[-3:]}")
    finally:
        t0 = time.monotonic()
        capture.stop()
        stop_s = time.monotonic() - t0
        proc.kill()
        proc.wait()
    samples.close()
    assert stop_s <= 1.0
    df = read_samples(tmp_path)
    seconds = (df["sim_time_ns"] // 1_000_000_000).tolist()
    assert df["sim_time_ns"].is_unique and df["sim_time_ns"].is_monotonic_increasing
    for k, te_ns in zip(seconds, df["te_ns"], strict=True):  # nothing invented: every row is the file's value
        assert round(te_ns * 1000) == replay.phase_ps(k), k
    assert df.iloc[: len(before_kill)].equals(before_kill)  # nothing from before the kill lost or rewritten
    gaps = [e for e in read_events(tmp_path) if e["kind"] == "capture_gap"]
    assert len(gaps) == 1
    gap = range(gaps[0]["from_sim_time_ns"] // 10**9, gaps[0]["to_sim_time_ns"] // 10**9 + 1)
    assert gaps[0]["seconds"] == len(gap)
    # every second from the first captured to the last is either captured or inside the recorded gap
    assert sorted(set(seconds) | set(gap)) == list(range(seconds[0], seconds[-1] + 1))
    assert not set(seconds) & set(gap)
    assert gap[0] == seconds[len(before_kill) - 1] + 1  # from the first second not captured before the kill
    assert gap[-1] >= restart_k - 1 and seconds[len(before_kill)] == gap[-1] + 1  # to where the new stream began
    kinds = [e["kind"] for e in read_events(tmp_path)]
    assert kinds.count("capture_error") == 1 and kinds[-1] == "capture_stopped"


def read_samples_now(samples: SampleWriter, path: Path):  # noqa: ANN201 - a DataFrame
    samples.flush()
    return read_samples(path)


def test_connection_drop_resumes_without_loss(tmp_path: Path) -> None:
    device = CounterEmulator("node1", 1, seed=5, noise_rms_ps=0.0)
    server = ScpiServer(device).start()
    samples, events = SampleWriter(tmp_path / "samples.csv"), EventLog(tmp_path / "events.jsonl")
    capture = NodeCapture("node1", server.visa_address, samples, events, backoff_max_s=0.1).start()
    _wait(lambda: capture.stats.fetches > 0)
    stepper = Stepper(device, lambda k: [k * 10**12 + 4_000 + k], period_s=0.002).start()
    try:
        _wait(lambda: capture.stats.samples >= 100)
        stepper.stop()  # drop the link while no reading is in flight (a lost R? answer would be a real gap)
        _wait(lambda: capture._position is not None and capture._position.readings_fetched == device.seq.taken)
        meter = capture._meter
        assert meter is not None
        meter.scpi.io.close()  # the link drops under the capture; the instrument keeps measuring
        stepper = Stepper(device, stepper.node_edges, period_s=0.002)
        stepper.k = device.seq.last_step + 1
        stepper.start()
        _wait(lambda: capture.stats.reconnects == 1 and capture.stats.samples >= 300, what="resume")
    finally:
        stepper.stop()
        capture.stop()
        server.close()
    samples.close()
    df = read_samples(tmp_path)
    seconds = (df["sim_time_ns"] // 1_000_000_000).tolist()
    assert seconds == list(range(seconds[0], seconds[-1] + 1)), read_events(tmp_path)  # contiguous, no repeat
    assert [round(te * 1000) for te in df["te_ns"]] == [4_000 + k for k in seconds]
    kinds = [e["kind"] for e in read_events(tmp_path)]
    assert "capture_resumed" in kinds and "capture_gap" not in kinds


def test_missing_pulses_are_events_not_samples(tmp_path: Path) -> None:
    device = CounterEmulator("node1", 1, seed=5, noise_rms_ps=0.0)
    server = ScpiServer(device).start()
    samples, events = SampleWriter(tmp_path / "samples.csv"), EventLog(tmp_path / "events.jsonl")
    capture = NodeCapture("node1", server.visa_address, samples, events).start()
    _wait(lambda: capture.stats.fetches > 0)
    stepper = Stepper(device, lambda k: [] if 10 <= k < 20 else [k * 10**12 + 1_000]).start(limit=40)
    _wait(lambda: capture.stats.samples >= 28)
    stepper.stop()
    capture.stop()
    server.close()
    samples.close()
    seconds = set((read_samples(tmp_path)["sim_time_ns"] // 10**9).tolist())
    assert not seconds & set(range(10, 20)) and 20 in seconds
    runs = [e for e in read_events(tmp_path) if e["kind"] == "pps_timeout"]
    assert [(r["from_sim_time_ns"] // 10**9, r["to_sim_time_ns"] // 10**9) for r in runs] == [(10, 19)]
    assert capture.stats.duplicates == 0


def test_stop_is_prompt_even_when_instrument_is_gone(tmp_path: Path) -> None:
    samples, events = SampleWriter(tmp_path / "samples.csv"), EventLog(tmp_path / "events.jsonl")
    captures = start_captures({"a": "TCPIP::127.0.0.1::1::SOCKET", "b": "TCPIP::127.0.0.1::1::SOCKET"},
                              samples, events, backoff_max_s=5.0)
    time.sleep(0.3)
    t0 = time.monotonic()
    captures.stop()
    assert time.monotonic() - t0 <= 1.0
    assert not captures["a"].alive and not captures["b"].alive
    assert captures["a"].stats.errors >= 1 and captures["a"].stats.samples == 0
    samples.close()
