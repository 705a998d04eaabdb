"""The fuzzing properties of the NMEA decoder, as plain checks over serialisable cases.

Why this exists: the same properties run in pytest (``tests/fuzz``) and in the ``bench fuzz`` campaign,
and a failure found at night must replay with one command. So every property is a strategy that draws
a ``FuzzCase`` (bytes in reads + what must come out) and one checker, ``check_case``; a case is saved
as JSON and replayed without hypothesis.

Properties:
- ``never_raises``: any byte stream → ``feed``/``flush`` return, never raise; accepted + fixes agree.
- ``sentence_exact``: one valid sentence decodes to exactly the generated time, type, talker, validity.
- ``valid_exact``: receiver streams split anywhere decode to exactly the generated labels, no reject.
- ``mutation_rejected``: a mutated sentence is never accepted, and counts the expected reason once.
- ``counters_add_up``: streams mixing valid and mutated sentences: accepted + rejects = sentences, by
  type and by reason, and the valid ones still decode exactly.
- ``survives_noise``: garbage and bit-flipped sentences between valid ones never hide or alter them.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from bench.errors import InputError
from bench.nmea import strategies as nst
from bench.nmea.parser import NmeaDecoder, TimeFix, UtcLabel

__all__ = ["PROPERTIES", "FuzzCase", "PropertyFailure", "case_from_json", "case_to_json", "check_case",
           "load_case", "property_names"]


class PropertyFailure(AssertionError):
    """The decoder broke a property; the message says which and how."""


@dataclass(frozen=True)
class FuzzCase:
    """Bytes as read from the port, and what a correct decoder must make of them.

    ``expected_fixes`` None: not checked. ``expected_rejects`` None: not checked exactly;
    ``min_rejects`` is always checked.
    """

    prop: str
    chunks: tuple[bytes, ...]
    default_date: dt.date | None = None
    expected_fixes: tuple[TimeFix, ...] | None = None
    expected_rejects: dict[str, int] | None = None
    min_rejects: int = 0
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


def _fix_of(sentence: nst.Sentence) -> TimeFix:
    return TimeFix(sentence.label, sentence.valid, sentence.talker, sentence.sentence_type)


def check_case(case: FuzzCase, max_line_bytes: int = nst.DEFAULT_MAX_LINE_BYTES) -> None:
    """Run the decoder over ``case``; raise ``PropertyFailure`` naming the broken property."""
    decoder = NmeaDecoder(default_date=case.default_date, max_line_bytes=max_line_bytes)
    fixes: list[TimeFix] = []
    for i, chunk in enumerate(case.chunks):
        try:
            fixes += decoder.feed(chunk)
        except Exception as exc:  # noqa: BLE001 - any exception out of feed is the finding
            raise PropertyFailure(f"[{case.prop}] feed raised {type(exc).__name__}: {exc} on chunk {i}") from exc
    try:
        fixes += decoder.flush()
    except Exception as exc:  # noqa: BLE001
        raise PropertyFailure(f"[{case.prop}] flush raised {type(exc).__name__}: {exc}") from exc
    if sum(decoder.accepted.values()) != len(fixes):
        raise PropertyFailure(f"[{case.prop}] accepted {dict(decoder.accepted)} but {len(fixes)} fixes returned")
    for fix in fixes:
        if fix.valid and fix.label is None and fix.sentence_type not in ("GGA", "GNS"):
            raise PropertyFailure(f"[{case.prop}] valid fix without label: {fix}")
    if case.expected_fixes is not None and tuple(fixes) != case.expected_fixes:
        raise PropertyFailure(
            f"[{case.prop}] fixes differ:\n  got      {fixes}\n  expected {list(case.expected_fixes)}\n"
            f"  rejects {dict(decoder.rejects)} last {decoder.last_reject}")
    if case.expected_rejects is not None and dict(decoder.rejects) != case.expected_rejects:
        raise PropertyFailure(f"[{case.prop}] rejects {dict(decoder.rejects)} != expected {case.expected_rejects}"
                              f" (last: {decoder.last_reject})")
    total = sum(decoder.rejects.values())
    if total < case.min_rejects:
        raise PropertyFailure(f"[{case.prop}] {total} rejects, expected at least {case.min_rejects}")


# ---- case strategies ----------------------------------------------------------------------------
_PART_KINDS = st.integers(0, 3 ** 5 - 1).map(
    lambda n: [("garbage", "sentence", "mutation")[n // 3 ** i % 3] for i in range(1 + n % 5)])
_MASK = st.integers(0, 3 ** 24 - 1)
_OPTIONAL_DATE = st.one_of(st.none(), st.dates(nst.MIN_DATE, nst.MAX_DATE))
_GARBAGE_POOL = st.binary(min_size=1, max_size=400)
_MUTATION_KIND = st.sampled_from(nst.MUTATION_KINDS)
_STREAMS = nst.receiver_streams()


@st.composite
def never_raises_cases(draw: st.DrawFn) -> FuzzCase:
    parts: list[bytes] = []
    bits = nst.wide_bits(draw)  # the sentences, their mutations, the garbage slices and the read split
    pool = b""
    for kind in draw(_PART_KINDS):
        if kind == "garbage":
            pool = pool or draw(_GARBAGE_POOL)
            parts.append(_garbage_slice(pool, bits))
        elif kind == "sentence":
            parts.append(nst.sentence_from(bits).encode())
        else:
            parts.append(nst.mutate(draw, nst.MUTATION_KINDS, bits=bits).data)
    date = draw(_OPTIONAL_DATE)
    return FuzzCase("never_raises", nst.split(b"".join(parts), bits), date)


def _garbage_slice(pool: bytes, bits: nst.Bits) -> bytes:
    """A run of line noise: a slice of the example's one drawn ``pool``, framing characters spliced in."""
    at = bits.pick(len(pool))
    return nst.splice_framing(pool[at:at + 1 + bits.pick(len(pool) - at)], bits)


