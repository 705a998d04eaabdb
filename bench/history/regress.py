"""Regression rule: a KPI is flagged when it is worse than the median of the last N runs by a margin.

Why a pure module: the rule is what a user argues with ("why was this flagged?"), so it lives apart
from storage, with every number it used in the flag it returns.

- The compared quantity (the *score*) is the KPI value in its unit; for mask KPIs (MTIE, TDEV, ADEV)
  whose worst point can move between τ it is the fraction of the mask used, value / limit.
- "Worse" follows the KPI's direction: larger for ``max`` KPIs (smaller is better), smaller for ``min``.
- Flagged when ``worse_by > margin · |median|`` (strictly), with at least ``MIN_RUNS`` earlier runs
  (or the whole window if it is smaller) — a median of one or two runs is noise, not a baseline.
  Runs that ended in ERROR or INTERRUPTED are not part of the baseline.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass
from typing import Any

CURVE_STATISTICS = ("mtie", "tdev", "adev")
MIN_RUNS = 3


@dataclass(frozen=True)
class Regression:
    """One KPI of a run that got worse than its history."""

    kpi: str
    node: str
    test: str
    statistic: str
    value: float
    unit: str
    score: float
    baseline_median: float
    worse_by_fraction: float
    runs_compared: int
    direction: str
    margin: float

    @property
    def message(self) -> str:
        what = "of the mask used" if self.statistic in CURVE_STATISTICS else self.unit
        return (f"KPI {self.kpi} on {self.node}: {self.score:.4g} {what} is worse than the median "
                f"{self.baseline_median:.4g} of the last {self.runs_compared} runs by "
                f"{100 * self.worse_by_fraction:.1f} % (allowed {100 * self.margin:.0f} %)")

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["message"] = self.message
        return out


def score_of(row: dict[str, Any]) -> float | None:
    """The compared quantity of a KPI result row, or None when it has no finite value."""
    value = row.get("value")
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return None
    if row.get("statistic") in CURVE_STATISTICS:
        limit = row.get("limit")
        if not isinstance(limit, int | float) or not math.isfinite(limit) or limit == 0:
            return None
        return float(value) / float(limit)
    return float(value)


def worse_by(score: float, baseline: float, direction: str) -> float:
    """How much worse ``score`` is than ``baseline`` (positive = worse), in the score's unit."""
    return score - baseline if direction == "max" else baseline - score


def judge(score: float | None, history: list[float], direction: str, margin: float, window: int) -> (
        tuple[bool, float | None]):
    """(regression?, median) for ``score`` against the scores of earlier runs (newest first)."""
    recent = [h for h in history if math.isfinite(h)][:window]
    if score is None or len(recent) < min(MIN_RUNS, window) or not recent:
        return False, (statistics.median(recent) if recent else None)
    median = statistics.median(recent)
    return worse_by(score, median, direction) > margin * abs(median), median
