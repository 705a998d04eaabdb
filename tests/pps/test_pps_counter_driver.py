"""53230A driver against the counter emulator over real pyvisa-py TCP, and against broken servers."""

from __future__ import annotations

import math

import pytest

from bench.emu.counter import CounterEmulator
from bench.emu.scpi import ScpiServer
from drivers.counter_53230a import Counter53230A, parse_block
from drivers.errors import InstrumentError, MeasurementTimeout
from drivers.ppsmeter import PpsMeterConfig, PpsSample, open_pps_meter, wrap_interval
from drivers.scpi import ScpiCommandError
from tests.pps.conftest import PS, Stepper, lag_ps

Counter = tuple[CounterEmulator, ScpiServer]


def test_configure_sets_and_reads_back_channel_settings(counter: Counter) -> None:
    device, server = counter
    with open_pps_meter("53230A", server.visa_address, 2.0) as meter:
        assert "53230A" in meter.identify()
        meter.configure(PpsMeterConfig(ref_level_v=1.2, node_level_v=0.9, measurement_timeout_s=1.5))
        assert isinstance(meter, Counter53230A)
        assert meter.scpi.query("CONF?") == '"TINT (@1),(@2)"'
        assert float(meter.scpi.query("INP1:LEV?")) == pytest.approx(1.2)
        assert float(meter.scpi.query("INPUT2:LEVEL?")) == pytest.approx(0.9)
        assert meter.scpi.query("INP2:LEV:AUTO?") == "0"
        assert meter.scpi.query("INP1:SLOP?") == "POS"
        assert float(meter.scpi.query("INP2:IMP?")) == 50.0
        assert float(meter.scpi.query("SYST:TIM?")) == 1.5
        assert meter.errors() == []
    assert device.seq.ch1.level_v == pytest.approx(1.2)


def test_block_read_lagging_and_leading_nodes(counter: Counter) -> None:
    device, server = counter
    meter = open_pps_meter("53230a", server.visa_address, 2.0)
    meter.configure()
    stepper = Stepper(device, lag_ps(123_456)).start()  # +123.456 ns, node late
    try:
        assert meter.read(4) == [123.456e-9] * 4
    finally:
        stepper.stop()
    stepper = Stepper(device, lag_ps(-2_500_000), period_s=0.0)  # node 2.5 µs early
    stepper.k = device.seq.last_step + 1
    stepper.start()
    try:
        values = meter.read(3)
    finally:
        stepper.stop()
    assert values == [-2.5e-6] * 3  # wrapped from 0.9999975 s, exact to the digit
    meter.close()


def test_stream_attributes_each_reading_to_its_second(counter: Counter) -> None:
    device, server = counter
    meter = open_pps_meter("53230a", server.visa_address, 2.0)
    meter.configure()
    stepper = Stepper(device, lambda k: [k * PS + (7_000 if k % 3 else -9_000)])
    stepper.step(5)  # the counter is not armed yet: these seconds are not measured
    assert meter.arm() is None  # the emulator reports the first second once readings exist
    stepper.step(20)
    samples = meter.fetch()
    assert meter.position is not None and meter.position.first_second == 5
    # node edges: +7 ns on most seconds, -9 ns (leading) when k % 3 == 0; a leading edge is reached from
    # the previous second's start edge, and the lagging edge of that previous second stops it first.
    by_second = {s.second: s.te_s for s in samples}
    for second, te_s in by_second.items():
        assert te_s == pytest.approx(7e-9 if second % 3 else -9e-9, abs=1e-15)
    assert min(by_second) == 5 and max(by_second) >= 23
    assert len(by_second) == len(samples)  # no second twice
    assert meter.fetch() == []  # nothing new without new steps
    meter.close()


def test_missing_pulse_times_out_with_error_queue(counter: Counter) -> None:
    device, server = counter
    meter = open_pps_meter("53230a", server.visa_address, 2.0)
    meter.configure(PpsMeterConfig(measurement_timeout_s=1.2))
    stepper = Stepper(device, lambda k: [] if 3 <= k <= 5 else [k * PS + 1_000])
    meter.arm(first_second=None)
    stepper.step(12)
    assert meter.scpi.query("SYST:ERR?") == '-231,"Data questionable; measurement timeout"'
    samples = meter.fetch()
    # timeout 1.2 s: the measurement started at t_3 ends at t_3 + 1.2 s (seconds 3 and 4 unmeasured); the
    # next starts at t_5 and stops on the edge of second 6 (reading 1.000000001 s -> second 6, +1 ns)
    assert samples[:3] == [PpsSample(0, 1e-9), PpsSample(1, 1e-9), PpsSample(2, 1e-9)]
    assert samples[3:5] == [PpsSample(3, None), PpsSample(4, None)]
    assert samples[5:8] == [PpsSample(6, 1e-9), PpsSample(7, 1e-9), PpsSample(8, 1e-9)]
    assert meter.errors() == []  # fetch drained the expected timeout entries
    stepper.node_edges = lambda k: []
    meter.scpi.write("ABOR")
    meter.scpi.query("*OPC?")  # ABOR is processed before the next steps (no stray timeout from the old sequence)
    stepper.step(4)
    meter.scpi.write("*CLS")
    with pytest.raises(MeasurementTimeout, match="timed out"):
        stepper.start()
        try:
            meter.read(2)
        finally:
            stepper.stop()
    meter.close()


