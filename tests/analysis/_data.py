"""Shared loaders for the measured reference data in shared/data/timing (beside the checkout) (tests only)."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from bench.paths import TIMING_DATA_DIR

TIMING = TIMING_DATA_DIR
GPS = "gps_1pps_vs_hmaser_phase.txt.gz"
COUNTER = "counter_53230a_noise_floor_phase.txt.gz"
PHASE = "PHASE.DAT"


def _lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt") as fh:
        return [ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]


@cache
def phase(name: str) -> np.ndarray:
    path = TIMING / name
    if not path.is_file():
        pytest.skip(f"reference data {path} not present")
    return np.array([float(ln) for ln in _lines(path)])


@cache
def stable32(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(tau_s, sigma) from a Stable32 output file (column 'Sigma' / 'Time Sigma')."""
    path = TIMING / name
    if not path.is_file():
        pytest.skip(f"reference data {path} not present")
    rows = [ln.split() for ln in _lines(path)]
    return np.array([float(r[1]) for r in rows]), np.array([float(r[5]) for r in rows])
