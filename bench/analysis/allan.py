"""TDEV, MDEV and Allan deviations (overlapping and classic) from phase samples, O(N) per τ.

Why: these are the wander statistics the timing standards mask (TDEV) and the stability figures a
lab compares against Stable32 (ADEV). Each τ is a few vectorised passes without temporaries: second
differences at stride n for ADEV; for TDEV the n-sample sums of second differences come from one
cumulative sum of the detrended phase (the line removed keeps the sum small, so the cancellation
error stays far below the 0.5 % we are held to, even for 10⁷ samples with an offset).

Formulas (G.810 / IEEE 1139, x_i phase every τ0, N samples):
- TDEV(nτ0)² = 1/(6 n² (N−3n+1)) · Σ_j [Σ_{i=j}^{j+n−1} (x_{i+2n} − 2x_{i+n} + x_i)]²,  n ≤ N/3
- overlapping ADEV(mτ0)² = 1/(2 m² τ0² (N−2m)) · Σ_i (x_{i+2m} − 2x_{i+m} + x_i)²
- classic (non-overlapping) ADEV: the same on x decimated by m (what Stable32 calls "Allan")
- MDEV(τ) = √3 · TDEV(τ) / τ
"""

from __future__ import annotations

import numpy as np

from bench.analysis.series import as_series, check_tau0
from bench.analysis.taus import TauSpec, tau_multipliers

#: samples per block in the per-τ loops, so temporaries stay in a core's L2 cache
BLOCK = 1 << 15


def _second_difference(x: np.ndarray, n: int, out: np.ndarray | None = None) -> np.ndarray:
    """x[i+2n] − 2·x[i+n] + x[i] for every i, into ``out`` (no temporaries)."""
    size = x.size - 2 * n
    buf = np.empty(size) if out is None else out[:size]
    np.add(x[2 * n:], x[:size], out=buf)
    mid = x[n:n + size]
    buf -= mid
    buf -= mid
    return buf


def _sum_squares(v: np.ndarray) -> float:
    """Σ v² in this thread (einsum's own loop; a threaded BLAS dot stalls when the cores are shared)."""
    return float(np.einsum("i,i->", v, v))


