"""Keysight InfiniiVision oscilloscope driver: PPS delay between channel 1 (reference) and 2 (node).

Why: labs without a time-interval counter measure PPS offsets with a scope — trigger on the reference
edge, measure the delay to the node's edge with ``:MEASure:DELay?``. A scope answers ``+9.9E+37`` when
it cannot measure (no second edge on screen); that must become "no measurement", never a number that
would enter the statistics as a 99-undecillion-second time error.

A scope has no gap-free reading memory: each measurement is one acquisition, and which PPS second it
caught is not known to the instrument. So this driver offers block reads (``read``), not an attributable
stream: ``arm``/``fetch`` raise ``InstrumentError`` and streaming capture needs a counter.
"""

from __future__ import annotations

import math

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
from drivers.scpi import ScpiInstrument, Transport


class InfiniiVisionScope(PpsMeter):
    """An InfiniiVision scope measuring the delay from the reference PPS edge to the node PPS edge."""

    family = "scope_infiniivision"

    def __init__(
        self, address: str, timeout_s: float = 5.0, transport: Transport | None = None, window_s: float = 10e-6
    ) -> None:
        if not (0 < window_s <= 500.0):
            raise InstrumentError(f"{address}: scope window {window_s} s outside (0, 500] s")
        self.address = address
        self.timeout_s = timeout_s
        self.window_s = window_s
        self.scpi = ScpiInstrument(address, timeout_s=timeout_s, transport=transport)
        self.config = PpsMeterConfig()

    def identify(self) -> str:
        return self.scpi.idn()

    def configure(self, config: PpsMeterConfig | None = None) -> None:
        config = config or PpsMeterConfig()
        s = self.scpi
        s.reset()
        impedance = "FIFTy" if config.impedance_ohm == 50 else "ONEMeg"
        for channel in (1, 2):
            s.send(f":CHANnel{channel}:DISPlay ON")
            s.send(f":CHANnel{channel}:IMPedance {impedance}")
        slope = "POSitive" if config.slope == "POS" else "NEGative"
        s.send(":TRIGger:MODE EDGE")
        s.send(":TRIGger:EDGE:SOURce CHANnel1")
        s.send(f":TRIGger:EDGE:SLOPe {slope}")
        s.send(f":TRIGger:EDGE:LEVel {config.ref_level_v:.4f},CHANnel1")
        s.send(f":TIMebase:SCALe {self.window_s / 10:.6E}")
        s.send(":TIMebase:REFerence CENTer")
        edge = "+1" if config.slope == "POS" else "-1"
        s.send(f":MEASure:DEFine DELay,{edge},{edge}")
        self.config = config

    def measure_once(self) -> float | None:
        """One acquisition; the wrapped delay in seconds, or None when the scope cannot measure."""
        s = self.scpi
        s.send(":DIGitize CHANnel1,CHANnel2")
        answer = s.ask(":MEASure:DELay? CHANnel1,CHANnel2")
        try:
            value = float(answer)
        except ValueError:
            raise InstrumentError(f"{self.address}: :MEASure:DELay? answered {answer!r}, not a number") from None
        if is_no_measurement(value) or not math.isfinite(value):
            return None
        return wrap_interval(value)[0]

    def read(self, n: int, timeout_s: float | None = None) -> list[float]:
        if n < 1:
            raise InstrumentError(f"{self.address}: sample count {n} < 1")
        out: list[float] = []
        for i in range(n):
            value = self.measure_once()
            if value is None:
                raise MeasurementTimeout(
                    f"{self.address}: acquisition {i} of {n}: the scope cannot measure the CH1→CH2 delay "
                    f"(answered 9.9E+37: no node edge within the {self.window_s} s window?)"
                )
            out.append(value)
        return out

    @property
    def position(self) -> StreamPosition | None:
        return None

    def arm(self, first_second: int | None = None) -> int | None:
        raise UnattributableStream(
            f"{self.address}: an InfiniiVision scope cannot attribute its acquisitions to PPS seconds; "
            "streaming capture needs a time-interval counter (family 53230a)"
        )

    def fetch(self, max_readings: int = 10000) -> list[PpsSample]:
        raise InstrumentError(f"{self.address}: streaming fetch is not available on a scope (see arm)")

    def resume(self, position: StreamPosition) -> bool:
        return False