@st.composite
def sentence_exact_cases(draw: st.DrawFn) -> FuzzCase:
    sentence = draw(nst.valid_sentences())
    date = sentence.label.date() if sentence.label is not None else None
    return FuzzCase("sentence_exact", (sentence.encode(),), date, (_fix_of(sentence),), {})


@st.composite
def valid_exact_cases(draw: st.DrawFn) -> FuzzCase:
    start, sentences = draw(_STREAMS)
    data = b"".join(s.encode() for s in sentences)
    fixes = tuple(_fix_of(s) for s in sentences)
    return FuzzCase("valid_exact", nst.split(data, nst.wide_bits(draw)), start, fixes, {})


@st.composite
def mutation_rejected_cases(draw: st.DrawFn) -> FuzzCase:
    bits = nst.wide_bits(draw)  # the sentence, how it is broken, and the read split
    mutation = nst.mutate(draw, (draw(_MUTATION_KIND),), None, bits=bits)
    expected = {mutation.reason: 1} if mutation.reason else None
    return FuzzCase("mutation_rejected", nst.split(mutation.data, bits), None, (), expected, 1,
                    note=mutation.kind)


@st.composite
def counters_add_up_cases(draw: st.DrawFn) -> FuzzCase:
    start, sentences = draw(_STREAMS)
    parts: list[bytes] = []
    fixes: list[TimeFix] = []
    kept: list[nst.Sentence] = []
    reasons: Counter[str] = Counter()
    kinds: list[str] = []
    mask = draw(_MASK)  # which sentences get mutated
    bits = nst.wide_bits(draw)  # how each is mutated, and where the stream is split into reads
    for i, sentence in enumerate(sentences):
        if mask >> i & 1:
            mutation = nst.mutate(draw, nst.EXACT_MUTATIONS, sentence, bits=bits)
            assert mutation.reason is not None
            parts.append(mutation.data)
            reasons[mutation.reason] += 1
            kinds.append(mutation.kind)
        else:
            parts.append(sentence.encode())
            fixes.append(_fix_of(sentence))
            kept.append(sentence)
    start = nst.first_label_date(kept) or start
    return FuzzCase("counters_add_up", nst.split(b"".join(parts), bits), start, tuple(fixes), dict(reasons),
                    note=",".join(kinds))


