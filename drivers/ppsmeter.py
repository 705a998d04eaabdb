"""The PPS-meter interface: what the bench needs from a counter or a scope that compares two PPS signals.

Why: the capture loop must not care whether a node's time error comes from a time-interval counter
(Keysight 53230A class, gap-free reading memory, one reading per second) or an oscilloscope
(Keysight InfiniiVision class, one delay measurement per acquisition). Both answer the same question —
"node PPS minus reference PPS, for which second?" — behind this interface, and ``open_pps_meter``
picks the driver from the profile's instrument ``family`` and opens it over any VISA resource string.

Sign convention (docs/simulation.md): ``te_s = node PPS edge − reference PPS edge``; positive = the
node is late. Interval readings above 0.5 s are a node that *leads* (the interval runs to the node's
edge of the *next* second) and are wrapped to ``reading − 1 s``, attributed to that next second.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from drivers.errors import InstrumentError
from drivers.scpi import ScpiInstrument

WRAP_ABOVE_S = 0.5
"""Interval readings above this are a leading node: TE = reading − 1 s, for the next second."""

NO_MEASUREMENT_ABOVE = 9.0e37
"""Keysight instruments report "no measurement" as 9.9E+37 (scopes) / 9.91E+37 (counters)."""


class UnattributableStream(InstrumentError):
    """The instrument cannot say which second its stream starts on and the caller did not either."""


@dataclass(frozen=True)
class PpsMeterConfig:
    """Input and measurement settings (absolute trigger levels: auto-level needs ≥ 50 Hz, a PPS is 1 Hz)."""

    ref_level_v: float = 1.5
    node_level_v: float = 1.5
    slope: Literal["POS", "NEG"] = "POS"
    impedance_ohm: Literal[50, 1000000] = 50
    measurement_timeout_s: float = 1.2
    """Per-measurement timeout; must exceed 1 s so a leading node (reading ≈ 1 s − offset) is measured."""

    def __post_init__(self) -> None:
        if self.slope not in ("POS", "NEG"):
            raise InstrumentError(f"PPS meter config: slope {self.slope!r} is not POS or NEG")
        if self.impedance_ohm not in (50, 1000000):
            raise InstrumentError(f"PPS meter config: impedance {self.impedance_ohm!r} Ω is not 50 or 1000000")
        if not (0.01 <= self.measurement_timeout_s <= 2000.0) or not math.isfinite(self.measurement_timeout_s):
            raise InstrumentError(
                f"PPS meter config: measurement_timeout_s={self.measurement_timeout_s} outside 0.01 … 2000 s"
            )
        for name in ("ref_level_v", "node_level_v"):
            level = getattr(self, name)
            if not math.isfinite(level) or abs(level) > 10.0:
                raise InstrumentError(f"PPS meter config: {name}={level} V outside ±10 V")


@dataclass(frozen=True)
class PpsSample:
    """One second's time error: ``te_s`` is None when the instrument reported no measurement."""

    second: int
    te_s: float | None

    @property
    def sim_time_ns(self) -> int:
        return self.second * 1_000_000_000

    @property
    def te_ns(self) -> float | None:
        return None if self.te_s is None else self.te_s * 1e9


@dataclass(frozen=True)
class StreamPosition:
    """Where a streaming measurement stands: armed at ``first_second``, ``readings_fetched`` readings
    taken out of the instrument so far, and the second the next reading's start edge belongs to."""

    first_second: int
    readings_fetched: int
    next_second: int


def is_no_measurement(value: float) -> bool:
    """True for Keysight's "not a number" readings (9.9E+37 / 9.91E+37) and real NaNs."""
    return math.isnan(value) or abs(value) >= NO_MEASUREMENT_ABOVE


