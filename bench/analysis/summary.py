"""One series, fully analysed: statistics, MTIE/TDEV/ADEV curves and mask verdicts, as plain data.

Why: ``bench analyze`` (and a report) need the same bundle for every series — TE statistics, the
three curves, and every limit of the masks asked for — in a JSON-ready shape. Keeping it out of the
CLI keeps the command thin and lets other code reuse it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.analysis.allan import oadev, tdev
from bench.analysis.masks import Mask, MaskCheck, check_mask, mask_family
from bench.analysis.mtie import mtie
from bench.analysis.stats import dte_high, dte_low, te_stats
from bench.analysis.taus import TauSpec


def _pairs(taus_s: np.ndarray, values: np.ndarray) -> list[list[float]]:
    return [[float(t), float(v)] for t, v in zip(taus_s, values, strict=True)]


def _curves(x_s: np.ndarray, tau0_s: float, taus: TauSpec) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    empty = (np.zeros(0), np.zeros(0))
    return {
        "mtie": mtie(x_s, tau0_s, taus) if x_s.size >= 2 else empty,
        "tdev": tdev(x_s, tau0_s, taus) if x_s.size >= 3 else empty,
        "adev": oadev(x_s, tau0_s, taus) if x_s.size >= 3 else empty,
    }


def analyze_series(x_s: np.ndarray, tau0_s: float, taus: TauSpec = "octave",
                   masks: list[str] | None = None) -> dict[str, Any]:
    """Statistics (ns), curves (``[[tau_s, value]]``; MTIE/TDEV in s, ADEV overlapping, dimensionless)
    and a check per limit of each named mask family; ``passed`` is False if any check failed or had no data."""
    curves = _curves(x_s, tau0_s, taus)
    stats = te_stats(x_s * 1e9)
    checks: list[MaskCheck] = []
    for family in masks or []:
        for mask in mask_family(family):
            checks.append(_check(mask, x_s, tau0_s, curves, stats))
    return {
        "tau0_s": tau0_s,
        "samples": int(x_s.size),
        "duration_s": float(x_s.size * tau0_s),
        "stats": stats,
        "mtie": _pairs(*curves["mtie"]),
        "tdev": _pairs(*curves["tdev"]),
        "adev": _pairs(*curves["adev"]),
        "masks": [c.to_dict() for c in checks],
        "passed": all(c.passed for c in checks),
    }


def _check(mask: Mask, x_s: np.ndarray, tau0_s: float, curves: dict[str, tuple[np.ndarray, np.ndarray]],
           stats: dict[str, float]) -> MaskCheck:
    if mask.kind == "max_abs":
        return check_mask(mask, [np.nan], [stats["max_abs_ns"] * 1e-9])
    if mask.kind == "cte":
        return check_mask(mask, [np.nan], [abs(stats["mean_ns"]) * 1e-9])
    if mask.kind == "dte_h":
        return check_mask(mask, [np.nan], [float(np.ptp(dte_high(x_s, tau0_s)))])
    if x_s.size < 3:
        return check_mask(mask, [], [])
    if mask.series == "dte_l":
        fn = {"mtie": mtie, "tdev": tdev, "adev": oadev}[mask.kind]
        taus_s, values = fn(dte_low(x_s, tau0_s), tau0_s, "octave")
    else:
        taus_s, values = curves[mask.kind]
    return check_mask(mask, taus_s, values)
