"""A node's disciplined clock as seen by the network: local time -> true simulated time.

Why: critical frames leave "at the start of each cycle of the node's clock"; the network only sees
true time. Anything with a ``true_ns(local_ns)`` method (or a plain callable) can drive a sender,
so the node model can be plugged in later; ``LinearClock`` is the simple case of a constant
frequency offset and phase offset (what a servo leaves between two corrections).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

LocalToTrue = Callable[[int], int]


@dataclass(frozen=True)
class LinearClock:
    """``local = true * (1 + freq_offset_ppb·1e-9) + phase_ns`` (positive phase: the clock reads ahead)."""

    freq_offset_ppb: float = 0.0
    phase_ns: float = 0.0

    def true_ns(self, local_ns: int) -> int:
        return round((local_ns - self.phase_ns) / (1.0 + self.freq_offset_ppb * 1e-9))

    def local_ns(self, true_ns: int) -> int:
        return round(true_ns * (1.0 + self.freq_offset_ppb * 1e-9) + self.phase_ns)

    def __call__(self, local_ns: int) -> int:
        return self.true_ns(local_ns)


PERFECT = LinearClock()
