"""R&S SMBV100B/SMW200A driver: exact command strings (longitude first), reply parsing, typed errors."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from drivers.errors import InstrumentError
from drivers.gnss import GeoPosition, ScenarioState, UnsupportedFeature, open_gnss_simulator
from drivers.scpi import ScpiCommandError


class Recorder:
    """A transport that records every write and answers queries from a table (unit-test only)."""

    timeout = 5000

    def __init__(self, answers: dict[str, str] | None = None, error_after: str | None = None) -> None:
        self.writes: list[str] = []
        self.answers = answers or {}
        self.error_after = error_after
        self._pending: list[str] = []
        self._error = False

    def write(self, message: str) -> None:
        self.writes.append(message)
        if message == "SYST:ERR?":
            self._pending.append('-222,"Data out of range"' if self._error else '+0,"No error"')
            self._error = False
        elif message.endswith("?"):
            self._pending.append(self.answers[message])
        if self.error_after and message.startswith(self.error_after):
            self._error = True

    def read(self) -> str:
        return self._pending.pop(0)

    def close(self) -> None:
        pass


def commands(rec: Recorder) -> list[str]:
    return [w for w in rec.writes if w != "SYST:ERR?"]


def test_position_is_sent_longitude_first_and_read_back():
    rec = Recorder({":SOURce1:BB:GNSS:RECeiver:V1:LOCation:COORdinates:DEC:WGS?": "13.3777040,52.5162750,34.00"})
    sim = open_gnss_simulator("smbv", "TCPIP::192.0.2.5::5025::SOCKET", transport=rec)
    sim.set_position(52.516275, 13.377704, 34.0)
    assert commands(rec) == [":SOURce1:BB:GNSS:RECeiver:V1:LOCation:COORdinates:DEC:WGS 13.3777040,52.5162750,34.00"]
    assert sim.position() == GeoPosition(52.516275, 13.377704, 34.0)


def test_start_stop_time_leap_power_commands():
    rec = Recorder({":SOURce1:BB:GNSS:STATe?": "1", ":SOURce1:BB:GNSS:TIME:STARt:DATE?": "2026,6,30",
                    ":SOURce1:BB:GNSS:TIME:STARt:TIME?": "23,40,0.000", ":SOURce1:BB:GNSS:POWer:REFerence?": "-130.00",
                    ":SOURce1:BB:GNSS:TIME:CONVersion:LEAP:SEConds?": "18"})
    sim = open_gnss_simulator("smbv", "TCPIP::192.0.2.5::5025::SOCKET", transport=rec)
    sim.set_start_datetime(datetime(2026, 6, 30, 23, 40, tzinfo=UTC))
    sim.schedule_leap_second(date(2026, 6, 30))
    sim.set_power_dbm(-130)
    sim.start()
    sim.set_signal(False)
    sim.stop()
    assert commands(rec) == [
        ":SOURce1:BB:GNSS:TIME:STARt:TBASis UTC",
        ":SOURce1:BB:GNSS:TIME:STARt:DATE 2026,6,30",
        ":SOURce1:BB:GNSS:TIME:STARt:TIME 23,40,0.000",
        ":SOURce1:BB:GNSS:TIME:CONVersion:LEAP:AUTO 1",
        ":SOURce1:BB:GNSS:TIME:CONVersion:LEAP:DATE 2026,6,30",
        ":SOURce1:BB:GNSS:TIME:CONVersion:LEAP:SIGN POSitive",
        ":SOURce1:BB:GNSS:POWer:REFerence -130.00",
        ":SOURce1:BB:GNSS:STATe 1",
        ":OUTPut1:STATe 1",
        ":OUTPut1:STATe 0",
        ":SOURce1:BB:GNSS:STATe 0",
    ]
    rec.writes.clear()
    assert sim.state() is ScenarioState.START
    assert sim.scenario_datetime() == datetime(2026, 6, 30, 23, 40, tzinfo=UTC)
    assert sim.power_dbm() == -130.0
    assert sim.leap_seconds() == 18


def test_instrument_error_names_the_command():
    rec = Recorder(error_after=":SOURce1:BB:GNSS:POWer:REFerence")
    sim = open_gnss_simulator("smbv", "TCPIP::192.0.2.5::5025::SOCKET", transport=rec)
    with pytest.raises(ScpiCommandError, match=r"POWer:REFerence -300.00.*-222"):
        sim.set_power_dbm(-300)


def test_garbage_replies_and_missing_features_are_typed_errors():
    rec = Recorder({":SOURce1:BB:GNSS:STATe?": "maybe"})
    sim = open_gnss_simulator("smbv", "TCPIP::192.0.2.5::5025::SOCKET", transport=rec)
    with pytest.raises(InstrumentError, match="answered 'maybe'"):
        sim.state()
    for call in (sim.arm, sim.hold, sim.runtime_s, lambda: sim.set_time_offset_s(1.0),
                 lambda: sim.inject_fault("outage", 0, 1)):
        with pytest.raises(UnsupportedFeature):
            call()
    with pytest.raises(InstrumentError, match="out of range"):
        sim.set_position(95.0, 0.0, 0.0)
