"""Keysight 53230A (53220A) driver: PPS time interval, channel 1 = reference, channel 2 = node.

Why: a time-interval counter is the bench's reference instrument for TE — gap-free, ~10 ps noise, one
reading per second. This driver sets it up the way a PPS comparison needs (absolute trigger levels,
because auto-level needs ≥ 50 Hz; 50 Ω; rising edges; a per-measurement timeout so a missing pulse
yields "no measurement" instead of a hung sequence) and reads it either in blocks (``READ?``) or as a
stream out of the instrument's reading memory (``R?`` reads-and-erases while the sequence runs).

Which second a reading belongs to (programming-guide facts this relies on):
- With ``TRIG:SOUR IMM`` a time-interval measurement starts on the first channel-1 edge after the
  previous measurement ended and stops on the first channel-2 edge after its start. The reference PPS
  is continuous, so a stream armed for second ``k0`` has its readings' start edges at ``k0, k0+1, …``.
- A measurement that does not complete within ``SYST:TIM`` returns 9.91E+37 and the sequence goes on;
  it ended at ``start + timeout``, so the next start edge is second ``k + floor(timeout) + 1``. The
  seconds in between are unmeasured and reported as ``PpsSample(second, None)``.
- A reading above 0.5 s is a node that leads: TE = reading − 1 s, and it belongs to second ``k + 1``.
  The measurement ended at ``start + reading``, so the next one starts on second ``k + floor(reading) + 1``
  (a reading above 1 s — a late edge after a missed one — skips a second).
The arming second comes from the caller (e.g. armed before the scenario starts = 0) or from the
instrument: the hilbench counter emulator answers ``HILBench:SEQuence?`` with ``<k0>,<taken>,<read out>``
(a real 53230A answers -113 and the caller must know ``k0``). See docs/simulation.md, "Counters".
"""

from __future__ import annotations

import math
import re

from drivers.errors import InstrumentError, MeasurementTimeout
from drivers.ppsmeter import (
    PpsMeter,
    PpsMeterConfig,
    PpsSample,
    StreamPosition,
    UnattributableStream,
    is_no_measurement,
    wrap_interval,
)
from drivers.scpi import _ERR_RE, ScpiCommandError, ScpiInstrument, Transport

STREAM_COUNT = 1_000_000
"""SAMP:COUN and TRIG:COUN maximum: a stream of 10^12 readings never ends by itself."""

ERR_UNDEFINED_HEADER = -113
ERR_DATA_STALE = -230
ERR_DATA_QUESTIONABLE = -231
ERR_QUEUE_OVERFLOW = -350
_TOLERATED_IN_STREAM = {ERR_DATA_QUESTIONABLE, ERR_QUEUE_OVERFLOW}
ERROR_QUEUE_WALK = 34
"""Entries read per check: a 53230A error queue holds 20-30 entries (the emulator 30)."""

_BLOCK_RE = re.compile(r"^#([1-9])")


def parse_block(address: str, command: str, text: str) -> tuple[list[float], str]:
    """Parse an IEEE 488.2 definite-length block of ASCII readings; return (readings, rest of line)."""
    match = _BLOCK_RE.match(text)
    if not match:
        if text.startswith("#0"):
            raise InstrumentError(f"{address}: {command!r} answered an indefinite-length block; not supported")
        raise InstrumentError(f"{address}: {command!r} answered {text[:60]!r}, not a definite-length block")
    ndigits = int(match.group(1))
    digits = text[2 : 2 + ndigits]
    if len(digits) != ndigits or not digits.isdigit():
        raise InstrumentError(f"{address}: {command!r} answered a block with a bad length field {text[:20]!r}")
    length = int(digits)
    start = 2 + ndigits
    body = text[start : start + length]
    if len(body) != length:
        raise InstrumentError(
            f"{address}: {command!r} answered a truncated block ({len(body)} of {length} bytes)"
        )
    rest = text[start + length :]
    if rest and not rest.startswith(";"):
        raise InstrumentError(
            f"{address}: {command!r} answered a block whose length field ({length} bytes) does not match its data"
        )
    return parse_readings(address, command, body), rest.lstrip(";")


def parse_readings(address: str, command: str, body: str) -> list[float]:
    """Comma-separated ASCII readings -> floats (NaN for the instrument's 9.91E+37)."""
    body = body.strip()
    if not body:
        return []
    out: list[float] = []
    for item in body.split(","):
        try:
            value = float(item)
        except ValueError:
            raise InstrumentError(f"{address}: {command!r} answered {item.strip()[:40]!r}, not a reading") from None
        out.append(math.nan if is_no_measurement(value) else value)
    return out


