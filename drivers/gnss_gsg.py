"""Driver for Orolia/Spectracom GSG-5/6 GNSS simulators (and the hilbench emulator, same SCPI).

Why: the GSG is the reference simulator of the bench. Commands and reply formats follow the
GSG-5/6 user manual (rev. 27): ``SOURce:SCENario:CONTrol START|STOP|HOLD|ARM``, state names
START/STOP/HOLD/WAIT/ARMED/ARMING, ``DATEtime?`` as ``MM-DD-YYYY hh:mm:ss.s AAA``, ``RUNtime?`` in
seconds. Position, leap second and time offset use ``SOURce:SCENario:POSition``/``LEAPsecond``/
``TOFFset``, which the emulator implements as documented in docs/gnss-emulator.md — check them
against your instrument's firmware before relying on them with hardware. Emulator-only calls use
the ``EMULator:`` subtree; a real GSG answers -113 and the driver raises ``UnsupportedFeature``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

from drivers.errors import InstrumentError
from drivers.gnss import GeoPosition, GnssSimulator, ScenarioState, UnsupportedFeature
from drivers.scpi import ScpiCommandError, ScpiInstrument, Transport

_DT = re.compile(r"^(\d{2})-(\d{2})-(\d{4})\s+(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*([A-Z0-9]*)$")
UNDEFINED_HEADER = -113


class GsgSimulator(GnssSimulator):
    family = "gsg"

    def __init__(self, address: str, timeout_s: float = 5.0, transport: Transport | None = None) -> None:
        self.scpi = ScpiInstrument(address, timeout_s, transport)
        self.address = address

    def identify(self) -> str:
        return self.scpi.idn()

    # -- scenario ------------------------------------------------------------------------------
    def _control(self, action: str) -> None:
        self.scpi.send(f"SOURce:SCENario:CONTrol {action}")

    def start(self) -> None:
        self._control("START")

    def stop(self) -> None:
        self._control("STOP")

    def arm(self) -> None:
        self._control("ARM")

    def hold(self) -> None:
        self._control("HOLD")

    def state(self) -> ScenarioState:
        answer = self.scpi.ask("SOURce:SCENario:CONTrol?").strip().strip('"').upper()
        try:
            return ScenarioState(answer)
        except ValueError:
            raise InstrumentError(f"{self.address}: SOURce:SCENario:CONTrol? answered {answer!r}, not one of "
                                  f"{[s.value for s in ScenarioState]}") from None

    def set_start_datetime(self, start_utc: datetime) -> None:
        t = start_utc.astimezone(UTC)
        self.scpi.send(f"SOURce:SCENario:DATEtime {t:%m-%d-%Y %H:%M:%S}")

    def scenario_datetime(self, timescale: str = "UTC") -> datetime | str:
        command = f"SOURce:SCENario:DATEtime? {timescale.upper()}"
        answer = self.scpi.ask(command).strip().strip('"')
        return parse_gsg_datetime(answer, self.address, command)

    def runtime_s(self) -> float:
        command = "SOURce:SCENario:RUNtime?"
        state = self.state()
        if state not in (ScenarioState.START, ScenarioState.HOLD):
            # a GSG queues an error and sends no answer when no scenario runs: do not wait for one
            raise InstrumentError(f"{self.address}: {command!r}: no scenario running (state {state.value})")
        answer = self.scpi.ask(command)
        try:
            return float(answer)
        except ValueError:
            raise InstrumentError(f"{self.address}: {command!r} answered {answer!r}, not seconds") from None

    # -- signal ------------------------------------------------------------------------------------
    def set_position(self, lat_deg: float, lon_deg: float, alt_m: float) -> None:
        self.scpi.send(f"SOURce:SCENario:POSition {lat_deg:.7f},{lon_deg:.7f},{alt_m:.2f}")

    def position(self) -> GeoPosition:
        command = "SOURce:SCENario:POSition?"
        answer = self.scpi.ask(command)
        try:
            lat, lon, alt = (float(x) for x in answer.split(","))
        except ValueError:
            raise InstrumentError(f"{self.address}: {command!r} answered {answer!r}, not lat,lon,alt") from None
        return GeoPosition(lat, lon, alt)

    def set_power_dbm(self, power_dbm: float) -> None:
        self.scpi.send(f"SOURce:POWer {power_dbm:.1f}")

    def power_dbm(self) -> float:
        command = "SOURce:POWer?"
        answer = self.scpi.ask(command)
        try:
            return float(answer)
        except ValueError:
            raise InstrumentError(f"{self.address}: {command!r} answered {answer!r}, not dBm") from None

    def set_signal(self, on: bool) -> None:
        self.scpi.send(f"OUTPut:STATe {'ON' if on else 'OFF'}")

    def schedule_leap_second(self, day: date) -> None:
        self.scpi.send(f"SOURce:SCENario:LEAPsecond {day:%m-%d-%Y}")

    def set_time_offset_s(self, offset_s: float) -> None:
        self.scpi.send(f"SOURce:SCENario:TOFFset {offset_s:.9f}")

    # -- emulator extension ------------------------------------------------------------------------
    def _emulator(self, command: str, query: bool = False) -> str:
        try:
            if query:
                return self.scpi.ask(command)
            self.scpi.send(command)
            return ""
        except ScpiCommandError as exc:
            if exc.code == UNDEFINED_HEADER:
                raise UnsupportedFeature(f"{self.address}: {command.split()[0]!r} is an emulator-only command "
                                         "and this instrument does not know it") from None
            raise

    def inject_fault(self, kind: str, start_s: float | None = None, duration_s: float | None = None,
                     node: str | None = None, **params: Any) -> None:
        start = "NOW" if start_s is None else f"{start_s:g}"
        dur = "INF" if duration_s is None else f"{duration_s:g}"
        extra = ([f"node={node}"] if node else []) + [f"{k}={v}" for k, v in params.items()]
        self._emulator(",".join([f"EMULator:FAULt:ADD {kind}", start, dur, *extra]))

    def clear_faults(self) -> None:
        self._emulator("EMULator:FAULt:CLEar")

    def faults(self) -> list[dict[str, Any]]:
        answer = self._emulator("EMULator:FAULt:LIST?", query=True)
        try:
            data = json.loads(answer)
        except json.JSONDecodeError:
            raise InstrumentError(f"{self.address}: EMULator:FAULt:LIST? answered {answer[:80]!r}, not JSON") from None
        if not isinstance(data, list):
            raise InstrumentError(f"{self.address}: EMULator:FAULt:LIST? answered a {type(data).__name__}, not a list")
        return data

    def replay_log(self, path: str | None, node: str | None = None) -> None:
        if path is None:
            self._emulator("EMULator:REPLay:STOP")
            return
        if '"' in path:
            raise InstrumentError(f"{self.address}: replay path {path!r} must not contain a double quote")
        self._emulator(f'EMULator:REPLay:FILE "{path}"' + (f",{node}" if node else ""))

    def sim_step(self) -> int:
        answer = self._emulator("EMULator:STEP?", query=True)
        try:
            return int(answer)
        except ValueError:
            raise InstrumentError(f"{self.address}: EMULator:STEP? answered {answer!r}, not an integer") from None

    def run_until(self, second: int | None) -> None:
        if second is None:
            self._emulator("EMULator:RUN:FREE")
        else:
            self._emulator(f"EMULator:RUN:UNTil {int(second)}")

    def close(self) -> None:
        self.scpi.close()


def parse_gsg_datetime(answer: str, address: str = "", command: str = "DATEtime?") -> datetime | str:
    """``MM-DD-YYYY hh:mm:ss.s AAA`` -> aware datetime (GPS/UTC labels as given); ``:60`` stays text."""
    text = answer.split(",")[0].strip()
    m = _DT.match(text)
    if not m:
        raise InstrumentError(f"{address}: {command!r} answered {answer!r}, not 'MM-DD-YYYY hh:mm:ss.s AAA'")
    mo, d, y, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    frac = m.group(7) or "0"
    if s == 60:
        return text
    try:
        return datetime(y, mo, d, h, mi, s, int(frac.ljust(6, "0")[:6]), tzinfo=UTC)
    except ValueError:
        raise InstrumentError(f"{address}: {command!r} answered an impossible date-time {answer!r}") from None
