"""Typed errors at the bench's boundaries.

Every error a user can cause (bad profile, bad file, unreachable instrument) is a ``BenchError``;
the CLI turns it into one clear message and exit code 2 instead of a traceback. A failing KPI or
test is not an error: it is a verdict (exit code 1).
"""

from __future__ import annotations

from drivers.errors import DriverError, InstrumentError, MeasurementTimeout

__all__ = [
    "BenchError", "DriverError", "InputError", "InstrumentError", "LabError", "MeasurementTimeout",
    "MissingToolError", "ProfileError",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BENCH_ERROR = 2


class BenchError(Exception):
    """The bench could not do what was asked. The message is shown to the user as is."""

    exit_code: int = EXIT_BENCH_ERROR


class ProfileError(BenchError):
    """A profile file is missing, unreadable, not TOML, or does not validate."""


class LabError(BenchError):
    """A lab resource could not be created, started, checked or stopped."""


class MissingToolError(LabError):
    """A system program the lab needs (socat, podman, ...) is not installed."""


class InputError(BenchError):
    """A data file or command-line argument is malformed."""
