"""Units of KPI values and limits: which quantity a unit measures and how to convert between them.

Why: a profile may state a threshold in µs for a statistic the engine computes in ns, or an ADEV
limit in ppb. Every conversion goes through one table so that a mismatch (a time limit for a
fractional quantity) or a typo in a unit is a clear error, never a silently wrong verdict.
"""

from __future__ import annotations

from bench.analysis.errors import UnitError

#: unit -> (dimension, factor to the dimension's base unit: s for time, 1 for ratio and count)
UNITS: dict[str, tuple[str, float]] = {
    "ps": ("time", 1e-12),
    "ns": ("time", 1e-9),
    "us": ("time", 1e-6),
    "µs": ("time", 1e-6),  # micro sign U+00B5
    "μs": ("time", 1e-6),  # Greek mu U+03BC
    "ms": ("time", 1e-3),
    "s": ("time", 1.0),
    "ratio": ("ratio", 1.0),
    "ppb": ("ratio", 1e-9),
    "ppm": ("ratio", 1e-6),
    "%": ("ratio", 1e-2),
    "count": ("count", 1.0),
}


def dimension(unit: str) -> str:
    """The quantity a unit measures (``time``, ``ratio``, ``count``); UnitError if unknown."""
    return _lookup(unit)[0]


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """``value`` in ``from_unit`` expressed in ``to_unit``; UnitError if unknown or of different kinds."""
    dim_from, f_from = _lookup(from_unit)
    dim_to, f_to = _lookup(to_unit)
    if dim_from != dim_to:
        raise UnitError(
            f"cannot convert {from_unit!r} ({dim_from}) to {to_unit!r} ({dim_to}): the units measure different things"
        )
    return float(value) * f_from / f_to


def _lookup(unit: str) -> tuple[str, float]:
    try:
        return UNITS[unit.strip()]
    except (KeyError, AttributeError):
        raise UnitError(f"unknown unit {unit!r}; known units: {', '.join(UNITS)}") from None