class Counter53230A(PpsMeter):
    """A 53230A measuring ``TINT (@1),(@2)``: node PPS (channel 2) minus reference PPS (channel 1)."""

    family = "counter_53230a"

    def __init__(self, address: str, timeout_s: float = 5.0, transport: Transport | None = None) -> None:
        self.address = address
        self.timeout_s = timeout_s
        self.scpi = ScpiInstrument(address, timeout_s=timeout_s, transport=transport)
        self.config = PpsMeterConfig()
        self._position: StreamPosition | None = None
        self._armed = False
        self.timeouts_reported = 0

    # -- setup -----------------------------------------------------------------------------------
    def identify(self) -> str:
        return self.scpi.idn()

    def configure(self, config: PpsMeterConfig | None = None) -> None:
        config = config or PpsMeterConfig()
        s = self.scpi
        s.reset()
        s.send("CONF:TINT (@1),(@2)")
        for channel, level_v in ((1, config.ref_level_v), (2, config.node_level_v)):
            s.send(f"INP{channel}:LEV {level_v:.4f}")
            s.send(f"INP{channel}:SLOP {config.slope}")
            s.send(f"INP{channel}:IMP {config.impedance_ohm}")
            got = s.query_float(f"INP{channel}:LEV?")
            if abs(got - level_v) > 1e-3:
                raise InstrumentError(f"{self.address}: channel {channel} level reads back {got} V, set {level_v} V")
        s.send(f"SYST:TIM {config.measurement_timeout_s:.3f}")
        s.send("FORM:DATA ASC")
        self.config = config
        self._position, self._armed = None, False

    # -- block measurement -----------------------------------------------------------------------
    def read(self, n: int, timeout_s: float | None = None) -> list[float]:
        if n < 1 or n > STREAM_COUNT:
            raise InstrumentError(f"{self.address}: sample count {n} outside 1 … {STREAM_COUNT}")
        s = self.scpi
        s.send("ABOR")
        self._position, self._armed = None, False
        s.send(f"SAMP:COUN {n}")
        s.send("TRIG:COUN 1")
        wait_s = timeout_s if timeout_s is not None else self.timeout_s + n * (1.0 + self.config.measurement_timeout_s)
        data, err_text = self._query_with_error("READ?", timeout_s=wait_s)
        self._check_stream_errors("READ?", err_text)
        if data is None:
            raise InstrumentError(f"{self.address}: READ? returned no readings")
        readings = parse_readings(self.address, "READ?", data)
        if len(readings) != n:
            raise InstrumentError(f"{self.address}: READ? returned {len(readings)} readings, expected {n}")
        missing = [i for i, v in enumerate(readings) if math.isnan(v)]
        if missing:
            raise MeasurementTimeout(
                f"{self.address}: {len(missing)} of {n} interval measurements timed out after "
                f"{self.config.measurement_timeout_s} s (no pulse on channel 1 or 2?); first at reading {missing[0]}"
            )
        return [wrap_interval(v)[0] for v in readings]

    # -- streaming -------------------------------------------------------------------------------
    @property
    def position(self) -> StreamPosition | None:
        return self._position

    def arm(self, first_second: int | None = None) -> int | None:
        s = self.scpi
        s.send("ABOR")
        s.send(f"SAMP:COUN {STREAM_COUNT}")
        s.send(f"TRIG:COUN {STREAM_COUNT}")
        s.send("INIT")
        self._armed = True
        self._position = None if first_second is None else StreamPosition(first_second, 0, first_second)
        return first_second

    def sequence(self) -> tuple[int, int, int] | None:
        """``(first second, readings taken, readings read out)`` of the running stream, from instruments
        that report it (the hilbench emulator), else None."""
        command = "HILBench:SEQuence?"
        answer, err_text = self._query_with_error(command)
        if answer is None:  # the query failed: find out why among the queued entries
            entries = [self._parse_error(err_text), *self.errors()]
            codes = {code for code, _ in entries}
            if codes & {ERR_UNDEFINED_HEADER, ERR_DATA_STALE}:  # not an emulator, or no stream running
                return None
            informative = [(c, m) for c, m in entries if c not in _TOLERATED_IN_STREAM | {0}]
            if not informative:
                raise InstrumentError(f"{self.address}: {command!r} failed; its error was lost in a full error queue")
            raise ScpiCommandError(self.address, command, *informative[0])
        self._check_stream_errors(command, err_text)
        parts = answer.split(",")
        try:
            return int(parts[0]), int(parts[1]), int(parts[2])
        except (ValueError, IndexError):
            raise InstrumentError(f"{self.address}: HILBench:SEQuence? answered {answer!r}") from None

    def resume(self, position: StreamPosition) -> bool:
        self.scpi.write("*CLS")  # entries queued while we were away are timeouts the readings carry anyway
        seq = self.sequence()
        if seq is None or seq[0] != position.first_second:
            return False
        if seq[2] != position.readings_fetched:  # readings were read out but their answer never arrived
            return False
        self._position = position
        self._armed = True
        return True

    def fetch(self, max_readings: int = 10000) -> list[PpsSample]:
        if not self._armed:
            raise InstrumentError(f"{self.address}: fetch before arm")
        command = f"R? {max_readings}"
        data, err_text = self._query_with_error(command)
        self._check_stream_errors(command, err_text)
        readings: list[float] = []
        if data is not None:
            readings, rest = parse_block(self.address, command, data)
            if rest.strip():
                raise InstrumentError(f"{self.address}: {command!r} answered extra text {rest[:40]!r} after the block")
        if readings and self._position is None:
            self._position = self._first_position(len(readings))
        return self._attribute(readings) if readings else []

    def _first_position(self, just_fetched: int) -> StreamPosition:
        """The stream's first second, asked once its first readings exist (then it is final)."""
        seq = self.sequence()
        if seq is None:
            raise UnattributableStream(
                f"{self.address}: the counter does not report which second its readings start on; "
                "arm it before the scenario starts and pass first_second"
            )
        return StreamPosition(seq[0], 0, seq[0])

    def _attribute(self, readings: list[float]) -> list[PpsSample]:
        pos = self._position
        assert pos is not None
        k = pos.next_second
        skip = math.floor(self.config.measurement_timeout_s)
        out: list[PpsSample] = []
        for value in readings:
            if math.isnan(value):
                out.extend(PpsSample(k + i, None) for i in range(skip + 1))
                k += skip + 1
                self.timeouts_reported += 1
            else:
                te_s, offset = wrap_interval(value)
                out.append(PpsSample(k + offset, te_s))
                k += math.floor(value) + 1 if value > 0 else 1
        self._position = StreamPosition(pos.first_second, pos.readings_fetched + len(readings), k)
        return out

    # -- errors ----------------------------------------------------------------------------------
    def _query_with_error(self, command: str, timeout_s: float | None = None) -> tuple[str | None, str]:
        """Send ``command;:SYST:ERR?`` in one message so a failed query cannot leave us waiting for an
        answer that never comes; return (the query's answer or None, the first error entry)."""
        answer = self.scpi.query(f"{command};:SYST:ERR?", timeout_s=timeout_s)
        quote = answer.find('"')
        if quote < 0:
            raise InstrumentError(f"{self.address}: {command!r} answered {answer[-60:]!r} without an error entry")
        semi = answer.rfind(";", 0, quote)
        if semi < 0:
            return None, answer
        return answer[:semi], answer[semi + 1 :]

    def _check_stream_errors(self, command: str, first: str) -> None:
        """Walk the error queue: per-reading timeouts (-231) and overflow (-350) are expected while
        streaming (the readings say which ones); -230 = nothing running; anything else raises. In fast
        simulated time timeouts can queue faster than they are read: after a queue's depth of expected
        entries the rest is cleared (``*CLS``) instead of chasing it."""
        text = first
        for _ in range(ERROR_QUEUE_WALK):
            match = _ERR_RE.match(text)
            if not match:
                raise InstrumentError(f"{self.address}: SYST:ERR? answered {text[:60]!r}, not '<code>,\"<text>\"'")
            code, message = int(match.group(1)), match.group(2)
            if code == 0:
                return
            if code == ERR_DATA_STALE:
                self.errors()
                raise InstrumentError(f"{self.address}: {command!r}: no measurement running or stored ({message})")
            if code not in _TOLERATED_IN_STREAM:
                self.errors()
                raise ScpiCommandError(self.address, command, code, message)
            text = self.scpi.query("SYST:ERR?")
        self.scpi.write("*CLS")

    def _parse_error(self, text: str) -> tuple[int, str]:
        match = _ERR_RE.match(text)
        if not match:
            raise InstrumentError(f"{self.address}: SYST:ERR? answered {text[:60]!r}, not '<code>,\"<text>\"'")
        return int(match.group(1)), match.group(2)

