"""Timing analysis: TE statistics, fast MTIE/TDEV/ADEV, ITU-T masks and the KPI engine.

Why a package: the bench's verdicts are functions of stored data; everything that turns TE samples
into numbers a standard judges lives here, pure computation with no lab dependency. The KPI engine is
``bench.analysis.kpi`` and the masks ``bench.analysis.masks`` (imported on use).
"""

from bench.analysis.allan import adev, mdev, oadev, tdev
from bench.analysis.mtie import mtie
from bench.analysis.stats import dte_high, dte_low, lowpass, te_stats

__all__ = ["adev", "dte_high", "dte_low", "lowpass", "mdev", "mtie", "oadev", "tdev", "te_stats"]
