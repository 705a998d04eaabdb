"""Hypothesis strategies for NMEA 0183 receiver output: valid sentences, receiver streams, and mutations.

Why this exists: the bench's node and any user's NMEA consumer must survive whatever a receiver (or a
broken cable, or an attacker) puts on the serial line. These strategies generate what a real receiver
sends — RMC, GGA, ZDA, GSA, GSV and GNS for every talker of NMEA 0183 (GP, GL, GA, GB, BD, GQ, QZ, GI,
GN), with the edge values that break parsers (midnight and date rollover, the leap second ``23:59:60``,
two-digit-year pivots, GPS week-rollover dates, southern/western hemispheres, empty optional fields) —
and the ways it goes wrong. Each generated item carries what a correct parser must make of it, so a
property can compare exactly.

Usage (any consumer, not only the bench's)::

    from hypothesis import given
    from bench.nmea import strategies as nst

    @given(nst.valid_sentences())
    def test_my_parser(s: nst.Sentence) -> None:
        assert my_parse(s.encode()).time == (s.label.hour, s.label.minute, s.label.second)

The rules match ``bench.nmea.parser``: two uppercase checksum hex digits (lowercase is a mutation),
CR LF line ends, at most ``max_line_bytes`` (default 255) bytes per sentence, second 60 only at 23:59.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, replace

from hypothesis import strategies as st

from bench.nmea.parser import DEFAULT_MAX_LINE_BYTES, UtcLabel, nmea_checksum

__all__ = [
    "ALL_TYPES", "Bits", "EXACT_MUTATIONS", "MUTATION_KINDS", "TALKERS", "WEEK_ROLLOVER_DATES", "Mutation", "Sentence",
    "chunked", "garbage_bytes", "gga_sentences", "gns_sentences", "gsa_sentences", "gsv_sentences",
    "mutate", "mutations", "no_time_sentences", "receiver_streams", "rmc_sentences", "utc_labels", "valid_sentences",
    "zda_sentences", "next_second", "first_label_date", "sentence_from", "splice_framing", "split", "wide_bits",
]

TALKERS = ("GP", "GL", "GA", "GB", "BD", "GQ", "QZ", "GI", "GN")
ALL_TYPES = ("RMC", "GGA", "ZDA", "GSA", "GSV", "GNS")
TIME_TYPES = ("RMC", "GGA", "ZDA", "GNS")
# Field-count rules of the parser (data fields after the address).
FIELD_COUNTS: dict[str, tuple[int, ...]] = {
    "RMC": (11, 12, 13), "GGA": (14,), "ZDA": (6,), "GNS": (12, 13), "GSA": (17, 18),
    "GSV": tuple(n for n in range(3, 21) if (n - 3) % 4 in (0, 1)),
}
# GPS week rollovers (1024 weeks) and the dates a buggy receiver shows 1024 weeks too early.
WEEK_ROLLOVER_DATES = (
    dt.date(1999, 8, 21), dt.date(1999, 8, 22), dt.date(2019, 4, 6), dt.date(2019, 4, 7),
    dt.date(2038, 11, 20), dt.date(2038, 11, 21), dt.date(2019, 4, 7) - dt.timedelta(weeks=1024),
    dt.date(2026, 6, 1) - dt.timedelta(weeks=1024),
)
EDGE_DATES = WEEK_ROLLOVER_DATES + (
    dt.date(1969, 1, 1), dt.date(1999, 12, 31), dt.date(2000, 1, 1), dt.date(2000, 2, 29), dt.date(2016, 12, 31),
    dt.date(2017, 1, 1), dt.date(2015, 6, 30), dt.date(2024, 2, 29), dt.date(2023, 2, 28), dt.date(2068, 12, 30),
)
EDGE_TIMES = ((0, 0, 0), (23, 59, 59), (23, 59, 60), (23, 59, 58), (12, 0, 0), (0, 0, 1))
MIN_DATE = dt.date(1969, 1, 1)   # two-digit RMC years pivot to 1969..2068
MAX_DATE = dt.date(2068, 12, 30)  # streams may run past midnight without leaving the pivot range


@dataclass(frozen=True)
class Sentence:
    """One generated sentence and what a correct parser must make of it.

    ``label`` is the UTC time it names (for GGA/GNS with the date the stream is on; None if it names
    no time) and ``valid`` whether the receiver calls the fix valid.
    """

    talker: str
    sentence_type: str
    fields: tuple[str, ...]
    label: UtcLabel | None
    valid: bool

    @property
    def body(self) -> str:
        return f"{self.talker}{self.sentence_type}," + ",".join(self.fields)

    @property
    def text(self) -> str:
        """``$...*HH`` without the line end."""
        return f"${self.body}*{nmea_checksum(self.body)}"

    def encode(self, end: str = "\r\n") -> bytes:
        return (self.text + end).encode("ascii")

    def with_fields(self, fields: tuple[str, ...]) -> Sentence:
        return replace(self, fields=fields)


@dataclass(frozen=True)
class Mutation:
    """A broken version of ``source``: the bytes to send and the reject a correct parser counts.

    ``reason`` is the one reject reason these bytes must produce (once the next sentence or the end
    of input arrives); None means "at least one reject, reason not fixed" (bit flips).
    """

    kind: str
    data: bytes
    reason: str | None
    source: Sentence


def format_time(label: UtcLabel) -> str:
    frac = f"{label.nanosecond:09d}"[: label.fraction_digits]
    return f"{label.hour:02d}{label.minute:02d}{label.second:02d}" + (f".{frac}" if frac else "")


def next_second(label: UtcLabel, leap: bool = False) -> UtcLabel:
    """The label one second later (through ``23:59:60`` when ``leap``)."""
    if (label.hour, label.minute, label.second) == (23, 59, 59) and leap:
        return replace(label, second=60)
    if label.second >= 59:
        total = (label.hour * 60 + label.minute) * 60 + 60
        if total >= 86_400:
            day = dt.date(label.year, label.month, label.day) + dt.timedelta(days=1)
            return replace(label, year=day.year, month=day.month, day=day.day, hour=0, minute=0, second=0)
        return replace(label, hour=total // 3600, minute=total // 60 % 60, second=0)
    return replace(label, second=label.second + 1)


# ---- building blocks ------------------------------------------------------------------------------
# Speed matters (the campaign must run >= 1000 examples/s): every hypothesis draw costs 40-50 us, so the
# fields that decide what a parser must do (time, date, status, quality, mode, talker, field count) get
# a draw each, and the cosmetic ones (position, speeds, DOPs, PRNs...) are cut from one drawn integer
# by ``Bits``. That integer shrinks to 0, which gives the simplest values (mostly empty fields).
# Streams go further: one draw per second of output carries the type mask and all that second's
# sentences (a 2048-bit integer is drawn as cheaply as a small one; a second needs ~600 bits at most,
# and a pick past the end returns 0, a valid simple value).
_BITS = st.integers(0, 2 ** 256 - 1)
_WIDE_BITS = st.integers(0, 2 ** 2048 - 1)
_EDGE_TIMES_NO_LEAP = tuple(t for t in EDGE_TIMES if t[2] != 60)


class Bits:
    """Field values cut from one big random integer (each ``pick(n)`` takes ``value mod n``)."""

    def __init__(self, value: int) -> None:
        self.value = value

    def pick(self, n: int) -> int:
        self.value, r = divmod(self.value, n)
        return r

    def choice(self, options: str) -> str:
        return options[self.pick(len(options))]

    def opt_decimal(self, lo: int, hi: int, places: int = 1) -> str:
        if self.pick(4) == 0:
            return ""
        scale = 10 ** places
        v = lo * scale + self.pick((hi - lo) * scale + 1)
        return f"{'-' if v < 0 else ''}{abs(v) // scale}.{abs(v) % scale:0{places}d}"

    def opt_int(self, lo: int, hi: int, width: int = 1) -> str:
        if self.pick(4) == 0:
            return ""
        return f"{lo + self.pick(hi - lo + 1):0{width}d}"

    def position(self) -> tuple[str, str, str, str]:
        """``lat, N|S, lon, E|W`` — both hemispheres, poles and antimeridian, or all empty (no fix)."""
        if self.pick(10) == 0:
            return "", "", "", ""
        places = 2 + self.pick(4)
        scale = 10 ** places
        out: list[str] = []
        for max_deg, width, hemis in ((90, 2, "NS"), (180, 3, "EW")):
            edge = self.pick(6)
            deg = (0, max_deg, max_deg - 1)[edge] if edge < 3 else self.pick(max_deg + 1)
            minutes = 0 if deg == max_deg else self.pick(60 * scale)
            out += [f"{deg:0{width}d}{minutes // scale:02d}.{minutes % scale:0{places}d}", self.choice(hemis)]
        return out[0], out[1], out[2], out[3]


@st.composite
def _utc_labels(draw: st.DrawFn, min_date: dt.date, max_date: dt.date, leap_seconds: bool) -> UtcLabel:
    return _label_from(Bits(draw(_BITS)), min_date, max_date, leap_seconds)


def _label_from(bits: Bits, min_date: dt.date, max_date: dt.date, leap_seconds: bool) -> UtcLabel:
    edge_dates = [d for d in EDGE_DATES if min_date <= d <= max_date]
    if edge_dates and bits.pick(4) == 0:  # one label in four on a rollover / pivot / leap-second date
        date = edge_dates[bits.pick(len(edge_dates))]
    else:
        date = dt.date.fromordinal(min_date.toordinal() + bits.pick(max_date.toordinal() - min_date.toordinal() + 1))
    edges = EDGE_TIMES if leap_seconds else _EDGE_TIMES_NO_LEAP
    if bits.pick(4) == 0:  # one label in four at a time parsers get wrong
        hh, mm, ss = edges[bits.pick(len(edges))]
    else:
        tod = bits.pick(86_400)
        hh, mm, ss = tod // 3600, tod // 60 % 60, tod % 60
    digits = (0, 0, 1, 2, 2, 3, 9)[bits.pick(7)]
    scale = 10 ** (9 - digits)
    nanosecond = bits.pick(10 ** digits) * scale if digits else 0
    return UtcLabel(date.year, date.month, date.day, hh, mm, ss, nanosecond, digits)


@functools.lru_cache(maxsize=32)
def utc_labels(min_date: dt.date = MIN_DATE, max_date: dt.date = MAX_DATE,
               leap_seconds: bool = True) -> st.SearchStrategy[UtcLabel]:
    """UTC labels with edge dates (rollovers, pivots, week rollover) and edge times (midnight, 23:59:60).

    The fraction has 0-3 digits (what receivers send) or 9 (the parser's limit).
    """
    return _utc_labels(min_date, max_date, leap_seconds)


_TALKER = st.sampled_from(TALKERS)
_ZDA_RANGE = (dt.date(1000, 1, 1), dt.date(9999, 12, 30))
_ZDA_LABELS = utc_labels(*_ZDA_RANGE)
_TIME_TYPE = st.sampled_from(TIME_TYPES)


def _talker(draw: st.DrawFn, talker: str | None) -> str:
    return talker if talker else draw(_TALKER)


# ---- valid sentences ----------------------------------------------------------------------------
def _rmc(bits: Bits, talker: str, lab: UtcLabel) -> Sentence:
    """RMC in its 2.0 (11 fields), 2.3 (+mode) and 4.1 (+nav status) forms."""
    status, count, mode = bits.choice("AV"), (11, 12, 13)[bits.pick(3)], bits.choice("ADEFMNPRS")
    lat, ns, lon, ew = bits.position()
    magvar = bits.opt_decimal(0, 179)
    fields = [format_time(lab), status, lat, ns, lon, ew, bits.opt_decimal(0, 999), bits.opt_decimal(0, 359),
              f"{lab.day:02d}{lab.month:02d}{lab.year % 100:02d}", magvar, bits.choice("EW") if magvar else ""]
    if count < 12:
        mode = ""
    else:
        fields.append(mode)
    if count == 13:
        fields.append(bits.choice("SCUV"))
    return Sentence(talker, "RMC", tuple(fields), lab, status == "A" and mode != "N")


def _gga(bits: Bits, talker: str, lab: UtcLabel) -> Sentence:
    """GGA with fix quality 0-8 and empty optional fields (no DGPS, no altitude)."""
    quality = bits.pick(9)
    lat, ns, lon, ew = bits.position()
    alt, sep = bits.opt_decimal(-400, 9000), bits.opt_decimal(-110, 90)
    fields = (format_time(lab), lat, ns, lon, ew, str(quality), bits.opt_int(0, 99, 2), bits.opt_decimal(0, 99),
              alt, "M" if alt else "", sep, "M" if sep else "", bits.opt_decimal(0, 999), bits.opt_int(0, 1023, 4))
    return Sentence(talker, "GGA", fields, lab, quality > 0)


def _zda(bits: Bits, talker: str, lab: UtcLabel) -> Sentence:
    """ZDA with its 4-digit year and local zone (empty, 00 or negative hours)."""
    zone_h = ("", "00", f"{bits.pick(14):02d}", f"-{bits.pick(14):02d}")[bits.pick(4)]
    zone_m = ("", "00", f"{bits.pick(60):02d}")[bits.pick(3)]
    fields = (format_time(lab), f"{lab.day:02d}", f"{lab.month:02d}", f"{lab.year:04d}", zone_h, zone_m)
    return Sentence(talker, "ZDA", fields, lab, True)


def _gns(bits: Bits, talker: str, lab: UtcLabel) -> Sentence:
    """GNS with a per-constellation mode string (``N`` = no fix for that system)."""
    mode = "".join(bits.choice("NADPRFEMS") for _ in range(1 + bits.pick(6)))
    lat, ns, lon, ew = bits.position()
    fields = [format_time(lab), lat, ns, lon, ew, mode, bits.opt_int(0, 99, 2), bits.opt_decimal(0, 99),
              bits.opt_decimal(-400, 9000), bits.opt_decimal(-110, 90), bits.opt_decimal(0, 999),
              bits.opt_int(0, 1023, 4)]
    if bits.pick(2):
        fields.append(bits.choice("SCUV"))
    return Sentence(talker, "GNS", tuple(fields), lab, any(c != "N" for c in mode))


def _gsa(bits: Bits, talker: str) -> Sentence:
    """GSA (no time): 12 PRN slots, DOPs, and the 4.10 system id."""
    fields = [bits.choice("AM"), str(1 + bits.pick(3)), *(bits.opt_int(1, 200, 2) for _ in range(12)),
              bits.opt_decimal(0, 99), bits.opt_decimal(0, 99), bits.opt_decimal(0, 99)]
    if bits.pick(2):
        fields.append(str(1 + bits.pick(6)))
    return Sentence(talker, "GSA", tuple(fields), None, False)


def _gsv(bits: Bits, talker: str) -> Sentence:
    """GSV (no time): message i of n, 0-4 satellites, optional 4.10 signal id."""
    total, index, groups, signal = 1 + bits.pick(9), bits.pick(9), bits.pick(5), bits.pick(2)
    fields: list[str] = [str(total), str(1 + index % total), f"{bits.pick(100):02d}"]
    for _ in range(groups):
        fields += [f"{1 + bits.pick(200):02d}", bits.opt_int(0, 90), bits.opt_int(0, 359, 3), bits.opt_int(0, 99, 2)]
    if signal:
        fields.append(str(bits.pick(16)))
    return Sentence(talker, "GSV", tuple(fields), None, False)


@st.composite
def rmc_sentences(draw: st.DrawFn, talker: str | None = None) -> Sentence:
    """Valid RMC sentences (2.0, 2.3 and 4.1 forms)."""
    return _rmc(Bits(draw(_BITS)), _talker(draw, talker), draw(utc_labels()))


@st.composite
def gga_sentences(draw: st.DrawFn, talker: str | None = None) -> Sentence:
    """Valid GGA sentences (their label's date is the one a decoder must already know)."""
    return _gga(Bits(draw(_BITS)), _talker(draw, talker), draw(utc_labels()))


@st.composite
def zda_sentences(draw: st.DrawFn, talker: str | None = None) -> Sentence:
    """Valid ZDA sentences, years 1000-9999."""
    return _zda(Bits(draw(_BITS)), _talker(draw, talker), draw(_ZDA_LABELS))


@st.composite
def gns_sentences(draw: st.DrawFn, talker: str | None = None) -> Sentence:
    """Valid GNS sentences (their label's date is the one a decoder must already know)."""
    return _gns(Bits(draw(_BITS)), _talker(draw, talker), draw(utc_labels()))


@st.composite
def gsa_sentences(draw: st.DrawFn, talker: str | None = None) -> Sentence:
    """Valid GSA sentences (no time)."""
    return _gsa(Bits(draw(_BITS)), _talker(draw, talker))


@st.composite
def gsv_sentences(draw: st.DrawFn, talker: str | None = None) -> Sentence:
    """Valid GSV sentences (no time)."""
    return _gsv(Bits(draw(_BITS)), _talker(draw, talker))


_NO_TIME_FIELDS = {
    "RMC": ("", "V", "", "", "", "", "", "", "", "", "", "N"),
    "GGA": ("", "", "", "", "", "0", "00", "99.99", "", "", "", "", "", ""),
    "ZDA": ("", "", "", "", "00", "00"),
    "GNS": ("", "", "", "", "", "NN", "00", "99.99", "", "", "", "", "V"),
}


@st.composite
def no_time_sentences(draw: st.DrawFn, talker: str | None = None) -> Sentence:
    """What a receiver sends before it has time: empty time fields, status V / quality 0 / mode N."""
    kind = draw(_TIME_TYPE)
    return Sentence(_talker(draw, talker), kind, _NO_TIME_FIELDS[kind], None, False)


_BUILDERS: dict[str, Callable[[Bits, str, UtcLabel], Sentence]] = {
    "RMC": _rmc, "GGA": _gga, "ZDA": _zda, "GNS": _gns}
_TIMED_SENTENCES = st.one_of(rmc_sentences(), gga_sentences(), zda_sentences(), gns_sentences())


@functools.lru_cache(maxsize=16)
def valid_sentences(talker: str | None = None) -> st.SearchStrategy[Sentence]:
    """Any valid sentence of the six types (GGA/GNS labels use the date of their ``label``)."""
    return st.one_of(rmc_sentences(talker), gga_sentences(talker), zda_sentences(talker), gns_sentences(talker),
                     gsa_sentences(talker), gsv_sentences(talker), no_time_sentences(talker))


_SENTENCE_KINDS = (*ALL_TYPES, "no time")


def sentence_from(bits: Bits, talker: str | None = None) -> Sentence:
    """What ``valid_sentences`` draws, cut from already drawn ``bits`` (see ``wide_bits``): for
    properties that need many sentences per example and cannot afford a draw for each."""
    kind = _SENTENCE_KINDS[bits.pick(len(_SENTENCE_KINDS))]
    who = talker or TALKERS[bits.pick(len(TALKERS))]
    if kind == "GSA":
        return _gsa(bits, who)
    if kind == "GSV":
        return _gsv(bits, who)
    if kind == "no time":
        time_type = TIME_TYPES[bits.pick(len(TIME_TYPES))]
        return Sentence(who, time_type, _NO_TIME_FIELDS[time_type], None, False)
    first, last = _ZDA_RANGE if kind == "ZDA" else (MIN_DATE, MAX_DATE)
    return _BUILDERS[kind](bits, who, _label_from(bits, first, last, True))


@st.composite
def receiver_streams(draw: st.DrawFn, max_seconds: int = 4) -> tuple[dt.date, list[Sentence]]:
    """Consecutive seconds of receiver output (through midnight / a leap second when drawn near one).

    Returns the date of the first labelled sentence (the decoder's ``default_date``, as a log's
    ``# Date:`` header gives it) and the sentences in sending order.
    """
    head = Bits(draw(_BITS))  # the start, the talker, how many seconds, and whether a leap second is due
    start = _label_from(head, MIN_DATE, MAX_DATE, True)
    leap = bool(head.pick(2)) or start.second == 60
    talker, seconds = TALKERS[head.pick(len(TALKERS))], 1 + head.pick(4)
    out: list[Sentence] = []
    label = start
    for _ in range(min(seconds, max_seconds)):
        bits = Bits(draw(_WIDE_BITS))  # one draw per second: its type mask and all its sentences
        mask = 1 + bits.pick(2 ** len(ALL_TYPES) - 1)  # which of the six types it carries, in ALL_TYPES order
        for bit, kind in enumerate(ALL_TYPES):
            if not mask >> bit & 1:
                continue
            if kind == "GSA":
                out.append(_gsa(bits, talker))
            elif kind == "GSV":
                out.append(_gsv(bits, talker))
            else:
                out.append(_BUILDERS[kind](bits, talker, label))
        label = next_second(label, leap)
    return first_label_date(out) or start.date(), out


def first_label_date(sentences: list[Sentence]) -> dt.date | None:
    """The date a decoder must be told at the start of ``sentences``: that of the first labelled one."""
    for sentence in sentences:
        if sentence.label is not None:
            return sentence.label.date()
    return None


# ---- mutations ----------------------------------------------------------------------------------
MUTATION_KINDS = (
    "bad_checksum", "missing_checksum", "lowercase_hex", "truncated", "truncated_unterminated", "oversize",
    "non_ascii", "nul", "control_char", "cr_without_lf", "lf_without_cr", "wrong_field_count", "out_of_range",
    "bit_flip",
)
EXACT_MUTATIONS = tuple(k for k in MUTATION_KINDS if k != "bit_flip")


_CONTROL_BYTES = bytes([b for b in range(0x20) if b not in (0x0A, 0x0D)] + [0x7F])
_MUTATION_KINDS = {kinds: st.sampled_from(kinds) for kinds in (MUTATION_KINDS, EXACT_MUTATIONS, ("bit_flip",))}


def _resign(source: Sentence, fields: tuple[str, ...]) -> bytes:
    return source.with_fields(fields).encode()


def _out_of_range(bits: Bits, source: Sentence) -> bytes:
    """Hour 24+, minute 60+, second 61+, second 60 off 23:59; or day 0/32+, month 0/13+, 30 Feb, 31 Apr."""
    fields = list(source.fields)
    if source.sentence_type not in ("RMC", "ZDA") or bits.pick(2) == 0:
        which = bits.pick(4)
        hh, mm, ss = bits.pick(24), bits.pick(60), bits.pick(60)
        if which == 0:
            hh = 24 + bits.pick(76)
        elif which == 1:
            mm = 60 + bits.pick(40)
        elif which == 2:
            ss = 61 + bits.pick(39)
        else:
            minute_of_day = bits.pick(24 * 60 - 1)  # every minute of the day but 23:59
            hh, mm, ss = minute_of_day // 60, minute_of_day % 60, 60
        fields[0] = f"{hh:02d}{mm:02d}{ss:02d}" + (fields[0][6:] if len(fields[0]) > 6 else "")
    else:
        year = 2024 if source.sentence_type == "RMC" else 1000 + bits.pick(9000)
        day, month = (
            (32 + bits.pick(68), 1 + bits.pick(12)), (0, 1 + bits.pick(12)),
            (1 + bits.pick(28), (0, 13, 99)[bits.pick(3)]), (30, 2), (31, 4),
        )[bits.pick(5)]
        if source.sentence_type == "RMC":
            fields[8] = f"{day:02d}{month:02d}{year % 100:02d}"
        else:
            fields[1], fields[2] = f"{day:02d}", f"{month:02d}"
    return _resign(source, tuple(fields))


def _wrong_field_count(bits: Bits, source: Sentence) -> bytes:
    allowed = FIELD_COUNTS[source.sentence_type]
    wrong = [n for n in range(1, max(allowed) + 7) if n not in allowed]
    count = wrong[bits.pick(len(wrong))]
    fields = source.fields[:count] + ("",) * max(0, count - len(source.fields))
    return _resign(source, fields)


def _insert(text: str, at: int, byte: bytes) -> bytes:
    raw = text.encode("ascii")
    return raw[:at] + byte + raw[at:] + b"\r\n"


def _has_hex_letter(sentence: Sentence) -> bool:
    return any(c in "ABCDEF" for c in sentence.text[-2:])


_HEX_LETTER_SENTENCES = valid_sentences().filter(_has_hex_letter)


def _source_from(bits: Bits, kind: str) -> Sentence:
    """A sentence ``kind`` can break, cut from ``bits`` (a few tries; ``mutate`` falls back to a bad
    checksum if none fits)."""
    for _ in range(8):
        source = sentence_from(bits)
        if kind == "lowercase_hex" and not _has_hex_letter(source):
            continue
        if kind == "out_of_range" and (source.sentence_type not in TIME_TYPES or not source.fields[0]):
            continue
        break
    return source


@st.composite
def mutations(
    draw: st.DrawFn, kinds: tuple[str, ...] = MUTATION_KINDS, sentences: st.SearchStrategy[Sentence] | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Mutation:
    """One sentence (from ``sentences``, default any valid one) broken in one way (see ``MUTATION_KINDS``),
    with the reject reason it must cause."""
    return mutate(draw, kinds, None if sentences is None else draw(sentences), max_line_bytes)


def mutate(
    draw: st.DrawFn, kinds: tuple[str, ...] = MUTATION_KINDS, source: Sentence | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES, bits: Bits | None = None,
) -> Mutation:
    """``mutations`` as a plain function for use inside other composite strategies (cheaper: no new
    strategy object per call). ``source`` None draws a suitable valid sentence. ``bits`` (from
    ``wide_bits``) lets many mutations share one draw, kind included — what keeps stream properties fast."""
    unknown = [k for k in kinds if k not in MUTATION_KINDS]
    if unknown or not kinds:
        raise ValueError(f"unknown mutation kinds {unknown}; known: {', '.join(MUTATION_KINDS)}")
    if bits is not None:
        kind = kinds[bits.pick(len(kinds))]
    else:
        kind_strategy = _MUTATION_KINDS.get(kinds)
        kind = draw(kind_strategy if kind_strategy is not None else st.sampled_from(kinds))
    if source is None and bits is not None:
        source = _source_from(bits, kind)
    elif source is None:
        if kind == "out_of_range":
            source = draw(_TIMED_SENTENCES)
        elif kind == "lowercase_hex":
            source = draw(_HEX_LETTER_SENTENCES)
        else:
            source = draw(valid_sentences())
    if kind == "lowercase_hex" and not _has_hex_letter(source):
        kind = "bad_checksum"  # this sentence's checksum is all digits: lowercasing changes nothing
    if kind == "out_of_range" and (source.sentence_type not in TIME_TYPES or not source.fields[0]):
        kind = "bad_checksum"  # a sentence without time cannot carry an out-of-range time
    bits = bits if bits is not None else Bits(draw(_BITS))
    text = source.text
    star = len(text) - 3
    reason: str | None
    if kind == "bad_checksum":
        wrong = int(text[-2:], 16) ^ (1 + bits.pick(255))
        data, reason = f"{text[:-2]}{wrong:02X}\r\n".encode(), "checksum"
    elif kind == "missing_checksum":
        data, reason = f"{text[:star]}\r\n".encode(), "missing_checksum"
    elif kind == "lowercase_hex":
        data, reason = f"{text[:-2]}{text[-2:].lower()}\r\n".encode(), "checksum_format"
    elif kind == "truncated":
        cut = 1 + bits.pick(len(text) - 1)
        data = f"{text[:cut]}\r\n".encode()
        reason = "missing_checksum" if cut <= star else "checksum_format"
    elif kind == "truncated_unterminated":
        data, reason = text[: 1 + bits.pick(len(text))].encode(), "framing"
    elif kind == "oversize":
        pad = max_line_bytes - len(text) + 1 + bits.pick(200)
        fields = (*source.fields[:-1], source.fields[-1] + "0" * pad)
        data, reason = _resign(source, fields), "too_long"
    elif kind == "non_ascii":
        data, reason = _insert(text, 1 + bits.pick(len(text)), bytes([0x80 + bits.pick(0x80)])), "non_ascii"
    elif kind == "nul":
        data, reason = _insert(text, 1 + bits.pick(len(text)), b"\x00"), "control_char"
    elif kind == "control_char":
        byte = _CONTROL_BYTES[bits.pick(len(_CONTROL_BYTES))]
        data, reason = _insert(text, 1 + bits.pick(len(text)), bytes([byte])), "control_char"
    elif kind == "cr_without_lf":
        data, reason = f"{text}\r".encode(), "framing"
    elif kind == "lf_without_cr":
        data, reason = f"{text}\n".encode(), "framing"
    elif kind == "wrong_field_count":
        data, reason = _wrong_field_count(bits, source), "field_count"
    elif kind == "out_of_range":
        data, reason = _out_of_range(bits, source), "range"
    else:  # bit_flip
        raw = bytearray(source.encode())
        raw[bits.pick(len(raw))] ^= 1 << bits.pick(8)
        data, reason = bytes(raw), None
    return Mutation(kind, data, reason, source)


# ---- byte-level ---------------------------------------------------------------------------------
_GARBAGE_TOKENS = (b"$", b"*", b",", b"\r", b"\n", b"\r\n", b"\x00", b"$GP", b"*4", b"\xff")


@st.composite
def _garbage(draw: st.DrawFn, max_size: int) -> bytes:
    return splice_framing(draw(st.binary(min_size=1, max_size=max_size)), Bits(draw(_BITS)))


def splice_framing(raw: bytes, bits: Bits) -> bytes:
    """``raw`` with up to five framing tokens (``$ * , CR LF``, NUL, ...) spliced in where ``bits`` says:
    where parsers are most fragile."""
    out = bytearray(raw)
    for _ in range(bits.pick(6)):
        at = bits.pick(len(out) + 1)
        out[at:at] = _GARBAGE_TOKENS[bits.pick(len(_GARBAGE_TOKENS))]
    return bytes(out)


def wide_bits(draw: st.DrawFn) -> Bits:
    """One draw of 2048 random bits, to be cut by many cheap builders (see ``mutate``, ``split``)."""
    return Bits(draw(_WIDE_BITS))


@functools.lru_cache(maxsize=8)
def garbage_bytes(max_size: int = 400) -> st.SearchStrategy[bytes]:
    """Line noise: random bytes with the framing characters ``$ * , CR LF`` and NUL spliced in."""
    return _garbage(max_size)


@st.composite
def chunked(draw: st.DrawFn, data: bytes, max_chunks: int = 8) -> tuple[bytes, ...]:
    """``data`` split at random points, as reads from a serial port return it."""
    return split(data, Bits(draw(_BITS)), max_chunks)


def split(data: bytes, bits: Bits, max_chunks: int = 8) -> tuple[bytes, ...]:
    """``chunked`` as a plain function over already drawn bits."""
    if len(data) < 2:
        return (data,)
    count = min(bits.pick(8), max_chunks - 1)
    cuts = sorted({1 + bits.pick(len(data) - 1) for _ in range(count)})
    bounds = [0, *cuts, len(data)]
    return tuple(data[a:b] for a, b in zip(bounds, bounds[1:], strict=False))
