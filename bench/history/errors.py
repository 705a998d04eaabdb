"""The history's typed error.

Why: a history database that cannot be opened, or a run directory that cannot be recorded, must be
one clear line (exit code 2), never a SQLAlchemy traceback — and never show a password of the URL.
"""

from __future__ import annotations

from bench.errors import BenchError


class HistoryError(BenchError):
    """The run history could not be read or written."""
