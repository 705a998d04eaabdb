"""Typed errors of the timing analysis.

Why: analysis is fed by files and profiles a user wrote; each way the input can be wrong (empty, NaN,
gaps in the time base, unknown unit or mask) gets its own ``InputError`` subclass with a message that
names what, where and why, so the CLI prints one line and exits 2 instead of a traceback.
"""

from __future__ import annotations

from bench.errors import InputError


class AnalysisInputError(InputError):
    """A series handed to the analysis is unusable (empty, not 1-D, NaN/inf, too short)."""


class IrregularSamplingError(AnalysisInputError):
    """The time base is not a fixed τ0 (gaps, repeats or jitter); carries where the first break is."""

    def __init__(self, message: str, *, first_index: int, gap_count: int) -> None:
        super().__init__(message)
        self.first_index = first_index
        self.gap_count = gap_count


class UnitError(InputError):
    """A unit is unknown or does not fit the quantity (e.g. a threshold in ppb for a statistic in ns)."""


class MaskError(InputError):
    """A mask name is unknown or a custom mask is malformed."""


class StatisticError(InputError):
    """A KPI names a statistic or series the engine does not know."""
