"""Example-based tests of the NMEA decoder: each reject reason, dates, leap second, stream framing."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.errors import InputError
from bench.nmea.parser import NmeaDecoder, NmeaReject, TimeFix, UtcLabel, decode_line, nmea_checksum


def sentence(body: str, end: str = "\r\n") -> str:
    return f"${body}*{nmea_checksum(body)}{end}"


RMC = "GPRMC,235959.50,A,4807.038,N,01131.000,E,022.4,084.4,311216,003.1,W"
GGA = "GPGGA,235960.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"
ZDA = "GNZDA,120000.000,29,02,2024,00,00"
GNS = "GNGNS,014035.00,4332.69262,S,17235.48549,W,RRNN,13,0.9,25.63,11.24,,,V"
GSA = "GPGSA,A,3,04,05,,09,12,,,24,,,,,2.5,1.3,2.1"
GSV = "GLGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00"


def reason_of(line: str, **kw: object) -> str:
    with pytest.raises(NmeaReject) as info:
        NmeaDecoder(**kw).decode_line(line)  # type: ignore[arg-type]
    return info.value.reason


def test_rmc_label_keeps_fraction_and_pivots_year() -> None:
    fix = decode_line(sentence(RMC))
    assert fix == TimeFix(UtcLabel(2016, 12, 31, 23, 59, 59, 500_000_000), True, "GP", "RMC")
    assert fix.label is not None and fix.label.isoformat() == "2016-12-31T23:59:59.50Z"
    assert decode_line(sentence(RMC.replace("311216", "010169"))).label.year == 1969  # type: ignore[union-attr]
    assert decode_line(sentence(RMC.replace("311216", "010168"))).label.year == 2068  # type: ignore[union-attr]


def test_leap_second_is_legal_only_at_2359() -> None:
    fix = decode_line(sentence(GGA), default_date=dt.date(2016, 12, 31))
    assert fix.label == UtcLabel(2016, 12, 31, 23, 59, 60, 0) and fix.valid
    assert reason_of(sentence(GGA.replace("235960", "125960"))) == "range"


@pytest.mark.parametrize("bad_time", ["240000", "236000", "235961", "12345", "12a456", "120000.1234567890"])
def test_bad_times_are_rejected(bad_time: str) -> None:
    assert reason_of(sentence(RMC.replace("235959.50", bad_time))) in ("range", "field_value")


@pytest.mark.parametrize("bad_date", ["321216", "001216", "311316", "300217", "3112161"])
def test_bad_dates_are_rejected(bad_date: str) -> None:
    assert reason_of(sentence(RMC.replace("311216", bad_date))) in ("range", "field_value")


def test_zda_dates_and_feb29() -> None:
    fix = decode_line(sentence(ZDA))
    assert fix.label == UtcLabel(2024, 2, 29, 12, 0, 0, 0) and fix.valid and fix.talker == "GN"
    assert reason_of(sentence(ZDA.replace("2024", "2023"))) == "range"
    assert reason_of(sentence(ZDA.replace("2024", "24"))) == "field_value"
    assert reason_of(sentence(ZDA.replace(",29,", ",32,"))) == "range"


def test_gga_without_any_date_has_no_label_and_quality_zero_is_invalid() -> None:
    fix = decode_line(sentence(GGA))
    assert fix.label is None and fix.valid
    fix0 = decode_line(sentence(GGA.replace(",E,1,", ",E,0,")), default_date=dt.date(2020, 1, 1))
    assert fix0.label is not None and not fix0.valid
    assert reason_of(sentence(GGA.replace(",E,1,", ",E,9,"))) == "range"


def test_gns_mode_and_southern_western_hemispheres() -> None:
    fix = decode_line(sentence(GNS), default_date=dt.date(2020, 1, 1))
    assert fix.label == UtcLabel(2020, 1, 1, 1, 40, 35, 0) and fix.valid
    assert not decode_line(sentence(GNS.replace("RRNN", "NN")), default_date=dt.date(2020, 1, 1)).valid
    assert reason_of(sentence(GNS.replace("RRNN", "RX"))) == "field_value"


def test_gsa_gsv_accepted_without_time() -> None:
    decoder = NmeaDecoder()
    fixes = decoder.feed((sentence(GSA) + sentence(GSV)).encode())
    assert [(f.label, f.sentence_type) for f in fixes] == [(None, "GSA"), (None, "GSV")]
    assert decoder.accepted == {"GSA": 1, "GSV": 1} and not decoder.rejects


def test_empty_time_rmc_is_a_labelless_invalid_fix() -> None:
    fix = decode_line(sentence("GPRMC,,V,,,,,,,,,,N"))
    assert fix.label is None and not fix.valid


@pytest.mark.parametrize(("line", "reason"), [
    (sentence(RMC).replace("*", "#"), "missing_checksum"),
    (f"${RMC}\r\n", "missing_checksum"),
    (f"${RMC}*00\r\n", "checksum"),
    (f"${RMC}*4\r\n", "checksum_format"),
    (sentence("GPTXT,01,01,02,hello"), "unknown_type"),
    (sentence("PUBX,00,1"), "unknown_type"),
    (sentence("gprmc" + RMC[5:]), "framing"),
    (sentence(RMC + ",A,S,X"), "field_count"),
    (sentence("GPZDA,120000,01,01"), "field_count"),
    (sentence(RMC.replace(",A,", ",X,")), "field_value"),
    (sentence(RMC.replace("4807.038", "9107.038")), "range"),
    (sentence(RMC.replace("4807.038", "48.07038")), "field_value"),
    (sentence(RMC.replace("022.4", "fast")), "field_value"),
    (sentence(GSV.replace("3,1,11", "3,4,11")), "range"),
    (sentence(RMC).replace("\r\n", "\x00\r\n"), "control_char"),
    (sentence(RMC).replace(",A,", ",A\r,"), "framing"),
    ("$GPRMC,é*00\r\n", "non_ascii"),
])
def test_reject_reasons(line: str, reason: str) -> None:
    assert reason_of(line) == reason


def test_lowercase_checksum_is_rejected_and_reject_is_typed() -> None:
    body = "GPZDA,120000.00,01,01,2028,00,00"
    assert any(c in "ABCDEF" for c in nmea_checksum(body))
    with pytest.raises(InputError, match="lowercase"):
        decode_line(f"${body}*{nmea_checksum(body).lower()}\r\n")


def test_stream_split_anywhere_and_garbage_between() -> None:
    data = ("junk" + sentence(RMC) + "\x00\xff" + sentence(GGA) + sentence(ZDA)).encode("latin-1")
    for step in (1, 3, 7, len(data)):
        decoder = NmeaDecoder()
        fixes: list[TimeFix] = []
        for i in range(0, len(data), step):
            fixes += decoder.feed(data[i:i + step])
        assert [f.sentence_type for f in fixes] == ["RMC", "GGA", "ZDA"]
        assert fixes[1].label == UtcLabel(2016, 12, 31, 23, 59, 60, 0)
        assert decoder.rejects == {"framing": 2} and sum(decoder.accepted.values()) == 3


def test_too_long_and_oversize_garbage_do_not_stop_the_stream() -> None:
    padded = sentence(RMC.replace("022.4", "022.4" + "0" * 300))
    long_ok = sentence(RMC.replace("022.4", "022.4" + "0" * 100))
    data = (padded + "x" * 1000 + "\r\n" + long_ok + sentence(ZDA)).encode()
    decoder = NmeaDecoder()
    fixes = [f for i in range(0, len(data), 50) for f in decoder.feed(data[i:i + 50])]
    assert [f.sentence_type for f in fixes] == ["RMC", "ZDA"]
    assert decoder.rejects == {"too_long": 1, "framing": 1}
    strict = NmeaDecoder(max_line_bytes=82)
    assert strict.feed(long_ok.encode()) == [] and strict.rejects == {"too_long": 1}


def test_cr_without_lf_and_lf_only() -> None:
    decoder = NmeaDecoder()
    data = sentence(RMC, end="\r") + sentence(ZDA, end="\n") + sentence(ZDA)
    fixes = decoder.feed(data.encode())
    assert [f.sentence_type for f in fixes] == ["ZDA"] and decoder.rejects == {"framing": 2}
    relaxed = NmeaDecoder(require_crlf=False)
    assert len(relaxed.feed(sentence(ZDA, end="\n").encode())) == 1
    assert len(relaxed.feed(sentence(ZDA, end="").encode()) + relaxed.flush()) == 1
    assert decoder.feed(sentence(ZDA, end="").encode()) == [] and decoder.flush() == []
    assert decoder.rejects["framing"] == 3


def test_dateless_sentences_follow_midnight_and_leap_second() -> None:
    decoder = NmeaDecoder(default_date=dt.date(2016, 12, 31))
    times = ["235959", "235960", "000000", "000001"]
    labels = [decoder.decode_line(sentence(GGA.replace("235960.00", t))).label for t in times]
    assert [(lb.day, lb.second) for lb in labels if lb] == [(31, 59), (31, 60), (1, 0), (1, 1)]
    assert labels[-1] is not None and labels[-1].year == 2017


def test_any_dated_rmc_moves_the_date_for_gga() -> None:
    decoder = NmeaDecoder(default_date=dt.date(2020, 5, 5))
    decoder.decode_line(sentence(RMC.replace(",A,", ",V,").replace("311216", "060180")))
    assert decoder.current_date == dt.date(1980, 1, 6)
    decoder.decode_line(sentence(RMC))
    assert decoder.current_date == dt.date(2016, 12, 31)
    gga = decoder.decode_line(sentence(GGA.replace("235960.00", "000000.00")))
    assert gga.label is not None and gga.label.date() == dt.date(2017, 1, 1)


def test_bad_constructor_argument_is_typed() -> None:
    with pytest.raises(InputError, match="max_line_bytes"):
        NmeaDecoder(max_line_bytes=3)
