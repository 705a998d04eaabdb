"""The run directory: everything a run measures, written as it is taken."""

from bench.store.events import EventLog, read_events
from bench.store.rundir import RunDirectory, create_run_directory
from bench.store.samples import SAMPLE_COLUMNS, SampleWriter, read_samples

__all__ = [
    "SAMPLE_COLUMNS",
    "EventLog",
    "RunDirectory",
    "SampleWriter",
    "create_run_directory",
    "read_events",
    "read_samples",
]
