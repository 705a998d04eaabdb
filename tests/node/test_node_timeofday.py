"""UTC labels -> the node's continuous count: leap seconds (seen or missed), week rollover, label choice."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bench.node.timeofday import WEEK_ROLLOVER_S, TimeOfDay, choose_step_label, label_iso
from tests.node.node_harness import Fix, Label, label_of

NS = 1_000_000_000
START = datetime(2026, 6, 30, 23, 59, 58, tzinfo=UTC)


def test_plain_labels_count_seconds_from_start_with_fraction() -> None:
    tod = TimeOfDay(datetime(2026, 6, 1, tzinfo=UTC))
    assert tod.raw_ns(Label(2026, 6, 1, 0, 0, 0)) == 0
    assert tod.continuous_ns(Label(2026, 6, 2, 1, 2, 3, 250_000_000)) == (86400 + 3723) * NS + 250_000_000


def test_leap_second_keeps_the_count_continuous() -> None:
    tod = TimeOfDay(START)
    labels = [label_of(START, n, date(2026, 6, 30)) for n in range(5)]
    assert [(lb.hour, lb.minute, lb.second) for lb in labels] == [(23, 59, 58), (23, 59, 59), (23, 59, 60),
                                                                  (0, 0, 0), (0, 0, 1)]
    assert [tod.continuous_ns(lb) for lb in labels] == [n * NS for n in range(5)]
    assert tod.leap_seconds == 1 and tod.leaps_inferred == 0


def test_missed_2359_60_is_inferred_from_the_clock_at_month_start() -> None:
    tod = TimeOfDay(START)
    assert tod.continuous_ns(Label(2026, 6, 30, 23, 59, 59), 1.0 * NS) == NS
    # the 23:59:60 sentence was lost; 00:00:00 names continuous second 3 by the node's own clock
    assert tod.continuous_ns(Label(2026, 7, 1, 0, 0, 0), 3.0 * NS + 20) == 3 * NS
    assert tod.leap_seconds == 1 and tod.leaps_inferred == 1
    # not at a month start: a 1 s discrepancy is left to the jump logic
    tod2 = TimeOfDay(datetime(2026, 6, 1, tzinfo=UTC))
    assert tod2.continuous_ns(Label(2026, 6, 1, 12, 0, 0), 43201.0 * NS) == 43200 * NS
    assert tod2.leap_seconds == 0


def test_week_rollover_date_is_corrected_with_and_without_a_clock() -> None:
    start = datetime(2026, 6, 1, tzinfo=UTC)
    rolled = Label(2006, 10, 16, 0, 0, 5)  # 2026-06-01 minus 1024 weeks (7168 days)
    tod = TimeOfDay(start)
    assert tod.raw_ns(rolled) == 5 * NS - WEEK_ROLLOVER_S * NS
    assert tod.continuous_ns(rolled) == 5 * NS
    assert tod.continuous_ns(rolled, 5.0 * NS) == 5 * NS
    assert tod.rollovers_corrected == 2
    # a plain label far in the past that is not a rollover is left alone
    assert tod.continuous_ns(Label(2010, 1, 1, 0, 0, 0)) < 0


def test_step_label_is_the_majority_and_valid_only_if_all_its_fixes_are() -> None:
    old, new = Label(2026, 6, 1, 0, 0, 4), Label(2026, 6, 1, 0, 0, 5)
    chosen = choose_step_label([Fix(old), Fix(new), Fix(new, valid=False), Fix(None)])
    assert chosen is not None and chosen.label == new and not chosen.valid and chosen.conflicting == 1
    tie = choose_step_label([Fix(new), Fix(old)])
    assert tie is not None and tie.label == new and tie.valid
    assert choose_step_label([Fix(None)]) is None
    assert choose_step_label([]) is None


def test_label_iso() -> None:
    assert label_iso(Label(2026, 6, 30, 23, 59, 60)) == "2026-06-30T23:59:60Z"
    assert label_iso(Label(2026, 6, 30, 1, 2, 3, 250_000_000)) == "2026-06-30T01:02:03.25Z"
