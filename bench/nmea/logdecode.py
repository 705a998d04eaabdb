"""Decoding a recorded receiver log into one row per second of time fix (``bench nmea decode``).

Why this exists: to see what a receiver (or the emulator, or a fault) told a node, second by second,
with the node's own parser, and how much of the log it refused. Logs follow gpsfake conventions:
``#`` comment lines, ``# Date: yyyy-mm-dd`` supplying the date that GGA/GNS lack (NMEA has no
century), LF or CR LF line ends.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from bench.errors import InputError
from bench.nmea.parser import NmeaDecoder, TimeFix, UtcLabel

_DATE_HEADER_RE = re.compile(rb"#\s*Date:\s*(\S+)\s*$", re.IGNORECASE)
READ_BYTES = 65_536


@dataclass
class SecondRow:
    """Every fix that named one UTC second, in arrival order."""

    label: UtcLabel
    valid: bool = True
    talkers: list[str] = field(default_factory=list)
    sentence_types: list[str] = field(default_factory=list)

    def add(self, fix: TimeFix) -> None:
        self.valid = self.valid and fix.valid
        if fix.talker not in self.talkers:
            self.talkers.append(fix.talker)
        if fix.sentence_type not in self.sentence_types:
            self.sentence_types.append(fix.sentence_type)

    def as_dict(self) -> dict[str, object]:
        return {"utc": self.label.isoformat(), "valid": self.valid, "talker": "+".join(self.talkers),
                "sentences": "+".join(self.sentence_types)}


def _second_key(label: UtcLabel) -> tuple[int, ...]:
    return (label.year, label.month, label.day, label.hour, label.minute, label.second)


def _lines(stream: BinaryIO) -> Iterator[bytes]:
    """Lines of ``stream`` with their LF kept; the last one may lack it. Reads in blocks."""
    pending = b""
    while True:
        block = stream.read(READ_BYTES)
        if not block:
            break
        pending += block
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield line + b"\n"
    if pending:
        yield pending


def parse_date_header(line: bytes, where: str) -> dt.date | None:
    """The date of a ``# Date: yyyy-mm-dd`` line, None for other comments; bad dates are errors."""
    match = _DATE_HEADER_RE.match(line.strip())
    if match is None:
        return None
    text = match[1].decode("ascii", "replace")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{where}: '# Date:' header {text!r} is not yyyy-mm-dd") from None


class LogDecoder:
    """Feeds a log through ``NmeaDecoder`` and groups the fixes by second."""

    def __init__(self, name: str, default_date: dt.date | None = None, max_line_bytes: int = 255) -> None:
        self.name = name
        self.decoder = NmeaDecoder(default_date=default_date, max_line_bytes=max_line_bytes, require_crlf=False)
        self.lines = 0
        self.labelless = 0
        self._row: SecondRow | None = None

    def rows(self, stream: BinaryIO) -> Iterator[SecondRow]:
        """Decode ``stream`` to the end, yielding each second's row as soon as the next one starts."""
        for line in _lines(stream):
            self.lines += 1
            if line.startswith(b"#"):
                date = parse_date_header(line, f"{self.name}:{self.lines}")
                if date is not None:
                    yield from self._flush_decoder()
                    self.decoder.set_date(date)
                continue
            yield from self._take(self.decoder.feed(line))
        yield from self._flush_decoder()
        if self._row is not None:
            yield self._row
            self._row = None

    def _flush_decoder(self) -> Iterator[SecondRow]:
        yield from self._take(self.decoder.flush())

    def _take(self, fixes: Iterable[TimeFix]) -> Iterator[SecondRow]:
        for fix in fixes:
            if fix.label is None:
                self.labelless += 1
                continue
            if self._row is not None and _second_key(self._row.label) != _second_key(fix.label):
                yield self._row
                self._row = None
            if self._row is None:
                self._row = SecondRow(fix.label)
            self._row.add(fix)
