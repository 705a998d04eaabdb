"""The strategies reach what the issue asks for (every talker, type, edge value and mutation kind),
and the properties can fail: a deliberately broken parser is caught, saved, and replayed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import find, settings
from hypothesis import strategies as st

from bench.nmea import parser
from bench.nmea import strategies as nst
from bench.nmea.campaign import run_campaign
from bench.nmea.parser import NmeaDecoder, NmeaReject
from bench.nmea.properties import PROPERTIES, PropertyFailure, check_case, load_case

FIND = settings(max_examples=5000, database=None, deadline=None)


def found(strategy: st.SearchStrategy[Any], condition: Callable[[Any], bool]) -> Any:
    return find(strategy, condition, settings=FIND)


@pytest.mark.parametrize("talker", nst.TALKERS)
def test_every_talker_is_generated(talker: str) -> None:
    assert found(nst.valid_sentences(), lambda s: s.talker == talker).talker == talker


@pytest.mark.parametrize("kind", nst.ALL_TYPES)
def test_every_type_is_generated_and_decodes(kind: str) -> None:
    sentence = found(nst.valid_sentences(), lambda s: s.sentence_type == kind)
    date = sentence.label.date() if sentence.label else None
    assert NmeaDecoder(default_date=date).decode_line(sentence.text).sentence_type == kind


@pytest.mark.parametrize(("what", "condition"), [
    ("leap second", lambda s: s.label is not None and s.label.second == 60),
    ("midnight", lambda s: s.label is not None and (s.label.hour, s.label.minute, s.label.second) == (0, 0, 0)),
    ("pivot 1969", lambda s: s.sentence_type == "RMC" and s.label is not None and s.label.year == 1969),
    ("pivot 2068", lambda s: s.sentence_type == "RMC" and s.label is not None and s.label.year == 2068),
    ("week rollover", lambda s: s.label is not None and s.label.date() in nst.WEEK_ROLLOVER_DATES),
    ("south-west", lambda s: s.sentence_type == "GGA" and s.fields[2] == "S" and s.fields[4] == "W"),
    ("empty optionals", lambda s: s.sentence_type == "GGA" and s.fields[12] == "" and s.fields[8] == ""),
    ("9 fraction digits", lambda s: s.label is not None and s.label.fraction_digits == 9),
    ("longer than 82", lambda s: len(s.encode()) > 82),
])
def test_edge_values_are_generated(what: str, condition: Callable[[nst.Sentence], bool]) -> None:
    assert condition(found(nst.valid_sentences(), condition)), what


def test_streams_cross_midnight_and_leap_second() -> None:
    def crosses(stream: tuple[dt.date, list[nst.Sentence]]) -> bool:
        labels = [s.label for s in stream[1] if s.label is not None]
        return any(a.second == 60 for a in labels) and len({lb.date() for lb in labels}) == 2

    date, sentences = found(nst.receiver_streams(), crosses)
    decoder = NmeaDecoder(default_date=date)
    fixes = decoder.feed(b"".join(s.encode() for s in sentences))
    assert [f.label for f in fixes] == [s.label for s in sentences]


@pytest.mark.parametrize("kind", nst.MUTATION_KINDS)
def test_every_mutation_kind_is_generated_and_rejected(kind: str) -> None:
    mutation = found(nst.mutations(kinds=(kind,)), lambda m: True)
    decoder = NmeaDecoder()
    fixes = decoder.feed(mutation.data) + decoder.flush()
    assert fixes == [] and sum(decoder.rejects.values()) >= 1
    if mutation.reason is not None:
        assert decoder.rejects == {mutation.reason: 1}


def _lenient_time(text: str, where: str) -> parser._TimeOfDay | None:
    """A parser bug on purpose: no range check on hour/minute/second."""
    if text == "":
        return None
    return parser._TimeOfDay(int(text[0:2]), int(text[2:4]), int(text[4:6]), 0, 0)


def test_properties_catch_a_broken_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parser, "_parse_time", _lenient_time)
    case = found(PROPERTIES["mutation_rejected"](), lambda c: _fails(c))
    assert case.note == "out_of_range"


def _fails(case: Any) -> bool:
    try:
        check_case(case)
    except PropertyFailure:
        return True
    return False


def test_campaign_saves_minimal_failure_and_replay_reproduces_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    from bench.cli.main import main

    monkeypatch.setattr(parser, "_parse_time", _lenient_time)
    result = run_campaign("ci", examples=3000, run_dir=tmp_path, properties=["mutation_rejected"])
    assert not result.passed
    saved = tmp_path / "failure-mutation_rejected.json"
    record = json.loads(saved.read_text())
    assert record["replay"].startswith("bench fuzz replay ") and record["note"] == "out_of_range"
    assert len(load_case(saved).chunks[0]) <= 82  # shrunk to one short sentence
    with pytest.raises(SystemExit) as still:
        main(["fuzz", "replay", str(saved)])
    assert still.value.code == 1
    monkeypatch.undo()
    with pytest.raises(SystemExit) as fixed:
        main(["fuzz", "replay", str(saved)])
    assert fixed.value.code == 0
    summary = json.loads((tmp_path / "fuzz.json").read_text())
    assert summary["passed"] is False and summary["properties"][0]["examples"] >= 1


def test_rejects_stay_typed() -> None:
    with pytest.raises(NmeaReject):
        NmeaDecoder().decode_line("$GPRMC*00")


def test_profiles_ci_is_seeded_and_nightly_is_long_with_a_kept_database() -> None:
    from hypothesis.database import DirectoryBasedExampleDatabase

    from bench.nmea.profiles import NIGHTLY_DATABASE, register_profiles

    register_profiles()
    ci, nightly = settings.get_profile("ci"), settings.get_profile("nightly")
    assert ci.derandomize and ci.database is None and ci.max_examples <= 500
    assert nightly.max_examples >= 100_000 and isinstance(nightly.database, DirectoryBasedExampleDatabase)
    assert NIGHTLY_DATABASE.parts[-2:] == ("reports", ".hypothesis")


def test_campaign_cli_json_and_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from bench.cli.main import main

    with pytest.raises(SystemExit) as ok:
        main(["fuzz", "--examples", "25", "--run-dir", str(tmp_path / "run"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert ok.value.code == 0 and out["passed"] and out["examples"] == 25 * len(PROPERTIES)
    assert out["examples_per_s"] > 0 and (tmp_path / "run" / "environment.json").is_file()
    with pytest.raises(SystemExit) as bad:
        main(["fuzz", "--examples", "0", "--run-dir", str(tmp_path / "run2")])
    assert bad.value.code == 2 and "--examples" in capsys.readouterr().err
    (tmp_path / "junk.json").write_text("[1, 2]")
    with pytest.raises(SystemExit) as junk:
        main(["fuzz", "replay", str(tmp_path / "junk.json")])
    assert junk.value.code == 2 and "not a saved fuzz case" in capsys.readouterr().err


def test_campaign_reports_progress_per_property(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bench.nmea import campaign

    monkeypatch.setattr(campaign, "PROGRESS_EVERY_S", 0.0)  # a line every 100 examples, not every 10 s
    calls: list[tuple[str, int, int | None, bool]] = []
    result = run_campaign("ci", examples=300, run_dir=tmp_path, properties=["valid_exact", "mutation_rejected"],
                          progress=lambda name, done, target, seconds, finished: calls.append(
                              (name, done, target, finished)))
    assert result.passed
    assert [c for c in calls if c[3]] == [("valid_exact", 300, 300, True), ("mutation_rejected", 300, 300, True)]
    assert ("valid_exact", 100, 300, False) in calls and ("valid_exact", 200, 300, False) in calls


def test_the_example_database_replays_last_nights_failure_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    """What one nightly campaign found, the next one finds again at once (hypothesis' reuse phase)."""
    database = tmp_path / "db"
    monkeypatch.setattr(parser, "_parse_time", _lenient_time)
    first = run_campaign("nightly", examples=3000, run_dir=tmp_path / "night1", properties=["mutation_rejected"],
                         database=database)
    assert not first.passed and any(database.iterdir())
    # one example is enough the next night: the saved failure is tried before anything new
    second = run_campaign("nightly", examples=1, run_dir=tmp_path / "night2", properties=["mutation_rejected"],
                          database=database)
    assert not second.passed and (tmp_path / "night2" / "failure-mutation_rejected.json").is_file()
    # the control: seeded, without a database, one example does not find it
    assert run_campaign("ci", examples=1, run_dir=tmp_path / "ci", properties=["mutation_rejected"]).passed
