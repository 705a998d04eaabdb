"""Replay of a recorded receiver log: grouping by the sentences' own seconds, gaps, leap second, corrupt lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pynmea2
import pytest

from bench.emu.gnss.emulator import GnssEmulator, ReceiverNode
from bench.emu.gnss.replay import ReplayLog
from bench.errors import InputError


def sentence(kind: str, fields: tuple[str, ...]) -> str:
    return str(getattr(pynmea2, kind)("GP", kind, fields))


def rmc(hms: str, status: str = "A") -> str:
    return sentence("RMC", (hms, status, "5230.97650", "N", "01322.66224", "E", "0.00", "", "301226", "", "", "A"))


def gga(hms: str) -> str:
    return sentence("GGA", (hms, "5230.97650", "N", "01322.66224", "E", "1", "08", "0.9", "34.0", "M", "39.6", "M",
                            "", ""))


LOG = "\n".join([
    "# Date: 2026-12-31",
    "# Serial: 4800 8N1",
    "# a comment",
    rmc("235958.00"), gga("235958.00"),
    rmc("235959.00"), gga("235959.00"), "$GPGGA,garbage*00",
    rmc("235960.00"), gga("235960.00"),
    rmc("000000.00"),
    # 00:00:01 missing: one silent step
    rmc("000002.00", "V"),
    "",
])


def test_log_groups_by_second_with_gaps_and_leap():
    log = ReplayLog.parse(LOG, "t.nmea")
    assert log.header_date is not None and log.header_date.isoformat() == "2026-12-31"
    lens = [None if s is None else len(s.sentences) for s in log.steps]
    assert lens == [2, 3, 2, 1, None, 1]
    assert [None if s is None else s.fix_valid for s in log.steps] == [True, True, True, True, None, False]
    assert log.steps[1].sentences[-1] == "$GPGGA,garbage*00"      # corrupt lines are replayed verbatim


def test_empty_or_missing_log_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no NMEA sentences"):
        ReplayLog.parse("# only a comment\n", "x")
    with pytest.raises(InputError, match="cannot read"):
        ReplayLog.load(tmp_path / "nope.nmea")


def test_emulator_plays_the_log_paced_by_its_own_seconds(tmp_path):
    path = tmp_path / "rx.nmea"
    path.write_text(LOG)
    emu = GnssEmulator(seed=1, start_utc=datetime(2026, 6, 1, tzinfo=UTC), nodes=[ReceiverNode("n1", 1)])
    emu.load_replay(str(path))
    emu.begin_scenario()
    out = []
    for k in range(10, 17):                 # replay starts at the step after it was loaded
        plan = emu.compute_step(k, frozenset())
        out.append((b"".join(emu.last_step["n1"].chunks), plan.nodes["n1"].pps_edges_ns))
    assert out[0][0].startswith(rmc("235958.00").encode()) and len(out[0][1]) == 1
    assert b"235960.00" in out[2][0]
    assert out[4] == (b"", [])              # the gap: silent, no PPS
    assert out[5][1] == []                  # status V: no PPS
    assert out[6] == (b"", [])              # past the end of the log
