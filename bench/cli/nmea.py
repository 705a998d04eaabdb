"""``bench nmea decode FILE|-``: a receiver log, second by second, as the node's parser reads it.

Why: to check what a receiver, a recorded log or the emulator's faults say about time before a node
sees them — with exactly the parser the node uses, so a row here is a second the node could name.
Output: CSV (default) or JSON lines, one row per second, then the reject counts by reason. Exit 0
when the log was decoded (rejects are data, not failures), 2 when it could not be read.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import BinaryIO, TextIO

import click

from bench.errors import InputError
from bench.nmea.logdecode import LogDecoder
from bench.nmea.parser import DEFAULT_MAX_LINE_BYTES, REJECT_REASONS

CSV_COLUMNS = ("utc", "valid", "talker", "sentences")


@click.group("nmea")
def command() -> None:
    """NMEA 0183 receiver output: decode logs with the node's parser."""


def _parse_date(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date {text!r} is not yyyy-mm-dd") from None


def _open(file: str) -> tuple[BinaryIO, str]:
    if file == "-":
        return sys.stdin.buffer, "<stdin>"
    path = Path(file)
    if path.is_dir():
        raise InputError(f"{file}: is a directory, expected an NMEA log file")
    try:
        return path.open("rb"), file
    except FileNotFoundError:
        raise InputError(f"{file}: no such file") from None
    except OSError as exc:
        raise InputError(f"{file}: cannot open ({exc.strerror})") from None


def _write_summary(out: TextIO, fmt: str, log: LogDecoder, rows: int) -> None:
    rejects = {reason: log.decoder.rejects[reason] for reason in REJECT_REASONS if log.decoder.rejects[reason]}
    rejects.update({k: v for k, v in log.decoder.rejects.items() if k not in rejects})
    if fmt == "json":
        out.write(json.dumps({"type": "summary", "seconds": rows, "rejects": rejects,
                              "rejected": sum(rejects.values()), "accepted": dict(log.decoder.accepted),
                              "without_time": log.labelless}) + "\n")
        return
    out.write(f"# seconds: {rows}; accepted: {sum(log.decoder.accepted.values())}; "
              f"rejected: {sum(rejects.values())}; without time: {log.labelless}\n")
    out.write("# rejects by reason:" + ("" if rejects else " none") + "\n")
    for reason, count in rejects.items():
        out.write(f"# reject,{reason},{count}\n")


@command.command("decode")
@click.argument("file")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="CSV rows, or JSON lines (one object per second, then a summary object)")
@click.option("--json", "as_json", is_flag=True, help="same as --format json")
@click.option("--date", "date_text", default=None,
              help="date (yyyy-mm-dd) for sentences without one until the log gives one (default: none)")
@click.option("--max-line-bytes", type=click.IntRange(12, 65_536), default=DEFAULT_MAX_LINE_BYTES,
              show_default=True, help="longest sentence accepted (NMEA says 82; receivers send up to ~120)")
def decode(file: str, fmt: str, as_json: bool, date_text: str | None, max_line_bytes: int) -> None:
    """Decode FILE (or - for stdin): one row per second of time fix, then the reject counts."""
    fmt = "json" if as_json else fmt
    stream, name = _open(file)
    log = LogDecoder(name, default_date=_parse_date(date_text), max_line_bytes=max_line_bytes)
    out = sys.stdout
    writer = csv.writer(out, lineterminator="\n")
    if fmt == "csv":
        writer.writerow(CSV_COLUMNS)
    rows = 0
    try:
        for row in log.rows(stream):
            rows += 1
            data = row.as_dict()
            if fmt == "json":
                out.write(json.dumps({"type": "second", **data}) + "\n")
            else:
                writer.writerow([data["utc"], "true" if data["valid"] else "false", data["talker"],
                                 data["sentences"]])
    except OSError as exc:
        raise InputError(f"{name}: read failed ({exc.strerror})") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    _write_summary(out, fmt, log, rows)
    out.flush()
