"""Recorded PPS phase as a node's PPS: ``edges_ps(k) = [k·10^12 + round(phase_s[k]·10^12)]``.

Why: real receiver noise (the GPS-vs-maser series in shared/data/timing) is the most honest
stimulus for the counter and capture path; replaying it through the emulated counter lets a test check
that what the bench captures equals what was recorded, sample for sample. The file format is the
shared phase-file format: one value in seconds per line, ``#`` comments and blank lines ignored,
gzip-compressed if the name ends in ``.gz``.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

from bench.errors import InputError

PS_PER_S = 10**12
MAX_ABS_PHASE_S = 0.5
"""A phase of ±0.5 s or more cannot be told apart from the neighbouring second's edge."""


def load_phase_file(path: str | Path) -> list[float]:
    """Phase values in seconds, in file order; ``InputError`` naming the file and line for bad data."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: phase file not found")
    try:
        if p.name.endswith(".gz"):
            with gzip.open(p, "rt", encoding="utf-8") as fh:
                text = fh.read()
        else:
            text = p.read_text(encoding="utf-8")
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as exc:
        raise InputError(f"{p}: cannot read phase file: {exc}") from None
    values: list[float] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        field = line.split()[0]
        try:
            value = float(field)
        except ValueError:
            raise InputError(f"{p}:{lineno}: {field[:40]!r} is not a phase value in seconds") from None
        if not math.isfinite(value):
            raise InputError(f"{p}:{lineno}: phase {field!r} is not finite")
        if abs(value) >= MAX_ABS_PHASE_S:
            raise InputError(
                f"{p}:{lineno}: phase {value} s is not within ±{MAX_ABS_PHASE_S} s of the reference edge "
                "(is this file in seconds?)"
            )
        values.append(value)
    if not values:
        raise InputError(f"{p}: phase file holds no values")
    return values


class PhaseReplay:
    """A node's PPS edges replayed from a phase file (second k uses line k of the data)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.phase_s = load_phase_file(self.path)
        self._phase_ps = [round(v * PS_PER_S) for v in self.phase_s]

    def __len__(self) -> int:
        return len(self.phase_s)

    def phase_ps(self, k: int) -> int | None:
        """The integer-ps phase of second ``k``, None outside the file."""
        if 0 <= k < len(self._phase_ps):
            return self._phase_ps[k]
        return None

    def edges_ps(self, k: int) -> list[int]:
        """The node's PPS edge of second ``k`` in absolute ps (empty after the file ends)."""
        phase = self.phase_ps(k)
        return [] if phase is None else [k * PS_PER_S + phase]
