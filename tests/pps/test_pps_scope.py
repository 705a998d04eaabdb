"""InfiniiVision driver over real pyvisa TCP against a minimal scope double (a unit test of one class)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.capture import NodeCapture
from bench.emu.scpi import ScpiDevice, ScpiServer
from bench.store import EventLog, SampleWriter, read_events
from drivers.errors import InstrumentError, MeasurementTimeout
from drivers.ppsmeter import PpsMeterConfig, open_pps_meter
from drivers.scope_infiniivision import InfiniiVisionScope


class ScopeDouble(ScpiDevice):
    """Records settings; answers :MEASure:DELay? from a queue of canned answers."""

    idn = "KEYSIGHT TECHNOLOGIES,DSOX3024T,MY0000,07.50"

    def __init__(self, answers: list[str]) -> None:
        super().__init__()
        self.answers = answers
        self.settings: dict[str, list[str]] = {}
        self.digitized = 0
        for header in (":CHANnel#:DISPlay", ":CHANnel#:IMPedance", ":TRIGger:MODE", ":TRIGger:EDGE:SOURce",
                       ":TRIGger:EDGE:SLOPe", ":TRIGger:EDGE:LEVel", ":TIMebase:SCALe", ":TIMebase:REFerence",
                       ":MEASure:DEFine"):
            self.register(header, self._store(header))
        self.register(":DIGitize", lambda a, s: self._digitize())
        self.register(":MEASure:DELay?", lambda a, s: self.answers.pop(0))

    def _store(self, header: str):  # noqa: ANN202
        def handler(args: list[str], suffixes: tuple[int, ...]) -> None:
            self.settings[f"{header}{suffixes[0] if suffixes else ''}"] = args
        return handler

    def _digitize(self) -> None:
        self.digitized += 1


@pytest.fixture
def scope() -> Iterator[tuple[ScopeDouble, str]]:
    device = ScopeDouble([])
    server = ScpiServer(device).start()
    yield device, server.visa_address
    server.close()


def test_configure_defines_delay_edges_and_levels(scope: tuple[ScopeDouble, str]) -> None:
    device, address = scope
    meter = open_pps_meter("InfiniiVision", address, 2.0)
    assert "DSOX3024T" in meter.identify()
    meter.configure(PpsMeterConfig(ref_level_v=1.4, slope="NEG", impedance_ohm=1000000))
    assert device.settings[":MEASure:DEFine"] == ["DELay", "-1", "-1"]
    assert device.settings[":TRIGger:EDGE:LEVel"] == ["1.4000", "CHANnel1"]
    assert device.settings[":CHANnel#:IMPedance2"] == ["ONEMeg"]
    meter.close()


def test_delay_values_and_no_measurement(scope: tuple[ScopeDouble, str]) -> None:
    device, address = scope
    meter = InfiniiVisionScope(address, timeout_s=2.0)
    device.answers[:] = ["+1.2345E-07", "-4.0E-09", "9.9999999E-01"]
    assert meter.read(3) == [pytest.approx(1.2345e-7), pytest.approx(-4e-9), pytest.approx(-1e-8, abs=1e-15)]
    device.answers[:] = ["+9.9E+37"]
    assert meter.measure_once() is None  # "cannot measure" is never a number
    device.answers[:] = ["+5.0E-09", "+9.9E+37"]
    with pytest.raises(MeasurementTimeout, match="9.9E\\+37"):
        meter.read(2)
    device.answers[:] = ["garbage"]
    with pytest.raises(InstrumentError, match="not a number"):
        meter.measure_once()
    assert device.digitized == 7
    with pytest.raises(InstrumentError, match="streaming capture needs a time-interval counter"):
        meter.arm()
    meter.close()


def test_capture_with_a_scope_fails_cleanly(scope: tuple[ScopeDouble, str], tmp_path: Path) -> None:
    _, address = scope
    samples, events = SampleWriter(tmp_path / "s.csv"), EventLog(tmp_path / "events.jsonl")
    capture = NodeCapture("n1", address, samples, events, family="infiniivision").start()
    deadline = time.monotonic() + 5
    while capture.alive and time.monotonic() < deadline:
        time.sleep(0.01)
    assert capture.stats.failed is not None and "counter" in capture.stats.failed
    assert "capture_failed" in [e["kind"] for e in read_events(tmp_path)]
    samples.close()
