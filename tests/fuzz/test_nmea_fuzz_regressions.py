"""Minimal examples the fuzzing found, kept as regression tests (one per finding).

1. ``valid_exact`` (first campaign): a stream ``GSA`` (second 23:59:59) then ``GGA 000000``; the decoder,
   told the date of the stream's *start*, labelled the GGA with the old day because no sentence had
   shown it the time of day before midnight. Resolution: ``default_date`` is the date of the first
   labelled sentence (as a gpsfake ``# Date:`` header gives it); strategies and docs now say so.
2. Same property, next shrink: ``RMC,235959,V,...,date D`` then ``GGA 000000``: an invalid RMC did not
   update the decoder's date/time-of-day state, so the GGA after midnight kept day D. Fixed in the
   parser: every dated RMC moves the state (its label is marked invalid anyway).
"""

from __future__ import annotations

import datetime as dt

from bench.nmea.parser import NmeaDecoder, TimeFix, UtcLabel, nmea_checksum
from bench.nmea.properties import FuzzCase, check_case


def s(body: str) -> bytes:
    return f"${body}*{nmea_checksum(body)}\r\n".encode()


GSA = s("GPGSA,A,1,,,,,,,,,,,,,,,")
GGA0 = s("GPGGA,000000,,,,,0,,,,,,,,")


def test_default_date_is_the_date_of_the_first_labelled_sentence() -> None:
    decoder = NmeaDecoder(default_date=dt.date(1999, 8, 22))
    fixes = decoder.feed(GSA + GGA0)
    assert fixes[1].label == UtcLabel(1999, 8, 22, 0, 0, 0, 0)


def test_invalid_rmc_before_midnight_still_dates_the_gga_after_it() -> None:
    case = FuzzCase(
        "valid_exact", (s("GPRMC,235959,V,,,,,,,210899,,") + GGA0,), dt.date(1999, 8, 21),
        (TimeFix(UtcLabel(1999, 8, 21, 23, 59, 59, 0), False, "GP", "RMC"),
         TimeFix(UtcLabel(1999, 8, 22, 0, 0, 0, 0), False, "GP", "GGA")), {},
    )
    check_case(case)
