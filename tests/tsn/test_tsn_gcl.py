"""802.1Qbv gate control list evaluation in simulated time."""

import pytest

from bench.emu.switch.gcl import GateEntry, GateSchedule, ScheduleError
from bench.emu.switch.wire import NEVER_NS

SCHED = GateSchedule([GateEntry(0x80, 50_000), GateEntry(0x7F, 950_000)], 1_000_000, base_time_ns=10)


def test_state_follows_entries_and_repeats_every_cycle():
    assert SCHED.state_at(10) == 0x80
    assert SCHED.state_at(10 + 49_999) == 0x80
    assert SCHED.state_at(10 + 50_000) == 0x7F
    assert SCHED.state_at(10 + 999_999) == 0x7F
    assert SCHED.state_at(10 + 1_000_000) == 0x80
    assert SCHED.state_at(9) == 0x7F  # before base time the cycle grid extends backwards


def test_open_until_and_next_open():
    assert SCHED.open_until(10, 7) == 50_010
    assert SCHED.open_until(50_010, 7) is None
    assert SCHED.open_until(50_010, 1) == 1_000_010
    assert SCHED.next_open_ns(60_000, 7) == 1_000_010
    assert SCHED.next_open_ns(20, 7) == 20
    assert SCHED.next_change_ns(10) == 50_010
    assert SCHED.longest_window_ns(7) == 50_000
    assert SCHED.longest_window_ns(0) == 950_000


def test_window_wrapping_the_cycle_end_is_merged():
    s = GateSchedule([GateEntry(0x01, 100), GateEntry(0x02, 800), GateEntry(0x01, 100)], 1000)
    assert s.longest_window_ns(0) == 200
    assert s.open_until(950, 0) == 1100


def test_disabled_schedule_is_all_open():
    s = GateSchedule.all_open()
    assert s.state_at(123) == 0xFF
    assert s.open_until(5, 3) == NEVER_NS
    assert s.next_change_ns(5) == NEVER_NS


def test_config_change_time():
    s = GateSchedule([GateEntry(0xFF, 1000)], 1000, base_time_ns=5_000)
    assert s.config_change_time_ns(100) == 5_000
    assert s.config_change_time_ns(5_001) == 6_000
    assert s.config_change_time_ns(7_000) == 7_000


@pytest.mark.parametrize("entries,cycle,msg", [
    ([GateEntry(0x80, 50), GateEntry(0x7F, 40)], 100, "add up to 90 ns but the cycle time is 100"),
    ([GateEntry(0x180, 100)], 100, "outside 0..255"),
    ([GateEntry(0x80, 0), GateEntry(0x80, 100)], 100, "must be positive"),
])
def test_invalid_lists_are_rejected(entries, cycle, msg):
    with pytest.raises(ScheduleError, match=msg):
        GateSchedule(entries, cycle)
