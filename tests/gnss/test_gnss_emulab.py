"""The emulab resource: the lab server process comes up with the lab, fills endpoints, answers, goes down."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bench.errors import LabError
from bench.lab import Lab
from bench.lab.emulab import EmuLab
from bench.lab.resource import pid_alive
from bench.profile.loader import parse_profile
from drivers.gnss import ScenarioState, open_gnss_simulator
from tests.sim.mini_node import MiniNode


def profile(**gnss_options):
    return parse_profile({
        "bench": {"name": "emulabtest"},
        "emulation": {"time_scale": 1e9, "start_utc": "2026-06-30T23:40:00Z"},
        "instruments": {"gnss": {"family": "gsg", "options": {"join_wait_s": 5, **gnss_options}}},
        "nodes": {"count": 2, "template": {"backend": "external"}},  # MiniNodes join instead of node programs
    }, Path("inline"))


@pytest.fixture
def lab_dir(tmp_path, monkeypatch):
    d = tmp_path / "lab"
    monkeypatch.setenv("HILBENCH_LAB_DIR", str(d))
    return d


def test_lab_up_runs_the_server_nodes_get_nmea_and_down_stops_it(lab_dir):
    lab = Lab(profile(leap_seconds="2026-06-30"), lab_dir)
    state = lab.up()
    try:
        kinds = [r.kind for r in state.resources]
        assert kinds == ["serial_pair", "serial_pair", "emulab"]
        ep = state.endpoints
        assert ep["kernel"]["host"] == "127.0.0.1" and ep["gnss"]["address"].startswith("TCPIP::127.0.0.1::")
        emu_state = state.resources[-1].data
        ok, detail = EmuLab.health_state(emu_state)
        assert ok and "GSG-6" in detail
        nodes = [MiniNode(n, ep["kernel"]["port"], ep["serial"][n]["node"]).start() for n in ("node1", "node2")]
        with open_gnss_simulator("gsg", ep["gnss"]["address"], 5) as gsg:
            gsg.start()
            deadline = time.monotonic() + 10
            while gsg.sim_step() < 1205 and time.monotonic() < deadline:
                time.sleep(0.05)
            gsg.stop()
            assert gsg.state() is ScenarioState.STOP
        for node in nodes:
            assert node.got_bye.wait(5)
            leap = node.serial_bytes[1200].decode()
            assert "$GPRMC,235960.00,A," in leap and "$GPZDA,235960.00,30,06,2026" in leap
            assert len(node.serial_bytes[7]) == node.ticks[7]["nmea_bytes"] > 300
            node.close()
        events = [json.loads(x) for x in Path(ep["emulab"]["events"]).read_text().splitlines()]
        assert {"scenario", "node_join", "node_state"} <= {e["kind"] for e in events}
    finally:
        lab.down()
    assert not pid_alive(emu_state["pid"], emu_state.get("pid_create_time"))
    assert not Path(emu_state["ready_file"]).exists()


def test_a_server_that_cannot_start_is_a_clear_lab_error(lab_dir):
    lab = Lab(profile(leap_seconds="30/06/2026"), lab_dir)
    with pytest.raises(LabError, match="exited with code 2.*Invalid isoformat string"):
        lab.up()
    assert not (lab_dir / "state.json").exists()


def test_unknown_gnss_option_is_named(lab_dir):
    with pytest.raises(LabError, match=r"unknown option\(s\) \['warp'\]"):
        Lab(profile(warp=9), lab_dir).up()
