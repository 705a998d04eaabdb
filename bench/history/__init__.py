"""Run history: every run's summary and KPI values in one database, with regressions flagged.

Why: a single run says pass or fail; only the history says "max|TE| has doubled since Tuesday".
SQLite under ``reports/`` by default, any SQLAlchemy URL (PostgreSQL for a team) otherwise.
"""

from bench.history.errors import HistoryError
from bench.history.regress import Regression
from bench.history.store import (
    ENV_URL,
    TrendPoint,
    default_url,
    record_run,
    resolve_url,
    run_regressions,
    safe_url,
    trend,
)

__all__ = [
    "ENV_URL", "HistoryError", "Regression", "TrendPoint", "default_url", "record_run", "resolve_url",
    "run_regressions", "safe_url", "trend",
]
