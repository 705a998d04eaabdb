"""MTIE (maximum time interval error) at any set of τ: exact, O(N) per τ or better, vectorised.

Why: the naive estimator (max − min of every window of n+1 samples) costs O(N·n) per τ, hours for a
day of data at large τ. Two exact methods share the work, both pure selections of samples plus one
subtraction, so the result equals the brute-force value bit for bit:

- τ below ``2·PRUNE_BLOCK`` samples: a sparse table built by doubling (level k = max/min over every
  run of 2^k samples; a window of length L is two overlapping runs of the largest 2^k ≤ L), computed
  block by block on cache-sized pieces, so all these τ cost a few passes over data kept in L2.
- longer τ: blocks of ``PRUNE_BLOCK`` samples are summarised by their max/min. For windows starting in
  block h, the blocks fully inside every such window give a lower bound and the blocks touched give an
  upper bound of their range; blocks whose upper bound cannot beat the best value already proven
  (including MTIE at the previous, shorter τ — MTIE is non-decreasing) are skipped, the others are
  evaluated exactly with in-block prefix/suffix extremes. Typically only a few blocks survive.

G.810: MTIE(nτ0) = max over k of (max − min of x_k … x_{k+n}) — the window holds n+1 samples.
"""

from __future__ import annotations

import numpy as np

from bench.analysis.series import as_series, check_tau0
from bench.analysis.taus import TauSpec, tau_multipliers

#: window starts per piece in the sparse-table pass (a few such float64 arrays fit a core's L2)
BLOCK = 1 << 15
#: block length of the pruned evaluation of long windows
PRUNE_BLOCK = 512
#: candidate blocks evaluated per vectorised batch
BATCH = 256


def mtie(x: np.ndarray, tau0_s: float, taus: TauSpec = "octave") -> tuple[np.ndarray, np.ndarray]:
    """MTIE of phase/TE samples ``x`` (any unit) every ``tau0_s``; returns ``(taus_s, mtie)`` in x's unit.

    ``taus``: ``"octave"``, ``"decade"``, ``"all"`` or a list of τ in seconds (multiples of τ0,
    at most (N−1)·τ0).
    """
    arr = as_series(x, "MTIE input", min_len=2)
    tau0 = check_tau0(tau0_s)
    ns = tau_multipliers(taus, tau0, arr.size - 1)
    return ns.astype(np.float64) * tau0, mtie_windows(arr, ns)


def mtie_windows(x: np.ndarray, ns: np.ndarray) -> np.ndarray:
    """MTIE for each n in ``ns`` (window of n+1 samples, n ≤ N−1) of a validated float64 array."""
    ns = np.asarray(ns, dtype=np.int64)
    if ns.size and (ns.min() < 1 or ns.max() > x.size - 1):
        raise ValueError(f"window multipliers must lie in 1…{x.size - 1}")
    out = np.empty(ns.size, dtype=np.float64)
    order = np.argsort(ns, kind="stable")
    lengths = ns[order] + 1
    small = lengths <= 2 * PRUNE_BLOCK
    values = np.empty(lengths.size)
    values[small] = _short_windows(x, lengths[small])
    prev = float(values[small][-1]) if small.any() else -np.inf
    if (~small).any():
        values[~small] = _long_windows(x, lengths[~small], prev)
    out[order] = values
    return out


