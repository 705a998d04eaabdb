"""The sample store: an append-only CSV of time-error samples, crash-safe and pandas-readable.

Why CSV: every row is written with one ``write`` of whole lines and flushed to the kernel at least
every ``flush_interval_s`` (also when no new sample arrives), so a SIGKILL loses at most the rows
still buffered in the process (less than a second's worth) and never leaves a half line.
``pandas.read_csv`` reads it back in one call, also while the run goes on. Columns: ``node`` (str),
``sim_time_ns`` (int, simulated time of the reference edge), ``te_ns`` (float, node PPS minus
reference PPS) and ``source`` (which instrument).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING

from bench.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

SAMPLE_COLUMNS = ("node", "sim_time_ns", "te_ns", "source")
SAMPLES_FILE = "samples.csv"


class SampleWriter:
    """Appends samples to ``samples.csv``; thread-safe; flushes at most ``flush_interval_s`` late."""

    def __init__(self, path: Path, flush_interval_s: float = 0.5, fsync: bool = False) -> None:
        self.path = Path(path)
        self.flush_interval_s = flush_interval_s
        self.fsync = fsync
        self._lock = threading.Lock()
        new = not self.path.exists() or self.path.stat().st_size == 0
        self._fh: IO[str] | None = open(self.path, "a", encoding="utf-8", newline="")  # noqa: SIM115
        if new:
            self._fh.write(",".join(SAMPLE_COLUMNS) + "\n")
            self._fh.flush()
        self._pending: list[str] = []
        self._last_flush = time.monotonic()
        self.count = 0
        self._closed = threading.Event()
        self._flusher = threading.Thread(target=self._flush_periodically, name="sample-flush", daemon=True)
        self._flusher.start()

    def _flush_periodically(self) -> None:
        """Rows must reach the kernel within the interval even when no further sample arrives."""
        while not self._closed.wait(self.flush_interval_s):
            with self._lock:
                if self._pending:
                    self._flush_locked()

    def append(self, node: str, sim_time_ns: int, te_ns: float, source: str) -> None:
        """Record one sample."""
        self.extend([(node, sim_time_ns, te_ns, source)])

    def extend(self, rows: Iterable[tuple[str, int, float, str]]) -> None:
        """Record several samples (``(node, sim_time_ns, te_ns, source)``)."""
        lines = [f"{_csv(n)},{int(t)},{float(te)!r},{_csv(s)}\n" for n, t, te, s in rows]
        with self._lock:
            if self._fh is None:
                raise ValueError("sample store is closed")
            self._pending.extend(lines)
            self.count += len(lines)
            if time.monotonic() - self._last_flush >= self.flush_interval_s:
                self._flush_locked()

    def flush(self) -> None:
        """Hand buffered rows to the kernel now (and fsync if asked)."""
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if self._fh is None:
            return
        if self._pending:
            self._fh.write("".join(self._pending))
            self._pending.clear()
        self._fh.flush()
        if self.fsync:
            os.fsync(self._fh.fileno())
        self._last_flush = time.monotonic()

    def close(self) -> None:
        """Flush and close; idempotent."""
        self._closed.set()
        with self._lock:
            self._flush_locked()
            if self._fh is not None:
                self._fh.close()
                self._fh = None

    def __enter__(self) -> SampleWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _csv(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def read_samples(path: Path | str) -> pd.DataFrame:
    """Read a sample store (a run directory or its ``samples.csv``) into a DataFrame."""
    p = Path(path)
    if p.is_dir():
        p = p / SAMPLES_FILE
    if not p.is_file():
        raise InputError(f"{p}: no sample store here")
    import pandas as pd  # here, not at the top: writers (nodes, captures, fuzzing) never pay for pandas

    try:
        df = pd.read_csv(p, dtype={"node": str, "sim_time_ns": "int64", "te_ns": "float64", "source": str})
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"{p}: not a sample store: {exc}") from None
    if tuple(df.columns) != SAMPLE_COLUMNS:
        raise InputError(f"{p}: columns {list(df.columns)}, expected {list(SAMPLE_COLUMNS)}")
    return df
