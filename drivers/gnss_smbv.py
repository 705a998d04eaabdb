"""Driver for R&S SMBV100B / SMW200A GNSS simulation (option K44 and relatives).

Why: the second simulator family a lab may own. Commands are the R&S GNSS SCPI set
(``[:SOURce<hw>]:BB:GNSS:...``): state on/off, start date/time and time base, leap-second
configuration, reference power, and the static receiver location — given **longitude first**
(``...:COORdinates:DEC:WGS <lon>,<lat>,<alt>``). The SMBV has no ARM/HOLD states, no run-time
query and no time-offset control in this driver; those raise ``UnsupportedFeature``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from drivers.errors import InstrumentError
from drivers.gnss import GeoPosition, GnssSimulator, ScenarioState, UnsupportedFeature
from drivers.scpi import ScpiInstrument, Transport

ROOT = ":SOURce1:BB:GNSS"
LOCATION = f"{ROOT}:RECeiver:V1:LOCation:COORdinates:DEC:WGS"


def _ints(answer: str, n: int, command: str, address: str) -> list[int]:
    try:
        values = [int(float(x)) for x in answer.split(",")]
    except ValueError:
        values = []
    if len(values) != n:
        raise InstrumentError(f"{address}: {command!r} answered {answer!r}, not {n} comma-separated numbers")
    return values


class SmbvSimulator(GnssSimulator):
    family = "smbv"

    def __init__(self, address: str, timeout_s: float = 5.0, transport: Transport | None = None) -> None:
        self.scpi = ScpiInstrument(address, timeout_s, transport)
        self.address = address

    def identify(self) -> str:
        return self.scpi.idn()

    def start(self) -> None:
        self.scpi.send(f"{ROOT}:STATe 1")
        self.scpi.send(":OUTPut1:STATe 1")

    def stop(self) -> None:
        self.scpi.send(f"{ROOT}:STATe 0")

    def arm(self) -> None:
        raise UnsupportedFeature(f"{self.address}: the SMBV/SMW GNSS firmware has no ARM state")

    def hold(self) -> None:
        raise UnsupportedFeature(f"{self.address}: the SMBV/SMW GNSS firmware has no HOLD state")

    def state(self) -> ScenarioState:
        command = f"{ROOT}:STATe?"
        answer = self.scpi.ask(command).strip()
        if answer in ("1", "ON"):
            return ScenarioState.START
        if answer in ("0", "OFF"):
            return ScenarioState.STOP
        raise InstrumentError(f"{self.address}: {command!r} answered {answer!r}, not 0|1")

    def set_start_datetime(self, start_utc: datetime) -> None:
        t = start_utc.astimezone(UTC)
        self.scpi.send(f"{ROOT}:TIME:STARt:TBASis UTC")
        self.scpi.send(f"{ROOT}:TIME:STARt:DATE {t.year},{t.month},{t.day}")
        self.scpi.send(f"{ROOT}:TIME:STARt:TIME {t.hour},{t.minute},{t.second + t.microsecond / 1e6:.3f}")

    def scenario_datetime(self, timescale: str = "UTC") -> datetime:
        if timescale.upper() != "UTC":
            raise UnsupportedFeature(f"{self.address}: this driver reads the SMBV start time in UTC only")
        dcmd, tcmd = f"{ROOT}:TIME:STARt:DATE?", f"{ROOT}:TIME:STARt:TIME?"
        y, mo, d = _ints(self.scpi.ask(dcmd), 3, dcmd, self.address)
        answer = self.scpi.ask(tcmd)
        try:
            h, mi, s = (float(x) for x in answer.split(","))
            return datetime(y, mo, d, int(h), int(mi), int(s), int(round((s % 1) * 1e6)), tzinfo=UTC)
        except ValueError:
            raise InstrumentError(f"{self.address}: {tcmd!r} answered {answer!r}, not h,m,s") from None

    def runtime_s(self) -> float:
        raise UnsupportedFeature(f"{self.address}: run time is not available from the SMBV driver")

    def set_position(self, lat_deg: float, lon_deg: float, alt_m: float) -> None:
        if not (-90 <= lat_deg <= 90 and -180 <= lon_deg <= 180):
            raise InstrumentError(f"{self.address}: position lat={lat_deg} lon={lon_deg} out of range")
        self.scpi.send(f"{LOCATION} {lon_deg:.7f},{lat_deg:.7f},{alt_m:.2f}")   # longitude first

    def position(self) -> GeoPosition:
        command = f"{LOCATION}?"
        answer = self.scpi.ask(command)
        try:
            lon, lat, alt = (float(x) for x in answer.split(","))
        except ValueError:
            raise InstrumentError(f"{self.address}: {command!r} answered {answer!r}, not lon,lat,alt") from None
        return GeoPosition(lat, lon, alt)

    def set_power_dbm(self, power_dbm: float) -> None:
        self.scpi.send(f"{ROOT}:POWer:REFerence {power_dbm:.2f}")

    def power_dbm(self) -> float:
        command = f"{ROOT}:POWer:REFerence?"
        answer = self.scpi.ask(command)
        try:
            return float(answer)
        except ValueError:
            raise InstrumentError(f"{self.address}: {command!r} answered {answer!r}, not dBm") from None

    def set_signal(self, on: bool) -> None:
        self.scpi.send(f":OUTPut1:STATe {1 if on else 0}")

    def schedule_leap_second(self, day: date) -> None:
        self.scpi.send(f"{ROOT}:TIME:CONVersion:LEAP:AUTO 1")
        self.scpi.send(f"{ROOT}:TIME:CONVersion:LEAP:DATE {day.year},{day.month},{day.day}")
        self.scpi.send(f"{ROOT}:TIME:CONVersion:LEAP:SIGN POSitive")

    def leap_seconds(self) -> int:
        command = f"{ROOT}:TIME:CONVersion:LEAP:SEConds?"
        return _ints(self.scpi.ask(command), 1, command, self.address)[0]

    def set_time_offset_s(self, offset_s: float) -> None:
        raise UnsupportedFeature(f"{self.address}: a time offset is not available from the SMBV driver")

    def close(self) -> None:
        self.scpi.close()
