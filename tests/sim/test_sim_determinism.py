"""Determinism and speed through the whole emulated path: lab server process, socat ptys, node channel.

Same seed -> bit-identical receiver PPS edges, NMEA bytes and node PPS edges at time_scale 1 and 60;
a 1-hour scenario at time_scale 60 finishes within 90 s of wall time. (The node here is the
test-only MiniNode; the reference node's own determinism test belongs with bench/node.)
"""

from __future__ import annotations

import time
from pathlib import Path

import pynmea2
import pytest

from bench.lab import Lab
from bench.profile.loader import parse_profile
from drivers.gnss import open_gnss_simulator
from tests.sim.mini_node import MiniNode

SHORT_S = 20
HOUR_S = 3600


def run_lab(lab_dir: Path, time_scale: float, duration_s: int, timeout_s: float):
    prof = parse_profile({
        "bench": {"name": f"det{int(time_scale)}"},
        "emulation": {"seed": 424242, "time_scale": time_scale, "start_utc": "2026-06-30T23:40:00Z"},
        "instruments": {"gnss": {"family": "gsg", "options": {"duration_s": duration_s, "join_wait_s": 5}}},
        "nodes": {"count": 1, "template": {"backend": "external"}},  # the MiniNode joins instead
    }, Path("inline"))
    lab = Lab(prof, lab_dir)
    state = lab.up()
    node = None
    try:
        ep = state.endpoints
        node = MiniNode("node1", ep["kernel"]["port"], ep["serial"]["node1"]["node"], seed=3).start()
        with open_gnss_simulator("gsg", ep["gnss"]["address"], 5) as gsg:
            t0 = time.monotonic()
            gsg.inject_fault("nmea_corruption", start_s=5, duration_s=4, mode="mix", rate=0.5)
            gsg.inject_fault("pps_jitter", start_s=10, duration_s=5, sigma_ns=30)
            gsg.start()
            assert node.got_bye.wait(timeout_s), "scenario did not finish in time"
            wall_s = time.monotonic() - t0
        return node, wall_s
    finally:
        if node:
            node.close()
        lab.down()


@pytest.mark.slow
def test_same_seed_same_edges_at_time_scale_1_and_60_and_an_hour_fits_in_90_s(tmp_path, monkeypatch):
    monkeypatch.setenv("HILBENCH_LAB_DIR", str(tmp_path / "lab"))
    real, real_wall = run_lab(tmp_path / "lab1", 1.0, SHORT_S, 60)
    fast, fast_wall = run_lab(tmp_path / "lab60", 60.0, HOUR_S, 120)

    assert real_wall >= SHORT_S - 1                     # paced at real time
    assert len(real.ticks) == SHORT_S and len(fast.ticks) == HOUR_S
    assert fast_wall <= 90.0, f"1 h at time_scale 60 took {fast_wall:.1f} s wall"
    assert fast_wall >= HOUR_S / 60 - 1

    for k in range(SHORT_S):
        assert real.ticks[k] == fast.ticks[k]           # receiver PPS edges and byte counts
        assert real.serial_bytes[k] == fast.serial_bytes[k]
        assert real.pps_out[k] == fast.pps_out[k]       # node PPS edges
    bad_lines = 0                                       # the corruption fault really ran in steps 5..8
    for k in range(5, 9):
        for line in real.serial_bytes[k].split(b"\r\n"):
            try:
                pynmea2.parse(line.decode("ascii"), check=True)
            except (pynmea2.ParseError, UnicodeDecodeError, ValueError):
                bad_lines += 1
    assert bad_lines >= 4
