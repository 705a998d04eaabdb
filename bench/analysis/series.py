"""Validation of the series the analysis works on: finite 1-D samples on a fixed time base.

Why: every statistic here assumes samples every τ0 with no holes. A NaN, an empty array or a gap
in the time base would silently distort MTIE/TDEV, so they are caught here, once, with a message
that says where the problem is and what to do about it (resample or split into segments).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bench.analysis.errors import AnalysisInputError, IrregularSamplingError

#: relative tolerance on the sample interval (timestamps from a counter are exact multiples)
INTERVAL_RTOL = 1e-6


def as_series(x: Sequence[float] | np.ndarray, what: str = "series", min_len: int = 1) -> np.ndarray:
    """``x`` as a contiguous float64 1-D array; typed error if empty, too short, not 1-D or not finite."""
    try:
        arr = np.ascontiguousarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise AnalysisInputError(f"{what}: not numeric samples ({exc})") from None
    if arr.ndim != 1:
        raise AnalysisInputError(f"{what}: expected a 1-D series of samples, got shape {arr.shape}")
    if arr.size == 0:
        raise AnalysisInputError(f"{what}: empty series (no samples to analyse)")
    if arr.size < min_len:
        raise AnalysisInputError(f"{what}: {arr.size} sample(s), at least {min_len} needed")
    finite = np.isfinite(arr)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        raise AnalysisInputError(
            f"{what}: {bad.size} non-finite sample(s) (NaN/inf), first at index {int(bad[0])} "
            f"(value {arr[bad[0]]}); drop or interpolate them, or split the series there"
        )
    return arr


def check_tau0(tau0_s: float) -> float:
    """τ0 as a positive finite float, or a typed error."""
    try:
        value = float(tau0_s)
    except (TypeError, ValueError):
        raise AnalysisInputError(f"tau0_s: not a number: {tau0_s!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise AnalysisInputError(f"tau0_s: the sample interval must be a positive number of seconds, got {tau0_s!r}")
    return value


def infer_tau0_s(t_ns: np.ndarray) -> float:
    """The most common positive sample interval of a time base in seconds (the shortest on a tie)."""
    t = np.asarray(t_ns)
    if t.size < 2:
        raise AnalysisInputError("time base: fewer than 2 samples, cannot infer the sample interval τ0; give --tau0")
    d = np.diff(t)
    d = d[d > 0]
    if d.size == 0:
        raise AnalysisInputError("time base: timestamps never increase, cannot infer the sample interval τ0")
    steps, counts = np.unique(d, return_counts=True)
    return float(steps[np.argmax(counts)]) * 1e-9


def check_regular(t_ns: np.ndarray, tau0_s: float | None = None, what: str = "time base") -> float:
    """Check that ``t_ns`` advances by exactly τ0 each sample; returns τ0 in seconds.

    Raises :class:`IrregularSamplingError` naming the first break (index and time), how many
    there are, and the remedy.
    """
    t = np.asarray(t_ns)
    if t.ndim != 1:
        raise AnalysisInputError(f"{what}: expected 1-D timestamps, got shape {t.shape}")
    tau0 = infer_tau0_s(t) if tau0_s is None else check_tau0(tau0_s)
    if t.size < 2:
        return tau0
    step_ns = tau0 * 1e9
    d = np.diff(t.astype(np.float64))
    bad = np.flatnonzero(np.abs(d - step_ns) > INTERVAL_RTOL * step_ns + 1e-9)
    if bad.size:
        i = int(bad[0])
        kind = "gap" if d[i] > step_ns else ("repeated/backwards timestamp" if d[i] <= 0 else "short interval")
        raise IrregularSamplingError(
            f"{what}: irregular sampling — {bad.size} break(s) in the τ0 = {tau0:g} s time base; first a {kind} "
            f"between sample {i} (t = {int(t[i])} ns) and {i + 1} (t = {int(t[i + 1])} ns), step {d[i] * 1e-9:g} s. "
            f"MTIE/TDEV/ADEV need a fixed τ0: resample onto a regular grid or split the series into contiguous "
            f"segments (bench analyze --gaps split analyses the longest one)",
            first_index=i,
            gap_count=int(bad.size),
        )
    return tau0


def contiguous_segments(t_ns: np.ndarray, tau0_s: float) -> list[slice]:
    """Slices of ``t_ns`` that each advance by exactly τ0 (split at every break), longest first."""
    t = np.asarray(t_ns, dtype=np.float64)
    if t.size == 0:
        return []
    step_ns = check_tau0(tau0_s) * 1e9
    d = np.diff(t)
    breaks = np.flatnonzero(np.abs(d - step_ns) > INTERVAL_RTOL * step_ns + 1e-9) + 1
    edges = [0, *breaks.tolist(), int(t.size)]
    segs = [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]
    return sorted(segs, key=lambda s: (-(s.stop - s.start), s.start))
