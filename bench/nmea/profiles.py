"""Hypothesis settings profiles of the project: ``ci`` (bounded, seeded) and ``nightly`` (long, remembered).

Why this exists: the repository's conftest.py (pytest) and the ``bench fuzz`` campaign must fuzz with
the same settings, and the nightly example database must live in one agreed place
(``reports/.hypothesis``) so that what one night finds is retried first the next night.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

REPO_ROOT = Path(__file__).resolve().parents[2]
NIGHTLY_DATABASE = REPO_ROOT / "reports" / ".hypothesis"
CI_EXAMPLES = 200
NIGHTLY_EXAMPLES = 100_000
PROFILES = ("ci", "dev", "nightly")


def register_profiles(nightly_database: Path = NIGHTLY_DATABASE) -> None:
    """Register ``ci``, ``dev`` and ``nightly`` with hypothesis (idempotent)."""
    settings.register_profile(
        "ci", max_examples=CI_EXAMPLES, derandomize=True, database=None, deadline=None,
        print_blob=True, suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile("dev", max_examples=100, deadline=None)
    settings.register_profile(
        "nightly", max_examples=NIGHTLY_EXAMPLES, derandomize=False, deadline=None, print_blob=True,
        database=DirectoryBasedExampleDatabase(str(nightly_database)),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
