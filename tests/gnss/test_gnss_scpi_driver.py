"""GSG driver <-> GNSS emulator over real pyvisa-py TCP sockets, in one lab server (no node processes)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest

from bench.emu.labserver import LabServer, LabServerConfig, NodeConf
from drivers.errors import DriverError, InstrumentError
from drivers.gnss import GeoPosition, ScenarioState, UnsupportedFeature, open_gnss_simulator
from drivers.scpi import ScpiCommandError, ScpiInstrument


@pytest.fixture
def lab(tmp_path):
    cfg = LabServerConfig(ready_file=str(tmp_path / "ready.json"), nodes=[NodeConf("node1", 1)],
                          time_scale=50.0, start_utc="2026-06-30T23:40:00+00:00", join_wait_s=0.1,
                          events_path=str(tmp_path / "events.jsonl"))
    server = LabServer(cfg)
    ready = server.start()
    yield server, ready
    server.close()


@pytest.fixture
def gsg(lab):
    sim = open_gnss_simulator("gsg", lab[1]["gnss"]["address"], timeout_s=3)
    yield sim
    sim.close()


def test_identity_and_scenario_lifecycle(lab, gsg):
    server, _ = lab
    assert gsg.identify().startswith("Orolia,GSG-6,")
    assert gsg.state() is ScenarioState.STOP
    with pytest.raises(InstrumentError, match="no scenario running"):
        gsg.runtime_s()
    gsg.scpi.write("SOUR:SCEN:RUN?")        # like a real GSG: no answer, an error queued
    assert gsg.scpi.next_error()[0] == -221
    gsg.set_start_datetime(datetime(2026, 6, 30, 23, 59, 50, tzinfo=UTC))
    gsg.schedule_leap_second(date(2026, 6, 30))
    assert gsg.scenario_datetime("UTC") == datetime(2026, 6, 30, 23, 59, 50, tzinfo=UTC)
    gsg.arm()
    assert gsg.state() is ScenarioState.ARMED
    gsg.start()
    assert server.kernel.wait_for_step(12, 10)
    gsg.hold()
    deadline = time.monotonic() + 3
    while gsg.state() is not ScenarioState.HOLD and time.monotonic() < deadline:
        time.sleep(0.02)
    assert gsg.state() is ScenarioState.HOLD
    held = gsg.runtime_s()
    time.sleep(0.2)
    assert gsg.runtime_s() == held and held >= 12
    assert gsg.sim_step() == int(held)
    assert gsg.scenario_datetime("GPS") == datetime(2026, 7, 1, 0, 0, 18 + int(held) - 10, tzinfo=UTC)
    gsg.start()
    gsg.stop()
    assert gsg.state() is ScenarioState.STOP


def test_settings_round_trip_and_reach_the_emulator(lab, gsg):
    server, _ = lab
    gsg.set_position(48.1371, 11.5754, 519.0)
    assert gsg.position() == GeoPosition(48.1371, 11.5754, 519.0)
    gsg.set_power_dbm(-140.5)
    assert gsg.power_dbm() == -140.5
    gsg.set_signal(False)
    assert server.gnss.signal_on is False
    gsg.set_time_offset_s(0.001)
    assert server.gnss.time_offset_ns == 1_000_000
    with pytest.raises(ScpiCommandError, match="power -10.0 dBm out of range"):
        gsg.set_power_dbm(-10)


def test_emulator_faults_and_replay_over_scpi(lab, gsg, tmp_path):
    server, _ = lab
    gsg.inject_fault("outage", start_s=30, duration_s=10, node="node1")
    gsg.inject_fault("nmea_corruption", start_s=5, duration_s=2, mode="bitflip", rate=0.3)
    listed = gsg.faults()
    assert [(f["kind"], f["start_s"], f["duration_s"], f["node"]) for f in listed] == \
        [("outage", 30, 10, "node1"), ("nmea_corruption", 5, 2, "*")]
    assert listed[1]["params"] == {"mode": "bitflip", "rate": 0.3}
    with pytest.raises(ScpiCommandError, match="unknown GNSS fault"):
        gsg.inject_fault("meteor", 1, 1)
    gsg.clear_faults()
    assert gsg.faults() == []
    with pytest.raises(ScpiCommandError, match="cannot read"):
        gsg.replay_log(str(tmp_path / "missing.nmea"))


def test_unknown_header_queues_minus_113(lab):
    with ScpiInstrument(lab[1]["gnss"]["address"], 3) as raw:
        raw.write("SOURce:SCENario:TELEport 1")
        assert raw.next_error() == (-113, "Undefined header")
        assert raw.next_error() == (0, "No error")
        raw.write("sour:scen:cont?")        # short form, any case
        assert raw.io.read().strip() == "STOP"


def test_emulator_only_calls_on_a_real_gsg_raise_unsupported():
    class RealGsg:                          # a GSG answers -113 to the EMULator: subtree
        timeout = 3000

        def __init__(self):
            self.pending = []

        def write(self, cmd):
            self.pending.append('-113,"Undefined header"' if cmd == "SYST:ERR?" else None)

        def read(self):
            return self.pending.pop()

        def close(self):
            pass

    sim = open_gnss_simulator("gsg", "TCPIP::192.0.2.10::5025::SOCKET", transport=RealGsg())
    with pytest.raises(UnsupportedFeature, match="emulator-only"):
        sim.inject_fault("outage", 0, 10)


def test_unknown_family_is_a_driver_error():
    with pytest.raises(DriverError, match="unknown GNSS simulator family 'tardis'"):
        open_gnss_simulator("tardis", "TCPIP::127.0.0.1::1::SOCKET")
