"""The parser accepts exactly what the team's GNSS emulator sends (bench.emu.gnss.sentences), valid fix
or not, in a leap second, for several talkers — with no reject."""

from __future__ import annotations

from datetime import date

import pytest

from bench.emu.gnss.sentences import SecondFix, build_second
from bench.emu.gnss.sky import Position, SatView
from bench.emu.gnss.timeline import UtcLabel as EmuLabel
from bench.nmea.parser import NmeaDecoder, UtcLabel

VIEW = [SatView(prn, 10 + prn, 30 * prn % 360, 30 + prn) for prn in range(1, 10)]


@pytest.mark.parametrize("talker", ["GP", "GN", "GA"])
@pytest.mark.parametrize("valid", [True, False])
def test_emulator_second_decodes_without_reject(talker: str, valid: bool) -> None:
    decoder = NmeaDecoder()
    label = EmuLabel(date(2016, 12, 31), 23, 59, 60)
    south_west = Position(lat_deg=-33.8, lon_deg=-70.5, alt_m=-12.0, geoid_sep_m=-20.0)
    sentences = build_second(talker, SecondFix(label, valid, south_west, VIEW, VIEW[:7]))
    fixes = decoder.feed(b"".join(s.encode("ascii") + b"\r\n" for s in sentences))
    assert not decoder.rejects, decoder.last_reject
    labelled = [f for f in fixes if f.label is not None]
    assert {f.sentence_type for f in labelled} == {"RMC", "GGA", "ZDA"}
    assert all(f.label == UtcLabel(2016, 12, 31, 23, 59, 60, 0) for f in labelled)
    assert [f.valid for f in labelled if f.sentence_type != "ZDA"] == [valid, valid]
