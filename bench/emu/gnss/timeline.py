"""Scenario time labels: continuous seconds -> UTC labels with inserted leap seconds, GPS time.

Why: the kernel counts continuous seconds (like GPS time); the receiver names each second in UTC,
where an inserted leap second shows as ``23:59:60`` and shifts every later label by one. Keeping
that mapping in one small, tested place is what makes the leap-second fault exact.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

GPS_MINUS_UTC_S = 18          # since 2017-01-01
WEEK_ROLLOVER_DAYS = 1024 * 7


@dataclass(frozen=True)
class UtcLabel:
    """A UTC time label of one whole second; ``second`` may be 60 during a leap second."""

    day: date
    hour: int
    minute: int
    second: int

    def iso(self) -> str:
        return f"{self.day.isoformat()}T{self.hour:02d}:{self.minute:02d}:{self.second:02d}Z"

    def shifted_days(self, days: int) -> UtcLabel:
        return UtcLabel(self.day + timedelta(days=days), self.hour, self.minute, self.second)


class Timeline:
    """Maps continuous scenario seconds ``n`` (0 = ``start_utc``) to UTC labels."""

    def __init__(self, start_utc: datetime, leap_dates: list[date] | None = None,
                 gps_minus_utc_s: int = GPS_MINUS_UTC_S) -> None:
        if start_utc.tzinfo is None:
            raise ValueError("start_utc must be timezone-aware")
        start_utc = start_utc.astimezone(UTC)
        if start_utc.microsecond:
            raise ValueError(f"start_utc must be a whole second, got {start_utc.isoformat()}")
        self.start_utc = start_utc
        self.start_posix_s = calendar.timegm(start_utc.timetuple())
        self.gps_minus_utc_s = gps_minus_utc_s
        self._leaps: list[date] = []
        for d in leap_dates or []:
            self.add_leap(d)

    @property
    def leap_dates(self) -> list[date]:
        return list(self._leaps)

    def add_leap(self, day: date) -> None:
        """Insert a positive leap second at the end of UTC day ``day`` (after 23:59:59)."""
        midnight = calendar.timegm((day + timedelta(days=1)).timetuple())
        if midnight <= self.start_posix_s:
            raise ValueError(f"leap second at the end of {day.isoformat()} is before the scenario start "
                             f"{self.start_utc.isoformat()}")
        if day not in self._leaps:
            self._leaps.append(day)
            self._leaps.sort()

    def clear_leaps(self) -> None:
        self._leaps.clear()

    def leap_second_n(self, day: date) -> int:
        """The continuous second whose label is ``day 23:59:60``."""
        offset = 0
        for leap in self._leaps:
            midnight = calendar.timegm((leap + timedelta(days=1)).timetuple())
            if leap == day:
                return midnight - self.start_posix_s + offset
            offset += 1
        raise ValueError(f"no leap second scheduled for {day.isoformat()}")

    def label(self, n: int) -> UtcLabel:
        """The UTC label of continuous second ``n``."""
        c = self.start_posix_s + n
        offset = 0
        for leap in self._leaps:
            c_leap = calendar.timegm((leap + timedelta(days=1)).timetuple()) + offset
            if c < c_leap:
                break
            if c == c_leap:
                return UtcLabel(leap, 23, 59, 60)
            offset += 1
        t = datetime.fromtimestamp(c - offset, tz=UTC)
        return UtcLabel(t.date(), t.hour, t.minute, t.second)

    def leaps_before(self, n: int) -> int:
        """Leap seconds inserted strictly before continuous second ``n`` (including one at ``n``)."""
        count = 0
        c = self.start_posix_s + n
        for i, leap in enumerate(self._leaps):
            if c >= calendar.timegm((leap + timedelta(days=1)).timetuple()) + i:
                count += 1
        return count

    def gps_time(self, n: int) -> datetime:
        """GPS time (continuous, no leaps) of second ``n`` as a naive-free aware datetime."""
        return self.start_utc + timedelta(seconds=n + self.gps_minus_utc_s)