def _detrended_cumsums(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(C, 3·C): C[0] = 0, C[k] = Σ_{i<k} r_i, r = x minus its least-squares line.

    TDEV only sees second differences, which a line does not change; removing it first keeps C small,
    so the four-term sums of C lose no digits even for a large offset or frequency error. Done in
    cache-sized blocks: three reads of x and one write of each result, no N-sized temporaries.
    """
    size = x.size
    mean = float(np.einsum("i->", x)) / size
    ramp = np.arange(BLOCK, dtype=np.float64)
    centre = (size - 1) / 2.0
    sxy = 0.0  # Σ (i − centre)·x_i
    for a in range(0, size, BLOCK):
        b = min(a + BLOCK, size)
        sxy += float(np.einsum("i,i->", ramp[:b - a], x[a:b])) + (a - centre) * float(np.einsum("i->", x[a:b]))
    sxx = size * (size * size - 1) / 12.0  # Σ (i − centre)²
    slope = sxy / sxx if sxx > 0 else 0.0
    csum = np.empty(size + 1)
    csum3 = np.empty(size + 1)
    csum[0] = csum3[0] = 0.0
    line = slope * ramp
    resid = np.empty(BLOCK)
    carry = 0.0
    for a in range(0, size, BLOCK):
        b = min(a + BLOCK, size)
        r = resid[:b - a]
        np.subtract(x[a:b], line[:b - a], out=r)
        r -= mean + slope * (a - centre)
        out = csum[a + 1:b + 1]
        np.cumsum(r, out=out)
        out += carry
        carry = float(out[-1])
        np.multiply(out, 3.0, out=csum3[a + 1:b + 1])
    return csum, csum3


def tdev(x: np.ndarray, tau0_s: float, taus: TauSpec = "octave") -> tuple[np.ndarray, np.ndarray]:
    """Time deviation of phase ``x`` (any unit); returns ``(taus_s, tdev)`` in x's unit. n ≤ N/3.

    The inner sum of n second differences is C[j+3n] − 3C[j+2n] + 3C[j+n] − C[j] of one cumulative
    sum C, so each τ is four vectorised operations. The loop runs over cache-sized blocks of j on the
    outside and over τ inside, so all short τ reuse the same piece of C while it is in cache.
    """
    arr = as_series(x, "TDEV input", min_len=3)
    tau0 = check_tau0(tau0_s)
    ns = tau_multipliers(taus, tau0, arr.size // 3)
    csum, csum3 = _detrended_cumsums(arr)
    sums, tmp = np.empty(BLOCK), np.empty(BLOCK)
    n_list = ns.tolist()
    counts = [arr.size - 3 * n + 1 for n in n_list]
    totals = [0.0] * len(n_list)
    for a in range(0, max(counts, default=0), BLOCK):
        for k, n in enumerate(n_list):
            b = min(a + BLOCK, counts[k])
            if b <= a:
                continue
            s, t = sums[:b - a], tmp[:b - a]
            np.subtract(csum[a + 3 * n:b + 3 * n], csum[a:b], out=s)
            np.subtract(csum3[a + n:b + n], csum3[a + 2 * n:b + 2 * n], out=t)
            s += t
            totals[k] += _sum_squares(s)
    out = np.array([np.sqrt(t / (6.0 * n * n * c)) for t, n, c in zip(totals, n_list, counts, strict=True)])
    return ns.astype(np.float64) * tau0, out.reshape(-1)


def mdev(x: np.ndarray, tau0_s: float, taus: TauSpec = "octave") -> tuple[np.ndarray, np.ndarray]:
    """Modified Allan deviation (dimensionless for x in seconds): √3·TDEV/τ."""
    taus_s, td = tdev(x, tau0_s, taus)
    return taus_s, np.sqrt(3.0) * td / taus_s


def oadev(x: np.ndarray, tau0_s: float, taus: TauSpec = "octave") -> tuple[np.ndarray, np.ndarray]:
    """Overlapping Allan deviation of phase ``x`` in seconds (result dimensionless). m ≤ (N−1)/2."""
    arr = as_series(x, "ADEV input", min_len=3)
    tau0 = check_tau0(tau0_s)
    ns = tau_multipliers(taus, tau0, (arr.size - 1) // 2)
    out = np.empty(ns.size, dtype=np.float64)
    buf = np.empty(BLOCK)
    for k, m in enumerate(ns.tolist()):
        count = arr.size - 2 * m
        total = 0.0
        for a in range(0, count, BLOCK):
            b = min(a + BLOCK, count)
            d2 = buf[:b - a]
            np.add(arr[a + 2 * m:b + 2 * m], arr[a:b], out=d2)
            mid = arr[a + m:b + m]
            d2 -= mid
            d2 -= mid
            total += _sum_squares(d2)
        out[k] = np.sqrt(total / (2.0 * (m * tau0) ** 2 * count))
    return ns.astype(np.float64) * tau0, out


def adev(x: np.ndarray, tau0_s: float, taus: TauSpec = "octave") -> tuple[np.ndarray, np.ndarray]:
    """Classic non-overlapping Allan deviation (Stable32's "Allan" sigma type). m ≤ (N−1)/2."""
    arr = as_series(x, "ADEV input", min_len=3)
    tau0 = check_tau0(tau0_s)
    ns = tau_multipliers(taus, tau0, (arr.size - 1) // 2)
    out = np.empty(ns.size, dtype=np.float64)
    for k, m in enumerate(ns.tolist()):
        xs = arr[::m]
        d2 = _second_difference(xs, 1)
        out[k] = np.sqrt(_sum_squares(d2) / (2.0 * (m * tau0) ** 2 * d2.size))
    return ns.astype(np.float64) * tau0, out
