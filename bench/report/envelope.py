"""Min/max envelope downsampling of a TE series for plotting.

Why: a 10⁶-sample run cannot be drawn point by point in a PDF (size, time), and plain decimation
drops exactly the single-sample spikes a timing engineer looks for. Each of ``bins`` equal slices of
the time axis keeps its minimum, maximum and mean, so every spike survives; a slice with no sample
stays empty (NaN), so capture gaps show as gaps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Envelope:
    """Per-bin time (centre, ns), minimum, maximum and mean of TE (ns); NaN where a bin is empty."""

    t_ns: np.ndarray
    lo_ns: np.ndarray
    hi_ns: np.ndarray
    mean_ns: np.ndarray
    raw: bool

    @property
    def size(self) -> int:
        return int(self.t_ns.size)


def envelope(t_ns: np.ndarray, te_ns: np.ndarray, bins: int = 2000) -> Envelope:
    """The envelope of ``te_ns`` over sorted times ``t_ns``; short series are returned raw."""
    t = np.asarray(t_ns, dtype=np.int64)
    te = np.asarray(te_ns, dtype=np.float64)
    if t.shape != te.shape or t.ndim != 1:
        raise ValueError(f"times {t.shape} and TE {te.shape} must be 1-D and of equal length")
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    if t.size <= 2 * bins or t[-1] == t[0]:
        tf = t.astype(np.float64)
        return Envelope(tf, te.copy(), te.copy(), te.copy(), raw=True)
    edges = np.linspace(float(t[0]), float(t[-1]), bins + 1)
    idx = np.searchsorted(t, edges[1:-1], side="left")
    starts = np.concatenate(([0], idx))
    stops = np.concatenate((idx, [t.size]))
    filled = stops > starts
    lo = np.full(bins, np.nan)
    hi = np.full(bins, np.nan)
    mean = np.full(bins, np.nan)
    s = starts[filled]
    lo[filled] = np.minimum.reduceat(te, s)
    hi[filled] = np.maximum.reduceat(te, s)
    sums = np.add.reduceat(te, s)
    mean[filled] = sums / (stops[filled] - starts[filled])
    centres = 0.5 * (edges[:-1] + edges[1:])
    return Envelope(centres, lo, hi, mean, raw=False)
