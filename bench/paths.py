"""Where the bench finds its checkout and the team's shared reference data.

The shared material (``shared/`` beside the checkout, read-only) holds measured PPS phase data with
Stable32 results; tests, benchmarks and the counter's noise model read it. CI clones the repository
into another folder with ``shared/`` beside it, so paths are relative to the checkout, never absolute;
``$HILBENCH_SHARED_DIR`` overrides.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = Path(os.environ.get("HILBENCH_SHARED_DIR", REPO_ROOT.parent / "shared"))
TIMING_DATA_DIR = SHARED_DIR / "data" / "timing"
