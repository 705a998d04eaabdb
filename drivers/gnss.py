"""The GNSS simulator interface every bench test uses, and the factory that picks a family's driver.

Why: tests say "start the scenario, insert a leap second, drop the signal" without knowing whether
a GSG-6, an SMBV100B or the emulator is on the other end. Each family maps these calls to its own
SCPI; what a family cannot do raises ``UnsupportedFeature`` (naming the family and the feature)
instead of silently doing nothing. Fault injection (outage windows, NMEA corruption, PPS jitter,
...) exists only on the emulator (its ``EMULator:`` SCPI subtree); on real instruments it raises
``UnsupportedFeature`` — use the instrument's own scenario editor there.
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from drivers.errors import DriverError, InstrumentError
from drivers.scpi import Transport


class UnsupportedFeature(InstrumentError):
    """The instrument family has no such function."""


class ScenarioState(enum.StrEnum):
    """Scenario states (GSG names; other families map onto them)."""

    STOP = "STOP"
    START = "START"
    HOLD = "HOLD"
    WAIT = "WAIT"
    ARMED = "ARMED"
    ARMING = "ARMING"


@dataclass(frozen=True)
class GeoPosition:
    lat_deg: float
    lon_deg: float
    alt_m: float


class GnssSimulator(abc.ABC):
    """A GNSS constellation simulator under remote control."""

    family: str = "abstract"

    # -- scenario control ---------------------------------------------------------------------
    @abc.abstractmethod
    def identify(self) -> str: ...

    @abc.abstractmethod
    def start(self) -> None: ...

    @abc.abstractmethod
    def stop(self) -> None: ...

    @abc.abstractmethod
    def arm(self) -> None: ...

    @abc.abstractmethod
    def hold(self) -> None: ...

    @abc.abstractmethod
    def state(self) -> ScenarioState: ...

    @abc.abstractmethod
    def set_start_datetime(self, start_utc: datetime) -> None: ...

    @abc.abstractmethod
    def scenario_datetime(self, timescale: str = "UTC") -> datetime | str:
        """Current scenario date-time (start time when stopped). A UTC leap second (``:60``) is returned as text."""

    @abc.abstractmethod
    def runtime_s(self) -> float:
        """Seconds since the scenario started."""

    # -- signal ---------------------------------------------------------------------------------
    @abc.abstractmethod
    def set_position(self, lat_deg: float, lon_deg: float, alt_m: float) -> None: ...

    @abc.abstractmethod
    def position(self) -> GeoPosition: ...

    @abc.abstractmethod
    def set_power_dbm(self, power_dbm: float) -> None: ...

    @abc.abstractmethod
    def power_dbm(self) -> float: ...

    @abc.abstractmethod
    def set_signal(self, on: bool) -> None:
        """RF output on/off (off: every receiver loses its fix)."""

    @abc.abstractmethod
    def schedule_leap_second(self, day: date) -> None:
        """A positive leap second at the end of UTC ``day`` (23:59:60)."""

    @abc.abstractmethod
    def set_time_offset_s(self, offset_s: float) -> None:
        """Shift the simulated GNSS time by ``offset_s`` (spoofing-style time jump)."""

    # -- emulator extension (raise UnsupportedFeature on real instruments) ---------------------------
    def inject_fault(self, kind: str, start_s: float | None = None, duration_s: float | None = None,
                     node: str | None = None, **params: Any) -> None:
        raise UnsupportedFeature(f"{self.family}: fault injection ({kind}) exists only on the emulator")

    def clear_faults(self) -> None:
        raise UnsupportedFeature(f"{self.family}: fault injection exists only on the emulator")

    def faults(self) -> list[dict[str, Any]]:
        raise UnsupportedFeature(f"{self.family}: fault injection exists only on the emulator")

    def replay_log(self, path: str | None, node: str | None = None) -> None:
        raise UnsupportedFeature(f"{self.family}: receiver-log replay exists only on the emulator")

    def sim_step(self) -> int:
        raise UnsupportedFeature(f"{self.family}: the step counter exists only on the emulator")

    def run_until(self, second: int | None) -> None:
        """Emulator only: pause simulated time before ``second`` (None: run freely)."""
        raise UnsupportedFeature(f"{self.family}: simulated-time breakpoints exist only on the emulator")

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> GnssSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


FAMILIES = ("gsg", "smbv")


def open_gnss_simulator(family: str, address: str, timeout_s: float = 5.0,
                        transport: Transport | None = None) -> GnssSimulator:
    """Connect to a GNSS simulator of ``family`` ("gsg": Orolia GSG-5/6 and the emulator; "smbv":
    R&S SMBV100B/SMW200A) at a VISA ``address``."""
    key = family.strip().lower()
    if key in ("gsg", "gsg5", "gsg6", "gsg-5", "gsg-6"):
        from drivers.gnss_gsg import GsgSimulator
        return GsgSimulator(address, timeout_s, transport)
    if key in ("smbv", "smbv100b", "smw", "smw200a"):
        from drivers.gnss_smbv import SmbvSimulator
        return SmbvSimulator(address, timeout_s, transport)
    raise DriverError(f"unknown GNSS simulator family {family!r}; known: {', '.join(FAMILIES)}")
