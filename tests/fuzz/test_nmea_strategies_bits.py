"""The draw-free builders (``Bits``, ``sentence_from``, ``split``, ``splice_framing``, ``mutate(bits=)``)
that keep the stream properties above 1000 examples/s must generate what the drawing strategies do."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from bench.nmea import strategies as nst
from bench.nmea.parser import NmeaDecoder
from bench.nmea.properties import PROPERTIES

WIDE = st.integers(0, 2 ** 2048 - 1)


def _no_draw(strategy: st.SearchStrategy[object]) -> object:
    raise AssertionError(f"drew {strategy!r}: with bits given, nothing may be drawn")


@given(WIDE)
def test_sentence_from_bits_decodes_to_its_label(value: int) -> None:
    sentence = nst.sentence_from(nst.Bits(value))
    date = sentence.label.date() if sentence.label is not None else None
    fix = NmeaDecoder(default_date=date).decode_line(sentence.text)
    assert (fix.label, fix.valid, fix.talker, fix.sentence_type) == (
        sentence.label, sentence.valid, sentence.talker, sentence.sentence_type)


def test_exhausted_bits_still_give_valid_simple_values() -> None:
    sentence = nst.sentence_from(nst.Bits(0))  # every pick 0: the simplest RMC
    assert sentence.sentence_type == "RMC" and NmeaDecoder().decode_line(sentence.text) is not None
    assert nst.split(b"$GPGSA\r\n", nst.Bits(0)) == (b"$GPGSA\r\n",)


@given(st.binary(max_size=300), WIDE)
def test_split_keeps_every_byte_in_order(data: bytes, value: int) -> None:
    chunks = nst.split(data, nst.Bits(value))
    assert b"".join(chunks) == data and 1 <= len(chunks) <= 8
    assert all(chunks) or data == b""  # no empty reads


@given(st.binary(min_size=1, max_size=50), WIDE)
def test_splice_framing_only_adds_framing_tokens(raw: bytes, value: int) -> None:
    out = nst.splice_framing(raw, nst.Bits(value))
    assert len(out) >= len(raw)
    it = iter(out)
    assert all(byte in it for byte in raw)  # raw is a subsequence of out


@given(st.sampled_from(nst.MUTATION_KINDS), WIDE)
def test_mutate_with_bits_is_rejected_for_its_reason(kind: str, value: int) -> None:
    mutation = nst.mutate(_no_draw, (kind,), bits=nst.Bits(value))
    decoder = NmeaDecoder()
    assert decoder.feed(mutation.data) + decoder.flush() == []
    if mutation.reason is not None:
        assert dict(decoder.rejects) == {mutation.reason: 1}
    else:
        assert sum(decoder.rejects.values()) >= 1


def test_stream_properties_still_cover_every_exact_mutation_kind() -> None:
    from hypothesis import HealthCheck, Phase, settings

    seen: Counter[str] = Counter()

    @settings(max_examples=1500, database=None, deadline=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(PROPERTIES["counters_add_up"]())
    def collect(case) -> None:  # type: ignore[no-untyped-def]
        seen.update(k for k in case.note.split(",") if k)

    collect()
    assert set(seen) == set(nst.EXACT_MUTATIONS), set(nst.EXACT_MUTATIONS) - set(seen)
