"""The GNSS receiver model: time labels, sentences, and every fault's effect on what a node receives."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pynmea2
import pytest

from bench.emu.gnss.emulator import GnssEmulator, ReceiverNode
from bench.emu.gnss.faults import Fault
from bench.emu.gnss.timeline import Timeline
from bench.errors import InputError
from bench.sim.rng import step_rng, stream

START = datetime(2026, 6, 30, 23, 40, tzinfo=UTC)   # the default profile: leap midnight 20 min in
NS = 1_000_000_000


def emulator(**kw) -> GnssEmulator:
    return GnssEmulator(seed=kw.pop("seed", 5), start_utc=kw.pop("start_utc", START),
                        nodes=[ReceiverNode("node1", 1), ReceiverNode("node2", 2)], **kw)


def run(emu: GnssEmulator, ks, node: str = "node1"):
    """(k, edges, decoded lines) for each k, as the node would receive them."""
    emu.begin_scenario()
    out = []
    for k in ks:
        plan = emu.compute_step(k, frozenset())
        raw = b"".join(emu.last_step[node].chunks)
        out.append((k, plan.nodes[node].pps_edges_ns, raw))
    return out


def parsed(raw: bytes) -> list[pynmea2.NMEASentence]:
    return [pynmea2.parse(line, check=True) for line in raw.decode("ascii").split("\r\n") if line]


# -- rng -----------------------------------------------------------------------------------------
def test_rng_streams_are_keyed_and_reproducible():
    assert stream(1, 2, "a").random() == stream(1, 2, "a").random()
    assert stream(1, 2, "a").random() != stream(1, 2, "b").random()
    assert step_rng(1, 2, "a", 5).random() == step_rng(1, 2, "a", 5).random()
    assert step_rng(1, 2, "a", 5).random() != step_rng(1, 2, "a", 6).random()
    assert step_rng(1, 1, "a", 5).random() != step_rng(1, 2, "a", 5).random()


# -- timeline --------------------------------------------------------------------------------------
def test_leap_second_label_and_later_labels_one_behind():
    tl = Timeline(START, [date(2026, 6, 30)])
    assert tl.leap_second_n(date(2026, 6, 30)) == 1200
    assert tl.label(1199).iso() == "2026-06-30T23:59:59Z"
    assert tl.label(1200).iso() == "2026-06-30T23:59:60Z"
    assert tl.label(1201).iso() == "2026-07-01T00:00:00Z"
    assert tl.label(1261).iso() == "2026-07-01T00:01:00Z"
    assert Timeline(START).label(1200).iso() == "2026-07-01T00:00:00Z"
    assert tl.gps_time(0) == datetime(2026, 6, 30, 23, 40, 18, tzinfo=UTC)


def test_leap_second_before_start_is_an_error():
    with pytest.raises(ValueError, match="before the scenario start"):
        Timeline(START, [date(2026, 6, 29)])


# -- sentences -------------------------------------------------------------------------------------
def test_every_second_has_valid_rmc_gga_gsa_gsv_zda_with_the_right_time():
    emu = emulator(talker="GN")
    for k, edges, raw in run(emu, range(3)):
        msgs = parsed(raw)          # check=True: every checksum valid
        kinds = [m.sentence_type for m in msgs]
        assert kinds[:3] == ["RMC", "GGA", "GSA"] and kinds[-1] == "ZDA" and "GSV" in kinds
        assert msgs[0].talker == "GN"
        rmc, gga, zda = msgs[0], msgs[1], msgs[-1]
        assert rmc.status == "A" and int(gga.gps_qual) == 1 and int(gga.num_sats) >= 4
        assert rmc.datetime.replace(tzinfo=UTC) == datetime(2026, 6, 30, 23, 40, k, tzinfo=UTC)
        assert (zda.day, zda.month, zda.year) == (30, 6, 2026)
        assert abs(rmc.latitude - 52.516275) < 1e-6 and abs(rmc.longitude - 13.377704) < 1e-6
        assert all(len(line) + 2 <= 82 for line in raw.decode().split("\r\n") if line)
        assert len(edges) == 1 and abs(edges[0] - k * NS) <= 2      # 4 ns quantisation: within ±2 ns


def test_quantisation_error_is_uniform_over_the_configured_width():
    emu = emulator(quantization_ns=20.0)
    errs = np.array([e[0] - k * NS for k, e, _ in run(emu, range(400))])
    assert errs.min() >= -10 and errs.max() <= 10
    assert 4.0 < errs.std() < 7.5          # uniform of width 20: 5.8 ns


def test_low_power_loses_the_fix():
    emu = emulator(power_dbm=-160.0)
    (_, edges, raw), = run(emu, [0])
    assert edges == [] and parsed(raw)[0].status == "V"


# -- faults ------------------------------------------------------------------------------------------
def test_outage_gives_status_v_no_fix_and_no_pps_for_its_duration_only():
    emu = emulator()
    emu.inject("outage", start_s=2, duration_s=3, node="node1")
    res = run(emu, range(7))
    for k, edges, raw in res:
        rmc, gga = parsed(raw)[:2]
        in_outage = 2 <= k < 5
        assert (edges == []) == in_outage
        assert rmc.status == ("V" if in_outage else "A")
        assert (int(gga.gps_qual) == 0) == in_outage
    other = run(emulator(), [3], node="node2")
    assert other[0][1] != []


def test_time_jump_whole_seconds_shifts_labels_not_pps():
    emu = emulator()
    emu.inject("time_jump", start_s=1, duration_s=2, delta_ns=5 * NS)
    res = run(emu, range(4))
    labels = [parsed(raw)[0].timestamp.second for _, _, raw in res]
    assert labels == [0, 6, 7, 3]
    assert all(abs(e[0] - k * NS) <= 2 for k, e, _ in res)


def test_time_jump_sub_second_moves_the_pps_and_names_the_next_second():
    emu = emulator()
    emu.inject("time_jump", start_s=1, duration_s=1, delta_ns=1_000_000)     # +1 ms
    res = run(emu, range(3))
    k, edges, raw = res[1]
    assert abs(edges[0] - (2 * NS - 1_000_000)) <= 2
    assert parsed(raw)[0].timestamp.second == 2


def test_leap_second_shows_235960_at_the_announced_midnight():
    emu = emulator()
    emu.add_leap_second(date(2026, 6, 30))
    res = run(emu, [1199, 1200, 1201])
    stamps = [raw.decode().split("\r\n")[0].split(",")[1] for _, _, raw in res]
    assert stamps == ["235959.00", "235960.00", "000000.00"]
    assert [parsed(raw)[0].datestamp.day for _, _, raw in res] == [30, 30, 1]
    assert all(len(e) == 1 for _, e, _ in res)


def test_week_rollover_bug_reports_a_date_1024_weeks_back():
    emu = emulator()
    emu.inject("week_rollover", start_s=0, duration_s=1)
    res = run(emu, range(2))
    buggy, good = parsed(res[0][2]), parsed(res[1][2])
    assert buggy[-1].year == 2006 and (buggy[-1].month, buggy[-1].day) == (11, 14)
    assert good[-1].year == 2026
    assert (datetime(2026, 6, 30) - datetime(2006, 11, 14)).days == 7168


@pytest.mark.parametrize("mode", ["bitflip", "bad_checksum", "no_checksum", "truncate", "garbage"])
def test_corruption_breaks_sentences_for_a_strict_parser(mode):
    emu = emulator()
    emu.inject("nmea_corruption", start_s=0, duration_s=5, mode=mode, rate=1.0)
    for _, _, raw in run(emu, range(5)):
        good = 0
        for line in raw.split(b"\r\n"):
            try:
                pynmea2.parse(line.decode("ascii"), check=True)
                good += 1
            except (pynmea2.ParseError, UnicodeDecodeError, ValueError):
                pass
        if mode == "garbage":
            assert raw.count(b"$G") >= 7        # sentences survive behind the junk
        else:
            assert good == 0, (mode, raw)


def test_oversize_and_split_modes():
    emu = emulator()
    emu.inject("nmea_corruption", start_s=0, duration_s=1, mode="oversize", rate=1.0)
    (_, _, raw), = run(emu, [0])
    assert all(len(line) + 2 > 82 for line in raw.split(b"\r\n") if line)
    emu = emulator()
    emu.inject("nmea_corruption", start_s=0, duration_s=1, mode="split", rate=1.0)
    plain = run(emulator(), [0])[0][2]
    emu.begin_scenario()
    emu.compute_step(0, frozenset())
    chunks = emu.last_step["node1"].chunks
    assert len(chunks) > 7 and b"".join(chunks) == plain      # same bytes, many writes


def test_split_across_steps_carries_the_tail_into_the_next_second():
    emu = emulator()
    emu.inject("nmea_corruption", start_s=0, duration_s=1, mode="split_step", rate=1.0)
    emu.begin_scenario()
    emu.compute_step(0, frozenset())
    first = b"".join(emu.last_step["node1"].chunks)
    emu.compute_step(1, frozenset())
    second = b"".join(emu.last_step["node1"].chunks)
    assert not first.endswith(b"\r\n")
    tail, _, rest = second.partition(b"\r\n")
    assert (first.rsplit(b"\r\n", 1)[-1] + tail).startswith(b"$GPZDA")
    assert rest.startswith(b"$GPRMC")


def test_pps_jitter_missing_extra_and_cable_delay():
    emu = emulator()
    emu.inject("pps_jitter", start_s=0, duration_s=300, sigma_ns=100.0)
    errs = np.array([e[0] - k * NS for k, e, _ in run(emu, range(300))])
    assert 80 < errs.std() < 120

    emu = emulator()
    emu.inject("pps_missing", start_s=1, duration_s=2)
    assert [len(e) for _, e, _ in run(emu, range(4))] == [1, 0, 0, 1]

    emu = emulator()
    emu.inject("pps_extra", start_s=0, duration_s=1, offset_ns=300_000_000)
    (_, edges, _), = run(emu, [0])
    assert len(edges) == 2 and edges[1] == 300_000_000

    emu = emulator(cable_delay_ns=250.0)
    emu.inject("cable_delay", start_s=0, duration_s=50, delay_ns=1000.0)
    errs = np.array([e[0] - k * NS for k, e, _ in run(emu, range(50))])
    assert abs(errs.mean() - 1250) < 2


def test_fault_start_and_end_are_logged_at_their_steps(tmp_path):
    from bench.store.events import EventLog, read_events
    log = EventLog(tmp_path / "events.jsonl")
    emu = emulator(events=log)
    emu.inject("outage", start_s=2, duration_s=3)
    run(emu, range(6))
    ev = [(e["fault"], e["phase"], e["sim_time_ns"]) for e in read_events(tmp_path) if e["kind"] == "fault"]
    assert ev == [("outage", "start", 2 * NS), ("outage", "end", 5 * NS)]


def test_bad_fault_requests_are_clear_errors():
    with pytest.raises(InputError, match="unknown GNSS fault 'meteor'"):
        Fault.make("meteor")
    with pytest.raises(InputError, match="delta_ns is required"):
        Fault.make("time_jump", 0, 1)
    with pytest.raises(InputError, match="mode 'smash'"):
        Fault.make("nmea_corruption", 0, 1, mode="smash")
    with pytest.raises(InputError, match="unknown parameter"):
        Fault.make("outage", 0, 1, strength=3)
    with pytest.raises(InputError, match="unknown node 'node9'"):
        emulator().inject("outage", 0, 1, node="node9")
