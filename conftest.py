"""Repository-level pytest setup. The bench's fixtures come from the plugin in ``fixtures/``."""

from __future__ import annotations

import os

from hypothesis import settings

from bench.nmea.profiles import register_profiles

# Hypothesis profiles (owned by the fuzzing work, bench/nmea/profiles.py): "ci" is bounded and seeded
# (the default), "nightly" runs >= 100 000 examples per property with the database in reports/.hypothesis.
register_profiles()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
