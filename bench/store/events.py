"""The events log: faults, load, lock-state changes, gaps, lifecycle — one JSON object per line.

Written line by line and flushed at once, so it survives a crash; read back as a list of dicts or
a DataFrame. Every event has ``wall_utc`` (ISO 8601), ``kind`` and optionally ``sim_time_ns`` and
``node``; anything else is event-specific.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

EVENTS_FILE = "events.jsonl"


class EventLog:
    """Appends events to ``events.jsonl``; thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def emit(self, kind: str, *, sim_time_ns: int | None = None, node: str | None = None, **data: Any) -> None:
        """Record one event now."""
        record: dict[str, Any] = {"wall_utc": datetime.now(UTC).isoformat(timespec="milliseconds"), "kind": kind}
        if sim_time_ns is not None:
            record["sim_time_ns"] = int(sim_time_ns)
        if node is not None:
            record["node"] = node
        record.update(data)
        line = json.dumps(record, default=str, sort_keys=False) + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line)


def read_events(path: Path | str) -> list[dict[str, Any]]:
    """All events of a run directory (or an events file); a torn last line is skipped."""
    p = Path(path)
    if p.is_dir():
        p = p / EVENTS_FILE
    if not p.is_file():
        return []
    out: list[dict[str, Any]] = []
    for line in p.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out