@st.composite
def survives_noise_cases(draw: st.DrawFn) -> FuzzCase:
    start, sentences = draw(_STREAMS)
    parts: list[bytes] = []
    noise = draw(_MASK)  # base 3 per sentence: nothing, garbage, or a bit-flipped copy before it
    bits = nst.wide_bits(draw)  # which bytes of garbage, which bits flipped, where the reads split
    pool = b""
    for i, sentence in enumerate(sentences):
        what = noise // 3 ** i % 3
        if what == 1:
            pool = pool or draw(_GARBAGE_POOL)  # one draw of line noise; each garbage run is a slice of it
            parts.append(_garbage_slice(pool, bits))
        elif what == 2:
            parts.append(nst.mutate(draw, ("bit_flip",), sentence, bits=bits).data)
        parts.append(sentence.encode())
    return FuzzCase("survives_noise", nst.split(b"".join(parts), bits), start,
                    tuple(_fix_of(s) for s in sentences))


PROPERTIES: dict[str, Callable[[], st.SearchStrategy[FuzzCase]]] = {
    "never_raises": never_raises_cases,
    "sentence_exact": sentence_exact_cases,
    "valid_exact": valid_exact_cases,
    "mutation_rejected": mutation_rejected_cases,
    "counters_add_up": counters_add_up_cases,
    "survives_noise": survives_noise_cases,
}


def property_names() -> list[str]:
    return list(PROPERTIES)


# ---- JSON ---------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _label_json(label: UtcLabel | None) -> list[int] | None:
    if label is None:
        return None
    return [label.year, label.month, label.day, label.hour, label.minute, label.second, label.nanosecond,
            label.fraction_digits]


def case_to_json(case: FuzzCase) -> dict[str, Any]:
    """A JSON-ready dict of ``case`` (bytes base64, with a readable preview)."""
    return {
        "property": case.prop,
        "chunks_b64": [_b64(c) for c in case.chunks],
        "preview": b"".join(case.chunks).decode("latin-1"),
        "default_date": case.default_date.isoformat() if case.default_date else None,
        "expected_fixes": None if case.expected_fixes is None else [
            {"label": _label_json(f.label), "valid": f.valid, "talker": f.talker, "sentence_type": f.sentence_type}
            for f in case.expected_fixes],
        "expected_rejects": case.expected_rejects,
        "min_rejects": case.min_rejects,
        "note": case.note,
        **case.extra,
    }


def case_from_json(data: dict[str, Any], where: str = "case") -> FuzzCase:
    """Rebuild a case saved by ``case_to_json``; bad content is an ``InputError`` naming ``where``."""
    try:
        fixes = None
        if data.get("expected_fixes") is not None:
            fixes = tuple(
                TimeFix(UtcLabel(*f["label"]) if f["label"] is not None else None, bool(f["valid"]),
                        str(f["talker"]), str(f["sentence_type"]))
                for f in data["expected_fixes"])
        date = dt.date.fromisoformat(data["default_date"]) if data.get("default_date") else None
        return FuzzCase(
            prop=str(data["property"]), chunks=tuple(base64.b64decode(c, validate=True) for c in data["chunks_b64"]),
            default_date=date, expected_fixes=fixes, expected_rejects=data.get("expected_rejects"),
            min_rejects=int(data.get("min_rejects", 0)), note=str(data.get("note", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{where}: not a saved fuzz case ({type(exc).__name__}: {exc})") from None


def load_case(path: Path) -> FuzzCase:
    """Read a saved failing example (``failure-*.json``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: cannot read a fuzz case ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a saved fuzz case (top level is not an object)")
    return case_from_json(data, where=str(path))


