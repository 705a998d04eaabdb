"""Streaming NMEA 0183 decoder that turns receiver bytes into UTC time fixes, and counts every reject.

Why this exists: a node takes the name of each PPS second from NMEA, and a receiver (or a fault, or a
fuzzer) can send anything on the serial line. pynmea2 enforces the checksum but silently keeps fields
it cannot convert, accepts lowercase sentences and stray whitespace, and raises on junk. This module
frames the byte stream itself, lets pynmea2 check the checksum and split the fields, then validates every
field it uses; whatever it refuses is a typed ``NmeaReject`` counted by reason, and the stream continues.

Rules (the fuzzing strategies in ``bench.nmea.strategies`` follow the same ones):

- A sentence is ``$`` + address (2-letter talker, 3-letter type, uppercase) + ``,fields`` + ``*HH`` +
  CR LF. The checksum must be two **uppercase** hex digits (NMEA 0183 says so); lowercase hex is
  rejected as ``checksum_format``. ``require_crlf=False`` also takes LF-only lines (log files on disk).
- Sentences longer than ``max_line_bytes`` (counting ``$`` and CR LF) are rejected as ``too_long``; the
  standard limit is 82, real receivers send up to ~120, so the default is 255.
- A ``$`` always starts a new sentence: whatever was before it is rejected (``framing``). A CR without LF,
  a NUL or other control byte, a byte above 0x7E: the sentence is rejected, the stream goes on.
- Time ``hhmmss[.f…]`` (up to 9 fraction digits): hour 0–23, minute 0–59, second 0–59, and 60 only at
  23:59:60 (a leap second). RMC date ``ddmmyy`` pivots like pynmea2 (69→1969, 68→2068); ZDA has a
  4-digit year. GGA and GNS carry no date: they take the date of the last RMC/ZDA (or ``default_date``,
  meant as the date of the first sentence), rolled to the next day when the time of day wraps past
  midnight.
- Validity: RMC status ``A`` (and mode not ``N``), GGA quality > 0, GNS any mode character other than
  ``N``, ZDA always. A sentence with an empty time field (a receiver that has no time yet) is accepted
  with ``label=None``; so are GSA and GSV, which carry no time.

Reject reasons: ``too_long``, ``framing``, ``non_ascii``, ``control_char``, ``missing_checksum``,
``checksum_format``, ``checksum``, ``unknown_type``, ``field_count``, ``field_value``, ``range``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pynmea2

from bench.errors import InputError

__all__ = [
    "DEFAULT_MAX_LINE_BYTES", "REJECT_REASONS", "TIME_TYPES", "NmeaDecoder", "NmeaReject", "TimeFix",
    "UtcLabel", "decode_line", "nmea_checksum", "pivot_two_digit_year",
]

DEFAULT_MAX_LINE_BYTES = 255
TIME_TYPES = frozenset({"RMC", "ZDA", "GGA", "GNS"})
REJECT_REASONS = (
    "too_long", "framing", "non_ascii", "control_char", "missing_checksum", "checksum_format", "checksum",
    "unknown_type", "field_count", "field_value", "range",
)
NS_PER_S = 1_000_000_000
HALF_DAY_S = 43_200

_ADDRESS_RE = re.compile(r"[A-Z]{5}")
_HEX2_RE = re.compile(r"[0-9A-Fa-f]{2}")
_TIME_RE = re.compile(r"(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?")
_DATE6_RE = re.compile(r"(\d{2})(\d{2})(\d{2})")
_INT_RE = re.compile(r"\d+")
_FLOAT_RE = re.compile(r"-?\d+(?:\.\d*)?|-?\.\d+")
_LAT_RE = re.compile(r"(\d{2})(\d{2}(?:\.\d+)?)")
_LON_RE = re.compile(r"(\d{3})(\d{2}(?:\.\d+)?)")
_BAD_BYTES_RE = re.compile(rb"[^\x20-\x7e]")


class NmeaReject(InputError):
    """One sentence (or run of bytes) refused by the decoder: ``reason`` is a counter key."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"NMEA reject ({reason}): {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class UtcLabel:
    """A UTC time label as the receiver gave it; ``second`` may be 60 (leap second).

    ``fraction_digits`` is how many fraction digits the receiver sent (for printing it back the same
    way); it takes no part in equality.
    """

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    nanosecond: int
    fraction_digits: int = field(default=0, compare=False)

    def isoformat(self) -> str:
        """ISO 8601 UTC with the receiver's fraction, e.g. ``2016-12-31T23:59:60.50Z``."""
        frac = ""
        if self.fraction_digits:
            frac = "." + f"{self.nanosecond:09d}"[: self.fraction_digits]
        return (f"{self.year:04d}-{self.month:02d}-{self.day:02d}T{self.hour:02d}:{self.minute:02d}:"
                f"{self.second:02d}{frac}Z")

    def date(self) -> dt.date:
        return dt.date(self.year, self.month, self.day)

    def time_of_day_ns(self) -> int:
        """Nanoseconds since midnight of ``date()`` (a leap second counts as 86 400 s and beyond)."""
        return ((self.hour * 60 + self.minute) * 60 + self.second) * NS_PER_S + self.nanosecond


@dataclass(frozen=True)
class TimeFix:
    """What one accepted sentence says about time. ``label`` is None when it names no second."""

    label: UtcLabel | None
    valid: bool
    talker: str
    sentence_type: str


@dataclass(frozen=True)
class _TimeOfDay:
    hour: int
    minute: int
    second: int
    nanosecond: int
    fraction_digits: int

    @property
    def seconds_of_day(self) -> int:
        return (self.hour * 60 + self.minute) * 60 + self.second


def nmea_checksum(body: str) -> str:
    """The two uppercase hex digits of the XOR of ``body`` (the text between ``$`` and ``*``)."""
    value = 0
    for char in body.encode("ascii"):
        value ^= char
    return f"{value:02X}"


def pivot_two_digit_year(yy: int) -> int:
    """pynmea2's pivot for ``ddmmyy``: 69–99 → 19yy, 00–68 → 20yy."""
    return 1900 + yy if yy >= 69 else 2000 + yy


def _parse_time(text: str, where: str) -> _TimeOfDay | None:
    if text == "":
        return None
    match = _TIME_RE.fullmatch(text)
    if match is None:
        raise NmeaReject("field_value", f"{where}: time {text!r} is not hhmmss[.fraction]")
    hour, minute, second = int(match[1]), int(match[2]), int(match[3])
    frac = match[4] or ""
    if hour > 23 or minute > 59 or second > 60:
        raise NmeaReject("range", f"{where}: time {text!r} out of range (hour 0-23, minute 0-59, second 0-60)")
    if second == 60 and (hour, minute) != (23, 59):
        raise NmeaReject("range", f"{where}: second 60 outside 23:59 (leap seconds are 23:59:60) in {text!r}")
    nanosecond = int(frac.ljust(9, "0")) if frac else 0
    return _TimeOfDay(hour, minute, second, nanosecond, len(frac))


def _make_date(year: int, month: int, day: int, where: str) -> dt.date:
    if not 1 <= month <= 12:
        raise NmeaReject("range", f"{where}: month {month} out of range 1-12")
    if not 1 <= year <= 9999:
        raise NmeaReject("range", f"{where}: year {year} out of range 1-9999")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise NmeaReject("range", f"{where}: day {day} out of range 1-{last} for {year:04d}-{month:02d}")
    return dt.date(year, month, day)


def _check_float(text: str, name: str, where: str, lo: float | None = None, hi: float | None = None) -> None:
    if text == "":
        return
    if _FLOAT_RE.fullmatch(text) is None:
        raise NmeaReject("field_value", f"{where}: {name} {text!r} is not a number")
    value = float(text)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise NmeaReject("range", f"{where}: {name} {text!r} out of range {lo}-{hi}")


def _check_int(text: str, name: str, where: str, lo: int, hi: int, required: bool = False) -> int | None:
    if text == "":
        if required:
            raise NmeaReject("field_value", f"{where}: {name} is empty")
        return None
    if _INT_RE.fullmatch(text) is None:
        raise NmeaReject("field_value", f"{where}: {name} {text!r} is not an integer")
    value = int(text)
    if not lo <= value <= hi:
        raise NmeaReject("range", f"{where}: {name} {value} out of range {lo}-{hi}")
    return value


def _check_choice(text: str, name: str, where: str, allowed: str, required: bool = False) -> None:
    if text == "" and not required:
        return
    if len(text) != 1 or text not in allowed:
        raise NmeaReject("field_value", f"{where}: {name} {text!r} is not one of {','.join(allowed)}")


def _check_position(lat: str, ns: str, lon: str, ew: str, where: str) -> None:
    for value, hemi, regex, max_deg, hemis, name in (
        (lat, ns, _LAT_RE, 90, "NS", "latitude"), (lon, ew, _LON_RE, 180, "EW", "longitude"),
    ):
        if value == "" and hemi == "":
            continue
        match = regex.fullmatch(value)
        if match is None:
            raise NmeaReject("field_value", f"{where}: {name} {value!r} is not d(dd)mm.mmm")
        degrees, minutes = int(match[1]), float(match[2])
        if minutes >= 60.0 or degrees > max_deg or (degrees == max_deg and minutes > 0.0):
            raise NmeaReject("range", f"{where}: {name} {value!r} out of range")
        _check_choice(hemi, f"{name} hemisphere", where, hemis, required=True)


def _check_count(data: list[str], allowed: Callable[[int], bool], expected: str, where: str) -> None:
    if not allowed(len(data)):
        raise NmeaReject("field_count", f"{where}: {len(data)} fields, expected {expected}")


class NmeaDecoder:
    """Streaming decoder: ``feed`` any bytes split anywhere; it returns fixes and counts rejects.

    ``feed`` returns one ``TimeFix`` per accepted sentence (GSA/GSV and time-less sentences with
    ``label=None``) and never raises: every refused sentence is counted in ``rejects`` by reason and
    every accepted one in ``accepted`` by sentence type. ``decode_line`` decodes one sentence and
    raises ``NmeaReject``; it updates the date state but not the counters.
    """

    def __init__(
        self, default_date: dt.date | None = None, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
        *, require_crlf: bool = True,
    ) -> None:
        if max_line_bytes < 12:
            raise InputError(f"NmeaDecoder: max_line_bytes {max_line_bytes} is too small (minimum 12)")
        self.max_line_bytes = max_line_bytes
        self.require_crlf = require_crlf
        self.rejects: Counter[str] = Counter()
        self.accepted: Counter[str] = Counter()
        self.last_reject: NmeaReject | None = None
        self._date: dt.date | None = default_date
        self._last_tod_s: int | None = None
        self._buf = bytearray()
        self._skipping = False
        self._handlers: dict[str, Callable[[list[str], str, str], TimeFix]] = {
            "RMC": self._rmc, "ZDA": self._zda, "GGA": self._gga, "GNS": self._gns,
            "GSA": self._gsa, "GSV": self._gsv,
        }

    # ---- date state ----------------------------------------------------------------------------
    @property
    def current_date(self) -> dt.date | None:
        """The date GGA/GNS sentences are labelled with now (None: no date known yet)."""
        return self._date

    def set_date(self, date: dt.date) -> None:
        """Set the date for sentences that lack one (a log's ``# Date:`` header)."""
        self._date = date
        self._last_tod_s = None

    # ---- streaming -----------------------------------------------------------------------------
    def feed(self, data: bytes) -> list[TimeFix]:
        """Decode whatever complete sentences ``data`` (appended to earlier bytes) finishes."""
        fixes: list[TimeFix] = []
        if not data:
            return fixes
        buf = self._buf
        buf += data
        start = 0
        end = len(buf)
        while start < end:
            if self._skipping:
                # Drop the rest of an oversize sentence or garbage run, up to the next '$' or LF.
                dollar = buf.find(b"$", start)
                lf = buf.find(b"\n", start)
                cuts = [i for i in (dollar, lf) if i >= 0]
                if not cuts:
                    start = end
                    break
                cut = min(cuts)
                start = cut + 1 if cut == lf else cut
                self._skipping = False
                continue
            lf = buf.find(b"\n", start)
            if lf < 0:
                if end - start > self.max_line_bytes:
                    start = self._overflow(buf, start, end, fixes)
                    continue
                break
            self._line(bytes(buf[start:lf + 1]), fixes)
            start = lf + 1
        del buf[:start]
        return fixes

    def flush(self) -> list[TimeFix]:
        """End of input: decode or reject what is still buffered (a sentence without its line end).

        With ``require_crlf=False`` (log files) a last line without LF is decoded; otherwise it is a
        ``framing`` reject. The decoder can be fed again afterwards.
        """
        fixes: list[TimeFix] = []
        rest = bytes(self._buf)
        self._buf.clear()
        skipping, self._skipping = self._skipping, False
        if not rest or skipping:
            return fixes
        if not self.require_crlf and rest.strip(b"\r\n"):
            self._pieces(rest.rstrip(b"\r\n") + b"\n", fixes, terminated=True)
        elif rest.strip(b"\r\n"):
            self._pieces(rest, fixes, terminated=False)
        return fixes

    def _overflow(self, buf: bytearray, start: int, end: int, fixes: list[TimeFix]) -> int:
        """No LF within ``max_line_bytes``: finish what precedes the last '$', skip an oversize rest."""
        last_dollar = buf.rfind(b"$", start, end)
        if last_dollar > start:
            self._pieces(bytes(buf[start:last_dollar]), fixes, terminated=False)
            start = last_dollar
            if end - start <= self.max_line_bytes:
                return start
        if buf[start:start + 1] == b"$":
            self._reject(NmeaReject("too_long", f"sentence longer than {self.max_line_bytes} bytes without CR LF"))
        else:
            self._reject(NmeaReject("framing", f"{end - start} bytes outside any sentence (no '$')"))
        self._skipping = True
        return end

    def _line(self, line: bytes, fixes: list[TimeFix]) -> None:
        if line in (b"\n", b"\r\n"):
            return
        self._pieces(line, fixes, terminated=True)

    def _pieces(self, chunk: bytes, fixes: list[TimeFix], terminated: bool) -> None:
        """Split at '$': text before the first is garbage, every piece but the last was interrupted."""
        parts = chunk.split(b"$")
        if parts[0]:
            garbage = parts[0]
            if not (terminated and len(parts) == 1 and garbage.strip(b"\r\n") == b""):
                self._reject(NmeaReject("framing", f"{len(garbage)} bytes outside any sentence: {garbage[:40]!r}"))
        pieces = parts[1:]
        for i, piece in enumerate(pieces):
            whole = b"$" + piece
            if i < len(pieces) - 1 or not terminated:
                if len(whole) > self.max_line_bytes:
                    self._reject(NmeaReject("too_long", f"{len(whole)} bytes > {self.max_line_bytes}"))
                else:
                    self._reject(NmeaReject("framing", f"sentence cut off (by a new '$' or the end of input) "
                                                       f"before its CR LF: {whole[:40]!r}"))
                continue
            try:
                fix = self._decode_bytes(whole)
            except NmeaReject as exc:
                self._reject(exc)
                continue
            self.accepted[fix.sentence_type] += 1
            fixes.append(fix)

    def _reject(self, exc: NmeaReject) -> None:
        self.rejects[exc.reason] += 1
        self.last_reject = exc

    # ---- one sentence --------------------------------------------------------------------------
    def decode_line(self, line: str) -> TimeFix:
        """Decode one sentence (trailing CR LF optional); raise ``NmeaReject`` if it is refused."""
        if any(ord(c) > 0x7F for c in line):
            raise NmeaReject("non_ascii", f"non-ASCII character in {line[:40]!r}")
        raw = line.encode("ascii")
        if raw.endswith(b"\r\n"):
            raw = raw[:-2]
        elif raw.endswith(b"\n"):
            raw = raw[:-1]
        return self._decode_bytes(raw + b"\r\n")

    def _decode_bytes(self, whole: bytes) -> TimeFix:
        if len(whole) > self.max_line_bytes:
            raise NmeaReject("too_long", f"{len(whole)} bytes > {self.max_line_bytes}")
        if whole.endswith(b"\r\n"):
            body = whole[:-2]
        elif whole.endswith(b"\n") and not self.require_crlf:
            body = whole[:-1]
        elif whole.endswith(b"\n"):
            raise NmeaReject("framing", f"LF without CR after {whole[:40]!r}")
        else:
            raise NmeaReject("framing", f"no CR LF after {whole[:40]!r}")
        bad = _BAD_BYTES_RE.search(body)
        if bad is not None:
            byte = bad.group()
            if byte[0] > 0x7E and byte[0] != 0x7F:
                raise NmeaReject("non_ascii", f"byte 0x{byte[0]:02X} at {bad.start()} in {body[:40]!r}")
            if byte == b"\r":
                raise NmeaReject("framing", f"CR without LF at {bad.start()} in {body[:40]!r}")
            raise NmeaReject("control_char", f"control byte 0x{byte[0]:02X} at {bad.start()} in {body[:40]!r}")
        text = body.decode("ascii")
        if not text.startswith("$"):
            raise NmeaReject("framing", f"sentence does not start with '$': {text[:40]!r}")
        star = text.rfind("*")
        if star < 0:
            raise NmeaReject("missing_checksum", f"no '*HH' checksum in {text[:40]!r}")
        given = text[star + 1:]
        if _HEX2_RE.fullmatch(given) is None:
            raise NmeaReject("checksum_format", f"'*' must be followed by exactly two hex digits, got {given!r}")
        if given != given.upper():
            raise NmeaReject("checksum_format", f"lowercase hex checksum {given!r} (NMEA 0183 requires uppercase)")
        computed = nmea_checksum(text[1:star])
        if given != computed:
            raise NmeaReject("checksum", f"checksum {given} != computed {computed} in {text[:40]!r}")
        address = text[1:6]
        if text[6:7] != "," or _ADDRESS_RE.fullmatch(address) is None:
            if address.startswith("P"):
                raise NmeaReject("unknown_type", f"proprietary sentence {text[:10]!r} not decoded")
            raise NmeaReject("framing", f"address {text[1:7]!r} is not 2+3 uppercase letters and ','")
        talker, stype = address[:2], address[2:]
        handler = self._handlers.get(stype)
        if handler is None:
            raise NmeaReject("unknown_type", f"sentence type {stype} is not decoded (talker {talker})")
        try:  # pynmea2 checks the checksum again and splits the fields; its types are never trusted
            msg = pynmea2.parse(text, check=True)
        except pynmea2.ChecksumError:
            raise NmeaReject("checksum", f"pynmea2 refused the checksum of {text[:40]!r}") from None
        except pynmea2.ParseError:
            raise NmeaReject("framing", f"pynmea2 cannot parse {text[:40]!r}") from None
        except Exception as exc:  # noqa: BLE001 - a library bug on odd input must not escape the decoder
            raise NmeaReject("framing", f"pynmea2 failed on {text[:40]!r}: {type(exc).__name__}") from None
        if not isinstance(msg, pynmea2.TalkerSentence):
            raise NmeaReject("unknown_type", f"{text[:10]!r} is not a talker sentence")
        return handler([str(x) for x in msg.data], talker, f"{talker}{stype}")

    # ---- labels and dates ----------------------------------------------------------------------
    @staticmethod
    def _label(date: dt.date, tod: _TimeOfDay) -> UtcLabel:
        return UtcLabel(date.year, date.month, date.day, tod.hour, tod.minute, tod.second, tod.nanosecond,
                        tod.fraction_digits)

    def _remember(self, date: dt.date, tod: _TimeOfDay) -> None:
        self._date = date
        self._last_tod_s = tod.seconds_of_day

    def _dateless_label(self, tod: _TimeOfDay) -> UtcLabel | None:
        """Label for GGA/GNS: the last known date, advanced when the time of day wraps past midnight."""
        if self._date is None:
            return None
        date = self._date
        now_s = tod.seconds_of_day
        if self._last_tod_s is not None:
            if now_s < self._last_tod_s - HALF_DAY_S:
                date = date + dt.timedelta(days=1)
            elif now_s > self._last_tod_s + HALF_DAY_S:
                return self._label(date - dt.timedelta(days=1), tod)  # a late sentence of the day before
        self._date = date
        self._last_tod_s = now_s
        return self._label(date, tod)

    # ---- sentence types ------------------------------------------------------------------------
    def _rmc(self, data: list[str], talker: str, where: str) -> TimeFix:
        _check_count(data, lambda n: 11 <= n <= 13, "11-13", where)
        tod = _parse_time(data[0], where)
        _check_choice(data[1], "status", where, "AV", required=True)
        _check_position(data[2], data[3], data[4], data[5], where)
        _check_float(data[6], "speed", where, 0.0)
        _check_float(data[7], "course", where, 0.0, 360.0)
        _check_float(data[9], "magnetic variation", where, 0.0, 180.0)
        _check_choice(data[10], "variation direction", where, "EW")
        mode = data[11] if len(data) > 11 else ""
        _check_choice(mode, "mode", where, "ADEFMNPRS")
        if len(data) > 12:
            _check_choice(data[12], "navigational status", where, "SCUV")
        date: dt.date | None = None
        if data[8] != "":
            match = _DATE6_RE.fullmatch(data[8])
            if match is None:
                raise NmeaReject("field_value", f"{where}: date {data[8]!r} is not ddmmyy")
            date = _make_date(pivot_two_digit_year(int(match[3])), int(match[2]), int(match[1]), where)
        valid = data[1] == "A" and mode != "N"
        if tod is None:
            return TimeFix(None, False, talker, "RMC")
        if date is None:
            return TimeFix(self._dateless_label(tod), valid, talker, "RMC")
        self._remember(date, tod)
        return TimeFix(self._label(date, tod), valid, talker, "RMC")

    def _zda(self, data: list[str], talker: str, where: str) -> TimeFix:
        _check_count(data, lambda n: n == 6, "6", where)
        tod = _parse_time(data[0], where)
        zone_hours = data[4][1:] if data[4].startswith("-") else data[4]
        _check_int(zone_hours, "zone hours", where, 0, 13, required=data[4].startswith("-"))
        _check_int(data[5], "zone minutes", where, 0, 59)
        day, month, year = data[1], data[2], data[3]
        if tod is None and day == month == year == "":
            return TimeFix(None, False, talker, "ZDA")
        if tod is None or "" in (day, month, year):
            raise NmeaReject("field_value", f"{where}: time and date must be all given or all empty")
        if len(year) != 4:
            raise NmeaReject("field_value", f"{where}: year {year!r} is not 4 digits")
        d = _check_int(day, "day", where, 0, 99, required=True)
        m = _check_int(month, "month", where, 0, 99, required=True)
        y = _check_int(year, "year", where, 0, 9999, required=True)
        assert d is not None and m is not None and y is not None
        date = _make_date(y, m, d, where)
        self._remember(date, tod)
        return TimeFix(self._label(date, tod), True, talker, "ZDA")

    def _gga(self, data: list[str], talker: str, where: str) -> TimeFix:
        _check_count(data, lambda n: n == 14, "14", where)
        tod = _parse_time(data[0], where)
        _check_position(data[1], data[2], data[3], data[4], where)
        quality = _check_int(data[5], "fix quality", where, 0, 8, required=True)
        _check_int(data[6], "satellites used", where, 0, 99)
        _check_float(data[7], "HDOP", where, 0.0)
        _check_float(data[8], "altitude", where)
        _check_choice(data[9], "altitude unit", where, "M")
        _check_float(data[10], "geoid separation", where)
        _check_choice(data[11], "separation unit", where, "M")
        _check_float(data[12], "DGPS age", where, 0.0)
        _check_int(data[13], "DGPS station", where, 0, 1023)
        valid = bool(quality)
        if tod is None:
            return TimeFix(None, False, talker, "GGA")
        return TimeFix(self._dateless_label(tod), valid, talker, "GGA")

    def _gns(self, data: list[str], talker: str, where: str) -> TimeFix:
        _check_count(data, lambda n: 12 <= n <= 13, "12-13", where)
        tod = _parse_time(data[0], where)
        _check_position(data[1], data[2], data[3], data[4], where)
        mode = data[5]
        if not 1 <= len(mode) <= 8 or any(c not in "NADPRFEMS" for c in mode):
            raise NmeaReject("field_value", f"{where}: mode indicator {mode!r} is not 1-8 of N,A,D,P,R,F,E,M,S")
        _check_int(data[6], "satellites used", where, 0, 99)
        _check_float(data[7], "HDOP", where, 0.0)
        _check_float(data[8], "altitude", where)
        _check_float(data[9], "geoid separation", where)
        _check_float(data[10], "DGPS age", where, 0.0)
        _check_int(data[11], "DGPS station", where, 0, 1023)
        if len(data) > 12:
            _check_choice(data[12], "navigational status", where, "SCUV")
        valid = any(c != "N" for c in mode)
        if tod is None:
            return TimeFix(None, False, talker, "GNS")
        return TimeFix(self._dateless_label(tod), valid, talker, "GNS")

    def _gsa(self, data: list[str], talker: str, where: str) -> TimeFix:
        _check_count(data, lambda n: 17 <= n <= 18, "17-18", where)
        _check_choice(data[0], "selection mode", where, "AM", required=True)
        _check_int(data[1], "fix type", where, 1, 3, required=True)
        for prn in data[2:14]:
            _check_int(prn, "PRN", where, 1, 999)
        for dop, name in zip(data[14:17], ("PDOP", "HDOP", "VDOP"), strict=True):
            _check_float(dop, name, where, 0.0)
        if len(data) > 17:
            _check_int(data[17], "system id", where, 0, 15)
        return TimeFix(None, False, talker, "GSA")

    def _gsv(self, data: list[str], talker: str, where: str) -> TimeFix:
        _check_count(data, lambda n: 3 <= n <= 20 and (n - 3) % 4 in (0, 1), "3 + 4 per satellite (+1)", where)
        total = _check_int(data[0], "message count", where, 1, 9, required=True)
        assert total is not None
        _check_int(data[1], "message number", where, 1, total, required=True)
        _check_int(data[2], "satellites in view", where, 0, 99, required=True)
        groups = (len(data) - 3) // 4
        for g in range(groups):
            prn, elev, azim, snr = data[3 + 4 * g: 7 + 4 * g]
            _check_int(prn, "PRN", where, 1, 999, required=True)
            _check_int(elev, "elevation", where, 0, 90)
            _check_int(azim, "azimuth", where, 0, 359)
            _check_int(snr, "SNR", where, 0, 99)
        if (len(data) - 3) % 4 == 1:
            _check_int(data[-1], "signal id", where, 0, 15, required=True)
        return TimeFix(None, False, talker, "GSV")


def decode_line(line: str, default_date: dt.date | None = None) -> TimeFix:
    """Decode one sentence with a fresh decoder; raise ``NmeaReject`` if it is refused."""
    return NmeaDecoder(default_date=default_date).decode_line(line)
