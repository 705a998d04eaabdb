"""Replay of a recorded receiver log, paced by the sentences' own times in simulated time.

Why: real receivers misbehave in ways a model does not invent; replaying their log through the
same serial path lets the node meet them. The log is NMEA text with ``#`` comments and gpsfake
headers (``# Date: yyyy-mm-dd`` supplies the century/date for sentences that lack one). Sentences
are grouped by the second their time field names; group i is played in the step that is as many
seconds after the first group as the log says (gaps in the log become silent steps). Lines are
replayed byte for byte, corrupt ones included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.errors import InputError

_TIME_FIELD = {"RMC": 1, "GGA": 1, "ZDA": 1, "GNS": 1, "GLL": 5, "GBS": 1, "GST": 1}
_DATE_HEADER = re.compile(r"^#\s*Date:\s*(\d{4})-(\d{2})-(\d{2})\s*$", re.IGNORECASE)
_HMS = re.compile(r"^(\d{2})(\d{2})(\d{2})(?:\.\d+)?$")


@dataclass
class ReplaySecond:
    """The sentences (raw lines without line end) the log holds for one second."""

    sentences: list[str]
    fix_valid: bool


@dataclass
class ReplayLog:
    """A parsed log: ``steps[i]`` is what to play i seconds after the first second (None: silent)."""

    path: str
    steps: list[ReplaySecond | None]
    header_date: date | None

    @classmethod
    def load(cls, path: str | Path) -> ReplayLog:
        p = Path(path)
        try:
            text = p.read_bytes().decode("ascii", errors="replace")
        except OSError as exc:
            raise InputError(f"replay log {p}: cannot read: {exc.strerror}") from None
        return cls.parse(text, str(p))

    @classmethod
    def parse(cls, text: str, name: str = "<log>") -> ReplayLog:
        header_date: date | None = None
        groups: list[tuple[int | None, list[str], bool]] = []   # (second index, lines, valid)
        current_lines: list[str] = []
        current_sec: int | None = None
        current_valid = False
        prev_tod: int | None = None
        day_index = 0
        leap_carry = 0
        for lineno, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):
                m = _DATE_HEADER.match(stripped)
                if m:
                    try:
                        header_date = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
                    except ValueError:
                        raise InputError(f"{name}:{lineno}: bad '# Date:' header {stripped!r}") from None
                continue
            tod = _time_of_day(stripped)
            if tod is not None:
                if prev_tod is not None and tod + 43_200 < prev_tod:
                    day_index += 1          # midnight passed
                if prev_tod == 86_400 and tod < 86_400:
                    leap_carry += 1         # the second after 23:59:60: later labels are one behind
                sec = day_index * 86_400 + tod + leap_carry
                if current_sec is None:
                    current_sec = sec
                elif sec != current_sec:
                    groups.append((current_sec, current_lines, current_valid))
                    current_lines, current_valid, current_sec = [], False, sec
                prev_tod = tod
            current_lines.append(stripped)
            current_valid = current_valid or _says_valid(stripped)
        if current_lines:
            groups.append((current_sec, current_lines, current_valid))
        if not groups:
            raise InputError(f"{name}: no NMEA sentences found")
        steps: list[ReplaySecond | None] = []
        first = next((g[0] for g in groups if g[0] is not None), 0)
        last_index = -1
        for sec, lines, valid in groups:
            index = (sec - first) if sec is not None else last_index + 1
            if index <= last_index:
                index = last_index + 1      # times going backwards: play in the next step
            steps.extend([None] * (index - last_index - 1))
            steps.append(ReplaySecond(lines, valid))
            last_index = index
        return cls(path=name, steps=steps, header_date=header_date)

    def at(self, offset: int) -> ReplaySecond | None:
        """What to play ``offset`` steps after the replay started (None: silent or past the end)."""
        if 0 <= offset < len(self.steps):
            return self.steps[offset]
        return None

    @property
    def duration_s(self) -> int:
        return len(self.steps)


def _fields(sentence: str) -> list[str]:
    body = sentence[1:].split("*", 1)[0]
    return body.split(",")


def _time_of_day(sentence: str) -> int | None:
    """Seconds since midnight named by a timed sentence (86400 for 23:59:60), or None."""
    if not sentence.startswith("$"):
        return None
    fields = _fields(sentence)
    kind = fields[0][2:5] if len(fields[0]) >= 5 else ""
    idx = _TIME_FIELD.get(kind)
    if idx is None or len(fields) <= idx:
        return None
    m = _HMS.match(fields[idx])
    if not m:
        return None
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if h > 23 or mi > 59 or s > 60:
        return None
    return h * 3600 + mi * 60 + s


def _says_valid(sentence: str) -> bool:
    if not sentence.startswith("$"):
        return False
    fields = _fields(sentence)
    kind = fields[0][2:5] if len(fields[0]) >= 5 else ""
    if kind == "RMC" and len(fields) > 2:
        return fields[2] == "A"
    if kind == "GGA" and len(fields) > 6:
        return fields[6] not in ("", "0")
    return False
