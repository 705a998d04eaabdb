"""IEEE 802.1Qbv gate control list, evaluated in simulated time.

A schedule is a base time, a cycle time and a list of (gate states, interval) entries; bit ``i`` of
the gate states is traffic class ``i`` (1 = open). The list repeats every cycle, aligned so that a
cycle starts at ``base_time_ns + k * cycle_time_ns`` for every integer ``k``. A disabled schedule
(``gate-enabled`` false) keeps every gate open. The intervals must add up to the cycle exactly; the
NETCONF server rejects anything else, so the model never has to guess what a short list means.

A frame may start only if its gate stays open until its last bit is sent (the guard band of
802.1Qbv 8.6.8.4); ``open_until`` answers that in O(entries) without stepping through time.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from bench.emu.switch.wire import NEVER_NS

ALL_OPEN = 0xFF
NUM_CLASSES = 8


class ScheduleError(ValueError):
    """A gate control list that cannot be run (message says which field and why)."""


@dataclass(frozen=True, slots=True)
class GateEntry:
    """One ``set-gate-states`` entry."""

    gate_states: int
    interval_ns: int


class GateSchedule:
    """An operational gate control list."""

    def __init__(self, entries: list[GateEntry] | None = None, cycle_time_ns: int | None = None,
                 base_time_ns: int = 0, enabled: bool = True) -> None:
        entries = list(entries or [])
        if not entries:
            entries = [GateEntry(ALL_OPEN, cycle_time_ns or 1_000_000)]
        if cycle_time_ns is None:
            cycle_time_ns = sum(e.interval_ns for e in entries)
        if cycle_time_ns <= 0:
            raise ScheduleError(f"cycle time must be positive, got {cycle_time_ns} ns")
        for i, e in enumerate(entries):
            if not 0 <= e.gate_states <= 0xFF:
                raise ScheduleError(f"entry {i}: gate-states-value {e.gate_states} is outside 0..255")
            if e.interval_ns <= 0:
                raise ScheduleError(f"entry {i}: time-interval-value must be positive, got {e.interval_ns} ns")
        total = sum(e.interval_ns for e in entries)
        if total != cycle_time_ns:
            raise ScheduleError(f"gate intervals add up to {total} ns but the cycle time is {cycle_time_ns} ns")
        self.entries = tuple(entries)
        self.cycle_time_ns = cycle_time_ns
        self.base_time_ns = base_time_ns
        self.enabled = enabled
        self._starts: list[int] = []
        acc = 0
        for e in self.entries:
            self._starts.append(acc)
            acc += e.interval_ns
        self._always_open = [not enabled or all(e.gate_states >> tc & 1 for e in self.entries)
                             for tc in range(NUM_CLASSES)]
        self._max_window = [self._longest_window(tc) for tc in range(NUM_CLASSES)]

    @classmethod
    def all_open(cls) -> GateSchedule:
        return cls(enabled=False)

    def _longest_window(self, tc: int) -> int:
        if self._always_open[tc]:
            return NEVER_NS
        best = run = 0
        for e in self.entries + self.entries:  # twice: a window may wrap around the cycle end
            if e.gate_states >> tc & 1:
                run += e.interval_ns
                best = max(best, run)
            else:
                run = 0
        return best

    def _index(self, t_ns: int) -> tuple[int, int]:
        """(entry index, start time of that entry) for the entry active at ``t_ns``."""
        pos = (t_ns - self.base_time_ns) % self.cycle_time_ns
        idx = bisect.bisect_right(self._starts, pos) - 1
        return idx, t_ns - pos + self._starts[idx]

    def state_at(self, t_ns: int) -> int:
        """Gate states (bit i = class i open) in force at ``t_ns``."""
        if not self.enabled:
            return ALL_OPEN
        return self.entries[self._index(t_ns)[0]].gate_states

    def always_open(self, tc: int) -> bool:
        return self._always_open[tc]

    def longest_window_ns(self, tc: int) -> int:
        """The longest time class ``tc``'s gate stays open in one stretch (``NEVER_NS``: always)."""
        return self._max_window[tc]

    def open_until(self, t_ns: int, tc: int) -> int | None:
        """If class ``tc``'s gate is open at ``t_ns``: the time it next closes (``NEVER_NS`` if never).

        ``None`` if it is closed at ``t_ns``.
        """
        if self._always_open[tc]:
            return NEVER_NS
        idx, start = self._index(t_ns)
        n = len(self.entries)
        if not self.entries[idx].gate_states >> tc & 1:
            return None
        end = start + self.entries[idx].interval_ns
        for k in range(1, n):
            e = self.entries[(idx + k) % n]
            if not e.gate_states >> tc & 1:
                break
            end += e.interval_ns
        return end

    def next_change_ns(self, t_ns: int) -> int:
        """The first entry boundary strictly after ``t_ns``."""
        if not self.enabled:
            return NEVER_NS
        idx, start = self._index(t_ns)
        return start + self.entries[idx].interval_ns

    def next_open_ns(self, t_ns: int, tc: int) -> int:
        """The first time >= ``t_ns`` at which class ``tc``'s gate is open (``NEVER_NS`` if never)."""
        if self._always_open[tc]:
            return t_ns
        if self._max_window[tc] == 0:
            return NEVER_NS
        idx, start = self._index(t_ns)
        if self.entries[idx].gate_states >> tc & 1:
            return t_ns
        n = len(self.entries)
        t = start + self.entries[idx].interval_ns
        for k in range(1, n + 1):
            e = self.entries[(idx + k) % n]
            if e.gate_states >> tc & 1:
                return t
            t += e.interval_ns
        return NEVER_NS

    def config_change_time_ns(self, now_ns: int) -> int:
        """802.1Qbv 8.6.9.1.1: the base time if it is not in the past, else the first cycle start >= now."""
        if self.base_time_ns >= now_ns:
            return self.base_time_ns
        k = -(-(now_ns - self.base_time_ns) // self.cycle_time_ns)
        return self.base_time_ns + k * self.cycle_time_ns
