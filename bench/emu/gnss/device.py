"""The SCPI face of the GNSS emulator: a GSG-5/6 command subset plus an ``EMULator:`` extension.

Why: the bench controls the simulator with the same driver code (drivers/gnss_gsg.py) that drives
a real Orolia/Spectracom GSG-6 over TCP 5025, so the emulator must answer like one (formats from
the GSG-5/6 user manual, rev. 27). Emulator-only controls (faults, replay, step counter) live
under ``EMULator:`` so they can never collide with a real instrument's headers; a real GSG answers
them with -113 "Undefined header", which is how a driver knows it is not talking to the emulator.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

from bench.emu.gnss.emulator import GnssEmulator
from bench.emu.gnss.faults import Fault
from bench.emu.scpi import ScpiDevice, ScpiError
from bench.errors import BenchError
from bench.sim.kernel import KernelState, SimKernel

IDN = "Orolia,GSG-6,EMU000001,hilbench-emulator-0.1"
_GSG_DT = re.compile(r"^(\d{2})-(\d{2})-(\d{4})\s+(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?$")
_GSG_DATE = re.compile(r"^(\d{2})-(\d{2})-(\d{4})$")


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _bool(text: str) -> bool:
    t = _unquote(text).upper()
    if t in ("1", "ON"):
        return True
    if t in ("0", "OFF"):
        return False
    raise ScpiError(-224, f"Illegal parameter value; {text!r} is not ON|OFF|1|0")


def parse_gsg_datetime(text: str) -> datetime:
    """``MM-DD-YYYY hh:mm:ss`` (GSG format) or ISO 8601 -> aware UTC datetime."""
    t = _unquote(text)
    m = _GSG_DT.match(t)
    try:
        if m:
            mo, d, y, h, mi, s = (int(x) for x in m.groups())
            return datetime(y, mo, d, h, mi, s, tzinfo=UTC)
        dt = datetime.fromisoformat(t.replace("Z", "+00:00"))
    except ValueError:
        raise ScpiError(-224, f"Illegal parameter value; bad date-time {t!r} (MM-DD-YYYY hh:mm:ss)") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=UTC)).astimezone(UTC)


def format_gsg_datetime(day: date, h: int, mi: int, s: int, scale: str) -> str:
    return f"{day.month:02d}-{day.day:02d}-{day.year:04d} {h:02d}:{mi:02d}:{s:02d}.0 {scale}"


class GsgDevice(ScpiDevice):
    """A GSG-6 as the bench sees it, backed by the kernel and the GNSS emulator."""

    idn = IDN

    def __init__(self, kernel: SimKernel, gnss: GnssEmulator) -> None:
        super().__init__()
        self.kernel = kernel
        self.gnss = gnss
        r = self.register
        r("SOURce:SCENario:CONTrol", self._control)
        r("SOURce:SCENario:CONTrol?", lambda a, s: self.kernel.state.value)
        r("SOURce:SCENario:DATEtime", self._set_datetime)
        r("SOURce:SCENario:DATEtime?", self._datetime)
        r("SOURce:SCENario:RUNtime?", self._runtime)
        r("SOURce:SCENario:POSition", self._set_position)
        r("SOURce:SCENario:POSition?", self._position)
        r("SOURce:SCENario:LEAPsecond", self._set_leap)
        r("SOURce:SCENario:LEAPsecond?", self._leap)
        r("SOURce:SCENario:TOFFset", self._set_toffset)
        r("SOURce:SCENario:TOFFset?", lambda a, s: f"{self.gnss.time_offset_ns / 1e9:.9f}")
        r("SOURce:POWer", self._set_power)
        r("SOURce:POWer?", lambda a, s: f"{self.gnss.power_dbm:.1f}")
        r("OUTPut[:STATe]", self._set_output)
        r("OUTPut[:STATe]?", lambda a, s: "1" if self.gnss.signal_on else "0")
        r("EMULator:FAULt:ADD", self._fault_add)
        r("EMULator:FAULt:DELete", self._fault_delete)
        r("EMULator:FAULt:CLEar", lambda a, s: self.gnss.faults.clear())
        r("EMULator:FAULt:LIST?", self._fault_list)
        r("EMULator:REPLay:FILE", self._replay_file)
        r("EMULator:REPLay:STOP", lambda a, s: self._call(lambda: self.gnss.load_replay(None)))
        r("EMULator:STEP?", lambda a, s: str(self.kernel.k))
        r("EMULator:RUN:UNTil", self._run_until)
        r("EMULator:RUN:UNTil?", lambda a, s: "NONE" if self.kernel.until_k is None else str(self.kernel.until_k))
        r("EMULator:RUN:FREE", lambda a, s: self.kernel.run_until(None))
        r("EMULator:NODes?", lambda a, s: ",".join(sorted(self.kernel.channel.known_nodes())) or "NONE")

    @staticmethod
    def _call(fn):  # noqa: ANN001, ANN205 - runs fn, maps bench input errors to SCPI -224
        try:
            fn()
        except BenchError as exc:
            raise ScpiError(-224, f"Illegal parameter value; {exc}") from None

    def _run_until(self, args: list[str], _s: tuple[int, ...]) -> None:
        if len(args) != 1:
            raise ScpiError(-109, "Missing parameter; <simulated second>")
        try:
            k = int(float(args[0]))
        except ValueError:
            raise ScpiError(-224, f"Illegal parameter value; {args[0]!r} is not a second") from None
        if k < 0:
            raise ScpiError(-222, "Data out of range; the breakpoint must be >= 0")
        self.kernel.run_until(k)

    def reset(self) -> None:
        self.kernel.run_until(None)
        self.kernel.stop()
        self.gnss.faults.clear()
        self.gnss.set_signal(True)
        self.gnss.set_time_offset_ns(0)
        self._call(lambda: self.gnss.load_replay(None))

    def _running(self) -> bool:
        return self.kernel.state in (KernelState.START, KernelState.HOLD)

    # -- scenario control -------------------------------------------------------------------------
    def _control(self, args: list[str], _s: tuple[int, ...]) -> None:
        if len(args) != 1:
            raise ScpiError(-109, "Missing parameter; START|STOP|HOLD|ARM")
        action = _unquote(args[0]).upper()
        if action in ("START", "RUN"):
            self.kernel.start()
        elif action == "STOP":
            self.kernel.stop()
        elif action == "HOLD":
            self.kernel.hold()
        elif action == "ARM":
            self.kernel.arm()
        else:
            raise ScpiError(-224, f"Illegal parameter value; {args[0]!r} is not START|STOP|HOLD|ARM")

    def _set_datetime(self, args: list[str], _s: tuple[int, ...]) -> None:
        if self.kernel.state != KernelState.STOP and self.kernel.state != KernelState.ARMED:
            raise ScpiError(-221, "Settings conflict; stop the scenario before setting its start time")
        if len(args) != 1:
            raise ScpiError(-109, "Missing parameter; MM-DD-YYYY hh:mm:ss")
        dt = parse_gsg_datetime(args[0])
        self.gnss.set_start_utc(dt)
        self.kernel.start_utc = dt
        self.kernel.channel.start_utc_iso = dt.isoformat()

    def _datetime(self, args: list[str], _s: tuple[int, ...]) -> str:
        scale = _unquote(args[0]).upper() if args else "GPS"
        n = self.kernel.k if self._running() else 0
        tl = self.gnss.timeline
        if scale == "RUNTIME":
            if not self._running():
                raise ScpiError(-221, "Settings conflict; no scenario running")
            g = tl.gps_time(n)
            return f"{format_gsg_datetime(g.date(), g.hour, g.minute, g.second, 'GPS')}, {float(n):.1f}"
        if scale == "GPS":
            g = tl.gps_time(n)
            return format_gsg_datetime(g.date(), g.hour, g.minute, g.second, "GPS")
        if scale == "UTC":
            lab = tl.label(n)
            return format_gsg_datetime(lab.day, lab.hour, lab.minute, lab.second, "UTC")
        raise ScpiError(-224, f"Illegal parameter value; timescale {scale!r} not emulated (GPS, UTC, RUNTIME)")

    def _runtime(self, _a: list[str], _s: tuple[int, ...]) -> str:
        if not self._running():
            raise ScpiError(-221, "Settings conflict; no scenario running")
        return f"{float(self.kernel.k):.3f}"

    # -- signal settings ----------------------------------------------------------------------------
    def _set_position(self, args: list[str], _s: tuple[int, ...]) -> None:
        if len(args) != 3:
            raise ScpiError(-109, "Missing parameter; <lat_deg>,<lon_deg>,<alt_m>")
        lat, lon, alt = (float(_unquote(a)) for a in args)
        self._call(lambda: self.gnss.set_position(lat, lon, alt))

    def _position(self, _a: list[str], _s: tuple[int, ...]) -> str:
        p = self.gnss.position
        return f"{p.lat_deg:.7f},{p.lon_deg:.7f},{p.alt_m:.2f}"

    def _set_power(self, args: list[str], _s: tuple[int, ...]) -> None:
        if len(args) != 1:
            raise ScpiError(-109, "Missing parameter; <dBm>")
        value = float(_unquote(args[0]).upper().removesuffix("DBM"))
        self._call(lambda: self.gnss.set_power_dbm(value))

    def _set_output(self, args: list[str], _s: tuple[int, ...]) -> None:
        if len(args) != 1:
            raise ScpiError(-109, "Missing parameter; ON|OFF")
        self.gnss.set_signal(_bool(args[0]))

    def _set_leap(self, args: list[str], _s: tuple[int, ...]) -> None:
        if len(args) != 1:
            raise ScpiError(-109, "Missing parameter; MM-DD-YYYY (UTC day ending with 23:59:60)")
        text = _unquote(args[0])
        m = _GSG_DATE.match(text)
        try:
            day = date(int(m.group(3)), int(m.group(1)), int(m.group(2))) if m else date.fromisoformat(text)
        except ValueError:
            raise ScpiError(-224, f"Illegal parameter value; bad date {text!r} (MM-DD-YYYY)") from None
        self._call(lambda: self.gnss.add_leap_second(day))

    def _leap(self, _a: list[str], _s: tuple[int, ...]) -> str:
        days = self.gnss.timeline.leap_dates
        return ",".join(f"{d.month:02d}-{d.day:02d}-{d.year:04d}" for d in days) or "NONE"

    def _set_toffset(self, args: list[str], _s: tuple[int, ...]) -> None:
        if len(args) != 1:
            raise ScpiError(-109, "Missing parameter; <seconds>")
        self.gnss.set_time_offset_ns(round(float(_unquote(args[0])) * 1e9))

    # -- emulator extension ---------------------------------------------------------------------------
    def _fault_add(self, args: list[str], _s: tuple[int, ...]) -> None:
        if len(args) < 3:
            raise ScpiError(-109, "Missing parameter; <kind>,<start_s|NOW>,<duration_s|INF>[,key=value...]")
        kind = _unquote(args[0])
        start = _unquote(args[1]).upper()
        dur = _unquote(args[2]).upper()
        params: dict[str, str] = {}
        for item in args[3:]:
            key, sep, value = _unquote(item).partition("=")
            if not sep:
                raise ScpiError(-224, f"Illegal parameter value; {item!r} is not key=value")
            params[key.strip().lower()] = value.strip()
        node = params.pop("node", None)
        start_s = None if start in ("NOW", "") else float(start)
        duration_s = None if dur in ("INF", "") else float(dur)
        self._call(lambda: self.gnss.add_fault(Fault.make(kind, start_s, duration_s, node, **params)))

    def _fault_delete(self, args: list[str], _s: tuple[int, ...]) -> None:
        if len(args) != 1 or not self.gnss.faults.remove(int(_unquote(args[0]))):
            raise ScpiError(-224, f"Illegal parameter value; no fault with id {args[:1]}")

    def _fault_list(self, _a: list[str], _s: tuple[int, ...]) -> str:
        return json.dumps([f.describe() for f in self.gnss.faults.all()], separators=(",", ":"))

    def _replay_file(self, args: list[str], _s: tuple[int, ...]) -> None:
        if not args:
            raise ScpiError(-109, "Missing parameter; \"<path>\"[,<node>]")
        path = _unquote(args[0])
        node = _unquote(args[1]) if len(args) > 1 else None
        self._call(lambda: self.gnss.load_replay(path, node))


__all__ = ["GsgDevice", "IDN", "parse_gsg_datetime", "format_gsg_datetime"]
