"""The report's typed error.

Why: ``bench report DIR`` on something that is not a run directory, or a run file that cannot be read,
must print one line naming the file and the reason (exit code 2), never a traceback.
"""

from __future__ import annotations

from bench.errors import InputError


class ReportError(InputError):
    """A run directory (or one of its files) cannot be turned into a report."""
