"""Turning the NMEA UTC labels of one second into the node's continuous time count.

Why this exists: NMEA names the second of a PPS edge in UTC, which repeats itself at a leap second
(``23:59:60``) and is wrong by 1024 weeks from a receiver with the GPS week-rollover bug, while the
node's clock counts continuously (docs/simulation.md: count = label − start_utc + leap seconds inserted
since). Keeping this mapping apart from the servo makes the leap-second and rollover rules testable
with bare labels.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

from bench.nmea.parser import TimeFix, UtcLabel

NS_PER_S = 1_000_000_000
WEEK_ROLLOVER_S = 1024 * 7 * 86_400
ROLLOVER_TOLERANCE_S = 2 * 86_400


@dataclass(frozen=True)
class StepLabel:
    """The one label the node takes for a step, and whether the receiver called its fix valid."""

    label: UtcLabel
    valid: bool
    conflicting: int  # fixes of this step that named another second


def label_key(label: UtcLabel) -> tuple[int, int, int, int, int, int, int]:
    return (label.year, label.month, label.day, label.hour, label.minute, label.second, label.nanosecond)


def label_iso(label: UtcLabel) -> str:
    frac = f".{label.nanosecond:09d}".rstrip("0") if label.nanosecond else ""
    return (f"{label.year:04d}-{label.month:02d}-{label.day:02d}T{label.hour:02d}:{label.minute:02d}:"
            f"{label.second:02d}{frac}Z")


def choose_step_label(fixes: list[TimeFix]) -> StepLabel | None:
    """The label of this step: the one most fixes name (ties: the latest); valid only if all its fixes are.

    A sentence of the previous second split across writes can arrive in this step; the majority
    rule keeps it from naming the wrong second.
    """
    labelled = [f for f in fixes if f.label is not None]
    if not labelled:
        return None
    votes = Counter(label_key(f.label) for f in labelled)  # type: ignore[arg-type]
    best_key = max(votes, key=lambda key: (votes[key], key))
    chosen = [f for f in labelled if label_key(f.label) == best_key]  # type: ignore[arg-type]
    return StepLabel(label=chosen[-1].label, valid=all(f.valid for f in chosen),  # type: ignore[arg-type]
                     conflicting=len(labelled) - len(chosen))


class TimeOfDay:
    """Maps UTC labels to ns of the continuous count since ``start_utc``, tracking leap seconds."""

    def __init__(self, start_utc: datetime) -> None:
        start = start_utc.astimezone(UTC)
        self.start_epoch_s = calendar.timegm(start.timetuple())
        self.start_fraction_ns = start.microsecond * 1000
        self.leap_seconds = 0
        self.rollovers_corrected = 0
        self.leaps_inferred = 0

    def raw_ns(self, label: UtcLabel) -> int:
        """``label − start_utc`` in ns, with ``23:59:60`` counted as the second after ``23:59:59``."""
        second = min(label.second, 59)
        epoch_s = calendar.timegm((label.year, label.month, label.day, label.hour, label.minute, second, 0, 0, 0))
        if label.second == 60:
            epoch_s += 1
        return (epoch_s - self.start_epoch_s) * NS_PER_S + label.nanosecond - self.start_fraction_ns

    def continuous_ns(self, label: UtcLabel, clock_estimate_ns: float | None = None) -> int:
        """The continuous count (ns) of the second ``label`` names; updates the leap-second count.

        ``clock_estimate_ns`` (the node's own reading at the PPS edge, if it trusts it) lets the node
        correct a 1024-week rollover date and notice a leap second whose ``23:59:60`` it never saw.
        """
        raw = self.raw_ns(label)
        raw = self._unroll(raw, clock_estimate_ns)
        count = raw + self.leap_seconds * NS_PER_S
        if clock_estimate_ns is not None and label.hour == 0 and label.minute == 0 and label.second == 0 \
                and label.day == 1:
            # a missed 23:59:60 shows as the label falling exactly one second behind at month start
            behind_ns = clock_estimate_ns - count
            if abs(behind_ns - NS_PER_S) < NS_PER_S / 4:
                self.leap_seconds += 1
                self.leaps_inferred += 1
                count += NS_PER_S
            elif abs(behind_ns + NS_PER_S) < NS_PER_S / 4:
                self.leap_seconds -= 1
                self.leaps_inferred += 1
                count -= NS_PER_S
        if label.second == 60:
            self.leap_seconds += 1  # every later label is one second behind the continuous count
        return count

    def _unroll(self, raw_ns: int, clock_estimate_ns: float | None) -> int:
        """Undo a GPS week-rollover bug: a date N × 1024 weeks in the past (N = 1..3)."""
        reference_ns = clock_estimate_ns if clock_estimate_ns is not None else 0.0
        if raw_ns - reference_ns > -(WEEK_ROLLOVER_S - ROLLOVER_TOLERANCE_S) * NS_PER_S:
            return raw_ns
        for weeks_1024 in (1, 2, 3):
            shifted = raw_ns + weeks_1024 * WEEK_ROLLOVER_S * NS_PER_S
            if clock_estimate_ns is None:
                plausible = shifted > -ROLLOVER_TOLERANCE_S * NS_PER_S
            else:
                plausible = abs(shifted - clock_estimate_ns) < ROLLOVER_TOLERANCE_S * NS_PER_S
            if plausible:
                self.rollovers_corrected += 1
                return shifted
        return raw_ns
