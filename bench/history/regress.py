"""Regression rule: a KPI is flagged when it is worse than the median of the last N runs by more than
both a margin and the run-to-run noise.

Why a pure module: the rule is what a user argues with ("why was this flagged?"), so it lives apart
from storage, with every number it used in the flag it returns.

- The compared quantity (the *score*) is the KPI value in its unit; for mask KPIs (MTIE, TDEV, ADEV)
  whose worst point can move between τ it is the fraction of the mask used, value / limit.
- "Worse" follows the KPI's direction: larger for ``max`` KPIs (smaller is better), smaller for ``min``.
- Flagged when ``worse_by > max(margin · |median|, k · σ)`` (strictly), σ the robust run-to-run spread
  of the window (1.4826 · median absolute deviation) and k ``noise_sigmas`` (default 3): a max-type KPI
  such as max |TE| scatters by more than 20 % from night to night without anything having changed,
  and a flag that fires on ordinary noise is soon ignored. With at least ``MIN_RUNS`` earlier runs
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
NOISE_SIGMAS = 3.0
SIGMA_PER_MAD = 1.4826  # σ of a normal distribution per median absolute deviation


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
    noise_sigma: float = 0.0
    noise_sigmas: float = NOISE_SIGMAS

    @property
    def allowed_fraction(self) -> float:
        """The worsening that was tolerated, as a fraction of the median: margin or k σ, the larger."""
        noise = self.noise_sigmas * self.noise_sigma / abs(self.baseline_median) if self.baseline_median else 0.0
        return max(self.margin, noise)

    @property
    def message(self) -> str:
        what = "of the mask used" if self.statistic in CURVE_STATISTICS else self.unit
        return (f"KPI {self.kpi} on {self.node}: {self.score:.4g} {what} is worse than the median "
                f"{self.baseline_median:.4g} of the last {self.runs_compared} runs by "
                f"{100 * self.worse_by_fraction:.1f} % (allowed {100 * self.allowed_fraction:.1f} %: the larger "
                f"of {100 * self.margin:.0f} % and {self.noise_sigmas:g} σ of run-to-run noise, "
                f"σ = {self.noise_sigma:.3g})")

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


def noise_sigma(scores: list[float]) -> float:
    """Robust run-to-run spread of ``scores``: 1.4826 · median absolute deviation (0 for < 2 scores)."""
    if len(scores) < 2:
        return 0.0
    median = statistics.median(scores)
    return SIGMA_PER_MAD * statistics.median(abs(s - median) for s in scores)


def baseline(history: list[float], window: int) -> list[float]:
    """The finite scores of the last ``window`` earlier runs (newest first) that a run is judged against."""
    return [h for h in history if math.isfinite(h)][:window]


def judge(score: float | None, history: list[float], direction: str, margin: float, window: int,
          noise_sigmas: float = NOISE_SIGMAS) -> tuple[bool, float | None]:
    """(regression?, median) for ``score`` against the scores of earlier runs (newest first)."""
    recent = baseline(history, window)
    if score is None or len(recent) < min(MIN_RUNS, window) or not recent:
        return False, (statistics.median(recent) if recent else None)
    median = statistics.median(recent)
    allowed = max(margin * abs(median), noise_sigmas * noise_sigma(recent))
    return worse_by(score, median, direction) > allowed, median
