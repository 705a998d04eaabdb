"""The NMEA parser's fuzzing properties under the active hypothesis profile (ci: 200 seeded examples each).

Run long: ``HYPOTHESIS_PROFILE=nightly .venv/bin/pytest tests/fuzz`` or ``bench fuzz --profile nightly``.
"""

from __future__ import annotations

from hypothesis import given

from bench.nmea.properties import PROPERTIES, FuzzCase, check_case


@given(PROPERTIES["never_raises"]())
def test_never_raises_anything_on_any_bytes(case: FuzzCase) -> None:
    check_case(case)


@given(PROPERTIES["sentence_exact"]())
def test_valid_sentence_decodes_to_exactly_the_generated_time(case: FuzzCase) -> None:
    check_case(case)


@given(PROPERTIES["valid_exact"]())
def test_receiver_streams_split_anywhere_decode_exactly(case: FuzzCase) -> None:
    check_case(case)


@given(PROPERTIES["mutation_rejected"]())
def test_mutated_sentence_is_never_accepted(case: FuzzCase) -> None:
    check_case(case)


@given(PROPERTIES["counters_add_up"]())
def test_reject_and_accept_counters_add_up(case: FuzzCase) -> None:
    check_case(case)


@given(PROPERTIES["survives_noise"]())
def test_garbage_and_bit_flips_never_hide_valid_sentences(case: FuzzCase) -> None:
    check_case(case)
