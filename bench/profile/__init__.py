"""Bench profiles: TOML files validated into typed models (see ``models``)."""

from bench.profile.loader import builtin_profiles, load_profile, resolve_profile_path
from bench.profile.models import KpiSpec, NodeSpec, Profile

__all__ = ["KpiSpec", "NodeSpec", "Profile", "builtin_profiles", "load_profile", "resolve_profile_path"]
