"""End to end in the emulated lab server: kernel steps -> counter emulator -> pyvisa -> capture -> samples."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.capture import start_captures
from bench.emu.counter import PhaseReplay
from bench.paths import TIMING_DATA_DIR
from bench.store import EventLog, SampleWriter, read_events, read_samples
from drivers.scpi import ScpiInstrument

REPO = Path(__file__).resolve().parents[2]
PHASE_DAT_LIKE = TIMING_DATA_DIR / "gps_1pps_vs_hmaser_phase.txt.gz"


@pytest.mark.slow
def test_replay_node_through_lab_server_is_captured_exactly(tmp_path: Path) -> None:
    import gzip

    with gzip.open(PHASE_DAT_LIKE, "rt") as fh:
        values = [line for line in fh if not line.startswith("#")][:1000]
    replay_file = tmp_path / "slice.txt"
    replay_file.write_text("".join(values))
    cfg = {
        "ready_file": str(tmp_path / "ready.json"), "seed": 4, "time_scale": 1e9, "counter_noise_rms_ps": 0.0,
        "nodes": [{"name": "r1", "index": 1, "pps_replay_file": str(replay_file)}], "join_wait_s": 1.0,
    }
    (tmp_path / "cfg.json").write_text(json.dumps(cfg))
    env = dict(os.environ, PYTHONPATH=str(REPO), HILBENCH_LAB_DIR=str(tmp_path / "lab"))
    proc = subprocess.Popen([sys.executable, "-m", "bench.emu.labserver", "--config", str(tmp_path / "cfg.json")],
                            env=env, cwd=REPO)
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "ready.json").exists():
            assert time.monotonic() < deadline and proc.poll() is None, "lab server did not come up"
            time.sleep(0.05)
        ready = json.loads((tmp_path / "ready.json").read_text())
        samples, events = SampleWriter(tmp_path / "samples.csv"), EventLog(tmp_path / "events.jsonl")
        captures = start_captures(ready["counters"], samples, events)
        while captures["r1"].stats.fetches == 0:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        with ScpiInstrument(ready["gnss"]["address"], 5.0) as gnss:
            gnss.write("SOUR:SCEN:CONT START")
            while captures["r1"].stats.timeouts == 0:  # the file ended: the counter now times out
                assert time.monotonic() < deadline, captures.stats()
                time.sleep(0.02)
            df_live = read_samples_flushed(samples, tmp_path)  # readable during the run
            gnss.write("SOUR:SCEN:CONT STOP")
        captures.stop()
        samples.close()
    finally:
        proc.terminate()
        proc.wait(10)
    replay = PhaseReplay(replay_file)
    df = read_samples(tmp_path)
    assert len(df_live) == len(df) == len(replay)
    assert [round(te * 1000) for te in df["te_ns"]] == [replay.phase_ps(k) for k in range(len(replay))]
    assert (df["sim_time_ns"] // 10**9).tolist() == list(range(len(replay)))
    timeouts = [e for e in read_events(tmp_path) if e["kind"] == "pps_timeout"]
    assert timeouts and timeouts[0]["from_sim_time_ns"] == len(replay) * 10**9


def read_samples_flushed(samples: SampleWriter, path: Path):  # noqa: ANN201 - a DataFrame
    samples.flush()
    return read_samples(path)