def _short_windows(x: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Exact MTIE for ascending window lengths ≤ 2·PRUNE_BLOCK: sparse table per cache-sized piece."""
    best = np.full(lengths.size, -np.inf)
    if lengths.size == 0:
        return best
    n_total = x.size
    reach = int(lengths[-1]) - 1
    lmax, lmin = np.empty(BLOCK + reach), np.empty(BLOCK + reach)
    hi_buf, lo_buf = np.empty(BLOCK), np.empty(BLOCK)
    for a in range(0, n_total - int(lengths[0]) + 1, BLOCK):
        size = min(n_total - a, BLOCK + reach)
        lmax[:size] = x[a:a + size]
        lmin[:size] = lmax[:size]
        span = 1
        for k, length in enumerate(lengths.tolist()):
            cnt = min(BLOCK, n_total - length + 1 - a)
            if cnt <= 0:
                break
            while 2 * span <= length:  # raise the piece's level in place: i reads i and i+span
                m = size - 2 * span + 1
                np.maximum(lmax[:m], lmax[span:span + m], out=lmax[:m])
                np.minimum(lmin[:m], lmin[span:span + m], out=lmin[:m])
                span *= 2
            off = length - span  # window [i, i+length) = run [i, i+span) ∪ run [i+off, i+off+span)
            hi = np.maximum(lmax[:cnt], lmax[off:off + cnt], out=hi_buf[:cnt])
            lo = np.minimum(lmin[:cnt], lmin[off:off + cnt], out=lo_buf[:cnt])
            value = float(np.subtract(hi, lo, out=hi).max())
            if value > best[k]:
                best[k] = value
    return best


def _sliding(a: np.ndarray, width: int, op: np.ufunc) -> np.ndarray:
    """op (maximum/minimum) over every run of ``width`` elements of a small array (doubling)."""
    cur, span = a.copy(), 1
    while 2 * span <= width:
        cur = op(cur[:-span], cur[span:])
        span *= 2
    off = width - span
    return op(cur[:cur.size - off], cur[off:]) if off else cur


def _long_windows(x: np.ndarray, lengths: np.ndarray, prev: float) -> np.ndarray:
    """Exact MTIE for ascending window lengths > 2·PRUNE_BLOCK, skipping blocks that cannot matter."""
    b = PRUNE_BLOCK
    n_total = x.size
    nb = -(-n_total // b)
    padded = np.empty(nb * b)
    padded[:n_total] = x
    padded[n_total:] = x[-1]  # a real value: block extremes and in-block prefixes stay those of the data
    blocks = padded.reshape(nb, b)
    bmax, bmin = blocks.max(axis=1), blocks.min(axis=1)
    out = np.empty(lengths.size)
    for k, length in enumerate(lengths.tolist()):
        q, c = divmod(length - 1, b)  # windows from block h end in block h+q or h+q+1; q ≥ 2
        h_last = (n_total - length) // b  # last block holding a valid window start
        h = np.arange(h_last + 1)
        ext = h_last + q + 2
        bmax_x = np.concatenate([bmax, np.full(max(0, ext - nb), -np.inf)])
        bmin_x = np.concatenate([bmin, np.full(max(0, ext - nb), np.inf)])
        upper = _sliding(bmax_x, q + 2, np.maximum)[h] - _sliding(bmin_x, q + 2, np.minimum)[h]
        mid_max = _sliding(bmax_x[1:], q - 1, np.maximum)[h]  # blocks h+1 … h+q−1: inside every window
        mid_min = _sliding(bmin_x[1:], q - 1, np.minimum)[h]
        best = max(prev, float(np.max(mid_max - mid_min)))
        cand = h[upper > best]
        cand = cand[np.argsort(-upper[cand], kind="stable")]
        while cand.size:
            batch, cand = cand[:BATCH], cand[BATCH:]
            best = max(best, _exact_blocks(blocks, bmax_x, bmin_x, mid_max, mid_min, batch, q, c, length,
                                           n_total))
            cand = cand[upper[cand] > best]
        out[k] = best
        prev = best
    return out


def _exact_blocks(blocks: np.ndarray, bmax: np.ndarray, bmin: np.ndarray, mid_max: np.ndarray,
                  mid_min: np.ndarray, hs: np.ndarray, q: int, c: int, length: int, n_total: int) -> float:
    """Exact largest window range over windows of ``length`` starting in blocks ``hs``."""
    b = blocks.shape[1]
    nb = blocks.shape[0]
    head = blocks[hs]
    suf_max = np.maximum.accumulate(head[:, ::-1], axis=1)[:, ::-1]
    suf_min = np.minimum.accumulate(head[:, ::-1], axis=1)[:, ::-1]
    tail1 = blocks[np.minimum(hs + q, nb - 1)]
    tail2 = blocks[np.minimum(hs + q + 1, nb - 1)]
    pre1_max, pre1_min = np.maximum.accumulate(tail1, axis=1), np.minimum.accumulate(tail1, axis=1)
    pre2_max, pre2_min = np.maximum.accumulate(tail2, axis=1), np.minimum.accumulate(tail2, axis=1)
    m1max, m1min = mid_max[hs][:, None], mid_min[hs][:, None]  # blocks h+1 … h+q−1
    m2max = np.maximum(m1max, bmax[hs + q][:, None])  # … and block h+q when the window ends in h+q+1
    m2min = np.minimum(m1min, bmin[hs + q][:, None])
    wmax = np.empty_like(head)
    wmin = np.empty_like(head)
    s = b - c  # starts r < s end in block h+q (at r+c), the rest in block h+q+1 (at r+c−b)
    wmax[:, :s] = np.maximum(np.maximum(suf_max[:, :s], pre1_max[:, c:]), m1max)
    wmin[:, :s] = np.minimum(np.minimum(suf_min[:, :s], pre1_min[:, c:]), m1min)
    if c:
        wmax[:, s:] = np.maximum(np.maximum(suf_max[:, s:], pre2_max[:, :c]), m2max)
        wmin[:, s:] = np.minimum(np.minimum(suf_min[:, s:], pre2_min[:, :c]), m2min)
    ranges = wmax - wmin
    starts = hs[:, None] * b + np.arange(b)[None, :]
    ranges[starts > n_total - length] = -np.inf
    return float(ranges.max())