def wrap_interval(reading_s: float) -> tuple[float, int]:
    """``(te_s, second_offset)``: an interval reading belongs to the node edge of second ``k + n`` where
    ``n`` is the reading rounded to whole seconds (a reading above 0.5 s is a leading node)."""
    if reading_s > WRAP_ABOVE_S:
        n = math.floor(reading_s + 0.5)
        # via the decimal digits the instrument sent, so 1.00000025 wraps to exactly 2.5e-07
        return float(Decimal(repr(reading_s)) - n), n
    return reading_s, 0


class PpsMeter(ABC):
    """A connected instrument measuring node PPS minus reference PPS."""

    family: str = ""
    address: str
    scpi: ScpiInstrument

    @abstractmethod
    def identify(self) -> str:
        """The instrument's ``*IDN?`` answer."""

    @abstractmethod
    def configure(self, config: PpsMeterConfig) -> None:
        """Reset and set up the PPS time-interval measurement; raises on any instrument error."""

    @abstractmethod
    def read(self, n: int, timeout_s: float | None = None) -> list[float]:
        """Measure ``n`` consecutive intervals and return the wrapped TE in seconds.

        Raises ``MeasurementTimeout`` if any of them could not be measured (no pulse).
        """

    @abstractmethod
    def arm(self, first_second: int | None = None) -> int | None:
        """Start a continuous (streaming) measurement.

        ``first_second`` is the caller's knowledge of the second of its first reading (e.g. 0 when
        armed before the scenario starts); without it the instrument must report it once the first
        readings exist (``fetch`` raises ``UnattributableStream`` otherwise). Returns ``first_second``.
        """

    @abstractmethod
    def fetch(self, max_readings: int = 10000) -> list[PpsSample]:
        """The samples measured since the last fetch (possibly none), in order; never blocks for data."""

    @property
    @abstractmethod
    def position(self) -> StreamPosition | None:
        """The running stream's position (None before ``arm``)."""

    @abstractmethod
    def resume(self, position: StreamPosition) -> bool:
        """After a reconnect: continue the stream at ``position`` if the instrument still runs it with
        no reading lost in between. False = it does not (arm again)."""

    def errors(self) -> list[tuple[int, str]]:
        """Drain the instrument's error queue (``SYST:ERR?`` until ``0``, at most 64 entries)."""
        out: list[tuple[int, str]] = []
        for _ in range(64):
            code, message = self.scpi.next_error()
            if code == 0:
                break
            out.append((code, message))
        return out

    def close(self) -> None:
        """Release the connection (idempotent)."""
        self.scpi.close()

    def __enter__(self) -> PpsMeter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


FAMILIES: dict[str, str] = {
    "53230a": "counter_53230a",
    "keysight_53230a": "counter_53230a",
    "counter_53230a": "counter_53230a",
    "53220a": "counter_53230a",
    "infiniivision": "scope_infiniivision",
    "keysight_infiniivision": "scope_infiniivision",
    "scope_infiniivision": "scope_infiniivision",
}


def canonical_family(family: str) -> str:
    """The driver name for a profile's family spelling (``53230A`` -> ``counter_53230a``)."""
    key = family.strip().lower().replace("-", "_").replace(" ", "_")
    driver = FAMILIES.get(key)
    if driver is None:
        raise InstrumentError(f"unknown PPS meter family {family!r}; known: {', '.join(sorted(FAMILIES))}")
    return driver


def open_pps_meter(family: str, address: str, timeout_s: float = 5.0) -> PpsMeter:
    """Open the PPS meter of ``family`` (e.g. ``53230a``, ``infiniivision``) at a VISA ``address``."""
    driver = canonical_family(family)
    if not address or not address.strip():
        raise InstrumentError(f"PPS meter of family {family!r} has no VISA address")
    if driver == "counter_53230a":
        from drivers.counter_53230a import Counter53230A

        return Counter53230A(address, timeout_s=timeout_s)
    from drivers.scope_infiniivision import InfiniiVisionScope

    return InfiniiVisionScope(address, timeout_s=timeout_s)
