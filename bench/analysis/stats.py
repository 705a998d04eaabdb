"""Scalar time-error statistics and the 0.1 Hz filters of G.8273.2 (dTE_L / dTE_H).

Why: max|TE|, the mean (constant time error, cTE), RMS, percentiles of |TE| and peak-to-peak are
what the profiles' KPIs and the reports quote; G.8273.2 splits dynamic TE into a low-pass part
(dTE_L, judged by MTIE/TDEV) and a high-pass part (dTE_H, judged peak-to-peak) with first-order
0.1 Hz filters. One place computes them so every report and verdict agrees.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from bench.analysis.errors import AnalysisInputError
from bench.analysis.series import as_series, check_tau0

#: G.8273.2 corner frequency of the dTE_L low-pass / dTE_H high-pass filters
DTE_CORNER_HZ = 0.1


def te_stats(te_ns: np.ndarray) -> dict[str, float]:
    """Statistics of a TE series in ns: count, max_abs_ns, mean_ns (cTE), rms_ns, std_ns, min_ns,
    max_ns, pk_pk_ns and the 50/95/99th percentiles of |TE| (p50_abs_ns, p95_abs_ns, p99_abs_ns)."""
    te = as_series(te_ns, "TE series")
    abs_te = np.abs(te)
    p50, p95, p99 = np.percentile(abs_te, [50.0, 95.0, 99.0])
    lo, hi = float(te.min()), float(te.max())
    return {
        "count": float(te.size),
        "max_abs_ns": float(abs_te.max()),
        "mean_ns": float(te.mean()),
        "rms_ns": float(np.sqrt(np.dot(te, te) / te.size)),
        "std_ns": float(te.std()),
        "min_ns": lo,
        "max_ns": hi,
        "pk_pk_ns": hi - lo,
        "p50_abs_ns": float(p50),
        "p95_abs_ns": float(p95),
        "p99_abs_ns": float(p99),
    }


def lowpass(x: np.ndarray, tau0_s: float, corner_hz: float = DTE_CORNER_HZ) -> np.ndarray:
    """First-order low-pass (bilinear Butterworth) at ``corner_hz``, started at rest on x[0]."""
    arr = as_series(x, "filter input")
    tau0 = check_tau0(tau0_s)
    nyquist_hz = 0.5 / tau0
    if not 0 < corner_hz < nyquist_hz:
        raise AnalysisInputError(
            f"low-pass corner {corner_hz:g} Hz must lie below the Nyquist frequency {nyquist_hz:g} Hz of τ0 = "
            f"{tau0:g} s; sample faster than {1 / (2 * corner_hz):g} s for the G.8273.2 0.1 Hz filters"
        )
    b, a = signal.butter(1, corner_hz, btype="low", fs=1.0 / tau0)
    zi = signal.lfilter_zi(b, a) * arr[0]
    y, _ = signal.lfilter(b, a, arr, zi=zi)
    return np.asarray(y, dtype=np.float64)


def dte_low(te_ns: np.ndarray, tau0_s: float) -> np.ndarray:
    """dTE_L: TE through the 0.1 Hz low-pass with its mean (cTE) removed (same unit as ``te_ns``)."""
    y = lowpass(te_ns, tau0_s)
    return y - y.mean()


def dte_high(te_ns: np.ndarray, tau0_s: float) -> np.ndarray:
    """dTE_H: TE through the complementary 0.1 Hz high-pass (TE minus its low-pass)."""
    te = as_series(te_ns, "TE series")
    return te - lowpass(te, tau0_s)
