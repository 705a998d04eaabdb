"""Errors raised by instrument drivers.

Drivers import nothing from the bench core (the import direction is bench -> drivers), so their
errors live here; ``bench.errors`` re-exports them and the CLI maps every ``DriverError`` to exit
code 2 ("the bench could not run"), exactly like a ``BenchError``.
"""

from __future__ import annotations


class DriverError(Exception):
    """A driver could not do what was asked."""

    exit_code: int = 2


class InstrumentError(DriverError):
    """An instrument (real or emulated) is unreachable, answered garbage, or reported an error."""


class MeasurementTimeout(InstrumentError):
    """The instrument reported that a measurement could not complete (e.g. no pulse on a channel)."""