def test_level_outside_pulse_means_no_edges(counter: Counter) -> None:
    device, server = counter
    meter = open_pps_meter("53230a", server.visa_address, 2.0)
    meter.configure(PpsMeterConfig(node_level_v=3.0))  # 50 Ω: a 5 V TTL PPS is 2.5 V high
    stepper = Stepper(device, lag_ps(1_000)).start()
    try:
        with pytest.raises(MeasurementTimeout):
            meter.read(2)
    finally:
        stepper.stop()
    meter.close()


def test_unknown_header_and_bad_values_queue_errors(counter: Counter) -> None:
    _, server = counter
    meter = Counter53230A(server.visa_address, timeout_s=2.0)
    meter.scpi.write("SENS:FROB 3")
    meter.scpi.write("INP3:LEV 1.0")
    meter.scpi.write("INP1:IMP 75")
    codes = [code for code, _ in meter.errors()]
    assert codes == [-113, -114, -222]
    with pytest.raises(ScpiCommandError) as info:
        meter.scpi.send("INP1:SLOP SIDEWAYS")
    assert info.value.code == -224
    meter.scpi.write("*RST")
    with pytest.raises(ScpiCommandError, match="-221"):  # *RST selected FREQ: INIT needs CONF:TINT first
        meter.scpi.send("INIT")
    meter.close()


def test_reading_memory_commands(counter: Counter) -> None:
    device, server = counter
    meter = Counter53230A(server.visa_address, timeout_s=2.0)
    meter.configure()
    stepper = Stepper(device, lag_ps(5_000))
    meter.arm()
    stepper.step(6)
    assert meter.scpi.query("DATA:POIN?") == "+6"
    meter.scpi.write("DATA:REM? 7")  # a failed query answers nothing, like the instrument
    assert [code for code, _ in meter.errors()] == [-222]
    readings, rest = parse_block("x", "DATA:REM?", meter.scpi.ask("DATA:REM? 2"))
    assert readings == [5e-9, 5e-9] and rest == ""
    assert float(meter.scpi.query("DATA:LAST?")) == 5e-9
    assert meter.scpi.query("HILB:SEQ?") == "0,6,2"
    meter.scpi.send("ABOR")
    meter.scpi.query("R?")
    meter.scpi.write("R?")  # nothing stored, nothing running
    assert [code for code, _ in meter.errors()] == [-230]
    with pytest.raises(InstrumentError, match="no measurement running"):
        meter.fetch()
    meter.close()


@pytest.mark.parametrize(
    "reply, match",
    [
        (b"hello world\n", "without an error entry"),
        (b'#19+1.0E-07;+0,"No error"\n', "truncated block"),
        (b'#15+1.0E-07;+0,"No error"\n', "does not match"),
        (b'#9x;+0,"No error"\n', "bad length field"),
        (b'#212+1.0E-07,abc;+0,"No error"\n', "not a reading"),
        (b"#217+1.0E-07,+2.0E-07\n", "without an error entry"),
        (b"<close>", "no answer"),
    ],
)
def test_garbage_and_truncated_replies_are_typed_errors(raw_server, reply: bytes, match: str) -> None:  # noqa: ANN001
    def answer(line: str) -> bytes | None:
        if line.startswith("R?"):
            return reply
        return b'+0,"No error"\n' if "?" in line else None  # settings are silent, like an instrument

    address = raw_server(answer)
    meter = Counter53230A(address, timeout_s=0.5)
    meter.arm(first_second=0)  # the fake answers every setting command with "no error"
    with pytest.raises(InstrumentError, match=match):
        meter.fetch()
    meter.close()


def test_unreachable_and_unknown_family() -> None:
    with pytest.raises(InstrumentError, match="127.0.0.1::1::SOCKET"):  # on open or on first use
        open_pps_meter("53230a", "TCPIP::127.0.0.1::1::SOCKET", 0.5).identify()
    with pytest.raises(InstrumentError, match="unknown PPS meter family"):
        open_pps_meter("hp5370", "TCPIP::127.0.0.1::1::SOCKET", 0.5)


def test_wrap_rule() -> None:
    assert wrap_interval(0.25) == (0.25, 0)
    assert wrap_interval(0.9999999) == (pytest.approx(-1e-7, abs=1e-18), 1)
    assert wrap_interval(1.00000025) == (2.5e-7, 1)
    assert math.isclose(wrap_interval(-3e-9)[0], -3e-9)
