"""Observation-interval (τ) grids: octave, decade, all, or an explicit list in seconds.

Why: MTIE, TDEV and ADEV are curves evaluated at τ = n·τ0. Every caller names the grid the same
way (the CLI's ``--taus``, the KPI engine, the benchmarks), and this module turns that name into the
integer multipliers ``n`` the estimators need, rejecting τ that are not multiples of τ0 or that the
data is too short for.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from bench.analysis.errors import AnalysisInputError

TauSpec = str | Iterable[float] | np.ndarray

GRIDS = ("octave", "decade", "all")


def parse_taus(text: str) -> TauSpec:
    """A CLI ``--taus`` value: a grid name, or a comma-separated list of τ in seconds."""
    t = text.strip().lower()
    if t in GRIDS:
        return t
    try:
        values = [float(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise AnalysisInputError(
            f"--taus {text!r}: expected one of {', '.join(GRIDS)} or a comma-separated list of τ in seconds"
        ) from None
    if not values:
        raise AnalysisInputError(f"--taus {text!r}: empty list of τ")
    return values


def tau_multipliers(taus: TauSpec, tau0_s: float, n_max: int) -> np.ndarray:
    """The sorted unique n (τ = n·τ0) for ``taus``, limited to 1 ≤ n ≤ ``n_max``.

    Grid names are cut at ``n_max``; an explicit τ that is not a whole multiple of τ0, not
    positive, or beyond what the data supports is an error naming it.
    """
    if isinstance(taus, str):
        name = taus.strip().lower()
        if n_max < 1:
            return np.zeros(0, dtype=np.int64)
        if name == "octave":
            k = int(np.floor(np.log2(n_max))) if n_max >= 1 else -1
            return (2 ** np.arange(k + 1, dtype=np.int64)).astype(np.int64)
        if name == "decade":
            # 1, 2, 4, 10, 20, 40, 100, ... — the decade grid Stable32 uses
            out: list[int] = []
            decade = 1
            while decade <= n_max:
                out.extend(m * decade for m in (1, 2, 4) if m * decade <= n_max)
                decade *= 10
            return np.asarray(out, dtype=np.int64)
        if name == "all":
            return np.arange(1, n_max + 1, dtype=np.int64)
        raise AnalysisInputError(f"taus {taus!r}: unknown grid; one of {', '.join(GRIDS)} or a list of τ in seconds")
    try:
        values = np.asarray(list(taus), dtype=np.float64)
    except (TypeError, ValueError):
        raise AnalysisInputError(f"taus {taus!r}: not a list of τ in seconds") from None
    if values.size == 0:
        raise AnalysisInputError("taus: empty list of τ")
    ns: list[int] = []
    for tau in values:
        if not np.isfinite(tau) or tau <= 0:
            raise AnalysisInputError(f"tau {tau!r} s: τ must be a positive number of seconds")
        n = round(tau / tau0_s)
        if n < 1 or abs(n * tau0_s - tau) > 1e-9 * max(tau, tau0_s):
            raise AnalysisInputError(f"tau {tau:g} s: not a whole multiple of the sample interval τ0 = {tau0_s:g} s")
        if n > n_max:
            raise AnalysisInputError(
                f"tau {tau:g} s: too long for this data (at most {n_max * tau0_s:g} s = {n_max}·τ0 here)"
            )
        ns.append(n)
    return np.unique(np.asarray(ns, dtype=np.int64))
