"""The receiver's NMEA 0183 output for one second: RMC, GGA, GSA, GSV and ZDA, built with pynmea2.

Why: the node must parse exactly what a real receiver sends — field layouts of NMEA 2.3+, valid
checksums, ``V`` status and empty fields without a fix, ``23:59:60`` in a leap second — so the
sentences are built by the same library that validates them, from the sky model's values.
"""

from __future__ import annotations

from dataclasses import dataclass

import pynmea2

from bench.emu.gnss.sky import Position, SatView, Sky
from bench.emu.gnss.timeline import UtcLabel

GSV_PER_SENTENCE = 4


@dataclass(frozen=True)
class SecondFix:
    """Everything the receiver reports for one second."""

    label: UtcLabel
    valid: bool
    position: Position
    view: list[SatView]
    used: list[SatView]


def _hms(label: UtcLabel) -> str:
    return f"{label.hour:02d}{label.minute:02d}{label.second:02d}.00"


def _lat(lat_deg: float) -> tuple[str, str]:
    a = abs(lat_deg)
    deg = int(a)
    return f"{deg:02d}{(a - deg) * 60:08.5f}", ("N" if lat_deg >= 0 else "S")


def _lon(lon_deg: float) -> tuple[str, str]:
    a = abs(lon_deg)
    deg = int(a)
    return f"{deg:03d}{(a - deg) * 60:08.5f}", ("E" if lon_deg >= 0 else "W")


def _gsv(talker: str, view: list[SatView], used: list[SatView]) -> list[str]:
    tracked = {s.prn for s in used}
    if not view:
        return [str(pynmea2.GSV(talker, "GSV", ("1", "1", "00")))]
    chunks = [view[i:i + GSV_PER_SENTENCE] for i in range(0, len(view), GSV_PER_SENTENCE)]
    out = []
    for index, chunk in enumerate(chunks, start=1):
        fields = [str(len(chunks)), str(index), f"{len(view):02d}"]
        for sat in chunk:
            snr = f"{sat.cn0_dbhz:02d}" if sat.prn in tracked else ""
            fields += [f"{sat.prn:02d}", f"{sat.elevation_deg:02d}", f"{sat.azimuth_deg:03d}", snr]
        out.append(str(pynmea2.GSV(talker, "GSV", tuple(fields))))
    return out


def build_second(talker: str, fix: SecondFix) -> list[str]:
    """The sentences of one second, without line endings, in a u-blox-like order."""
    t = _hms(fix.label)
    d = fix.label.day
    if fix.valid:
        lat, ns = _lat(fix.position.lat_deg)
        lon, ew = _lon(fix.position.lon_deg)
        pdop, hdop, vdop = Sky.dops(len(fix.used))
        rmc = (t, "A", lat, ns, lon, ew, "0.00", "", d.strftime("%d%m%y"), "", "", "A")
        gga = (t, lat, ns, lon, ew, "1", f"{len(fix.used):02d}", f"{hdop:.1f}", f"{fix.position.alt_m:.1f}", "M",
               f"{fix.position.geoid_sep_m:.1f}", "M", "", "")
        prns = [f"{s.prn:02d}" for s in fix.used[:12]]
        gsa = ("A", "3", *prns, *([""] * (12 - len(prns))), f"{pdop:.1f}", f"{hdop:.1f}", f"{vdop:.1f}")
    else:
        rmc = (t, "V", "", "", "", "", "", "", d.strftime("%d%m%y"), "", "", "N")
        gga = (t, "", "", "", "", "0", "00", "", "", "", "", "", "", "")
        gsa = ("A", "1", *([""] * 12), "", "", "")
    zda = (t, f"{d.day:02d}", f"{d.month:02d}", f"{d.year:04d}", "00", "00")
    gsv_talker = "GP" if talker == "GN" else talker
    return [
        str(pynmea2.RMC(talker, "RMC", rmc)),
        str(pynmea2.GGA(talker, "GGA", gga)),
        str(pynmea2.GSA(talker, "GSA", gsa)),
        *_gsv(gsv_talker, fix.view if fix.valid else [], fix.used if fix.valid else []),
        str(pynmea2.ZDA(talker, "ZDA", zda)),
    ]
