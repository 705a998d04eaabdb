"""The GNSS simulator emulator's engine: scenario settings, faults, receivers, and the kernel hook.

Why: the SCPI device (device.py) and the Python API both drive this one object; it is the
kernel's ``StepSource``, so every setting or fault takes effect at a step boundary and is logged
with that step's simulated time. Reference PPS edges are exactly ``t_k`` (the simulator's 1 PPS).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from bench.emu.gnss.faults import Fault, FaultSchedule
from bench.emu.gnss.receiver import Receiver, ReceiverStep, ScenarioView
from bench.emu.gnss.replay import ReplayLog
from bench.emu.gnss.serial_out import SerialOut
from bench.emu.gnss.sky import Position, Sky
from bench.emu.gnss.timeline import Timeline
from bench.errors import InputError
from bench.sim.kernel import NodeInput, StepPlan
from bench.store.events import EventLog

NS_PER_S = 1_000_000_000
DEFAULT_POWER_DBM = -130.0
MIN_POWER_DBM, MAX_POWER_DBM = -160.0, -65.0


@dataclass
class ReceiverNode:
    """A node the receiver serves: its name, index (1-based, keys RNG streams) and serial path."""

    name: str
    index: int
    serial_path: str | None = None


class GnssEmulator:
    """Scenario state + receivers; ``compute_step`` is called by the kernel once per step."""

    def __init__(
        self,
        *,
        seed: int,
        start_utc: datetime,
        nodes: list[ReceiverNode],
        talker: str = "GP",
        quantization_ns: float = 4.0,
        cable_delay_ns: float = 0.0,
        position: Position | None = None,
        power_dbm: float = DEFAULT_POWER_DBM,
        leap_dates: list[date] | None = None,
        events: EventLog | None = None,
    ) -> None:
        self.seed = seed
        self.talker = talker
        self.events = events
        self._lock = threading.RLock()
        self._timeline = Timeline(start_utc, leap_dates)
        self._sky = Sky(seed)
        self._position = position or Position()
        self._power_dbm = power_dbm
        self._signal_on = True
        self._time_offset_ns = 0
        self.faults = FaultSchedule()
        self.nodes = list(nodes)
        self.receivers = {n.name: Receiver(n.name, n.index, seed, quantization_ns, cable_delay_ns) for n in nodes}
        self._outs: dict[str, SerialOut] = {}
        self._pending_replay: tuple[ReplayLog | None, str | None] | None = None
        self._replay_ended: set[str] = set()
        self.last_step: dict[str, ReceiverStep] = {}
        self.current_k: int | None = None

    # -- settings (thread-safe; effective at the next step) ------------------------------------------
    @property
    def timeline(self) -> Timeline:
        return self._timeline

    @property
    def start_utc(self) -> datetime:
        return self._timeline.start_utc

    def set_start_utc(self, start_utc: datetime) -> None:
        with self._lock:
            self._timeline = Timeline(start_utc.astimezone(UTC), self._timeline.leap_dates)

    def set_position(self, lat_deg: float, lon_deg: float, alt_m: float) -> None:
        if not (-90.0 <= lat_deg <= 90.0 and -180.0 <= lon_deg <= 180.0 and -1000.0 <= alt_m <= 20_000_000.0):
            raise InputError(f"position lat={lat_deg} lon={lon_deg} alt={alt_m}: out of range "
                             "(lat ±90°, lon ±180°, alt -1 km..20000 km)")
        with self._lock:
            self._position = replace(self._position, lat_deg=lat_deg, lon_deg=lon_deg, alt_m=alt_m)

    @property
    def position(self) -> Position:
        with self._lock:
            return self._position

    def set_power_dbm(self, power_dbm: float) -> None:
        if not MIN_POWER_DBM <= power_dbm <= MAX_POWER_DBM:
            raise InputError(f"power {power_dbm} dBm out of range [{MIN_POWER_DBM}, {MAX_POWER_DBM}]")
        with self._lock:
            self._power_dbm = power_dbm

    @property
    def power_dbm(self) -> float:
        with self._lock:
            return self._power_dbm

    def set_signal(self, on: bool) -> None:
        with self._lock:
            self._signal_on = bool(on)

    @property
    def signal_on(self) -> bool:
        with self._lock:
            return self._signal_on

    def set_time_offset_ns(self, offset_ns: int) -> None:
        with self._lock:
            self._time_offset_ns = int(offset_ns)

    @property
    def time_offset_ns(self) -> int:
        with self._lock:
            return self._time_offset_ns

    def add_leap_second(self, day: date) -> None:
        """Announce a positive leap second at the end of UTC ``day`` (23:59:60 appears)."""
        try:
            with self._lock:
                self._timeline.add_leap(day)
        except ValueError as exc:
            raise InputError(f"leap second: {exc}") from None
        self._emit("leap_second_scheduled", day=day.isoformat())

    def add_fault(self, fault: Fault) -> int:
        if fault.node is not None and fault.node not in self.receivers:
            raise InputError(f"fault {fault.kind}: unknown node {fault.node!r}; nodes: {sorted(self.receivers)}")
        return self.faults.add(fault)

    def inject(self, kind: str, start_s: float | None = None, duration_s: float | None = None,
               node: str | None = None, **params: Any) -> int:
        """Python API: schedule a fault (``start_s=None``: at the next step)."""
        return self.add_fault(Fault.make(kind, start_s, duration_s, node, **params))

    def load_replay(self, path: str | None, node: str | None = None) -> ReplayLog | None:
        """Replay a receiver log from the next step on (``path=None``: back to the model)."""
        if node is not None and node not in self.receivers:
            raise InputError(f"replay: unknown node {node!r}; nodes: {sorted(self.receivers)}")
        log = ReplayLog.load(path) if path else None
        with self._lock:
            self._pending_replay = (log, node)
        return log

    # -- StepSource ------------------------------------------------------------------------------------------
    def begin_scenario(self) -> None:
        for node in self.nodes:
            if node.serial_path and node.name not in self._outs:
                self._outs[node.name] = SerialOut(node.serial_path)
        for rx in self.receivers.values():
            rx.reset()
        self._replay_ended.clear()

    def end_scenario(self) -> None:
        for out in self._outs.values():
            out.close()
        self._outs.clear()
        self.faults.reset_now_faults()
        self.current_k = None

    def compute_step(self, k: int, active_nodes: frozenset[str]) -> StepPlan:
        with self._lock:
            if self._pending_replay is not None:
                log, only = self._pending_replay
                self._pending_replay = None
                for rx in self.receivers.values():
                    if only is None or rx.name == only:
                        rx.start_replay(log)
                self._emit("replay", sim_time_ns=k * NS_PER_S, action="start" if log else "stop",
                           path=log.path if log else None, node=only)
            scn = ScenarioView(timeline=self._timeline, sky=self._sky, position=self._position,
                               power_dbm=self._power_dbm, signal_on=self._signal_on,
                               time_offset_ns=self._time_offset_ns, talker=self.talker)
        active, starting, ending = self.faults.pin(k)
        for f in ending:
            self._emit("fault", sim_time_ns=k * NS_PER_S, fault=f.kind, phase="end", fault_id=f.fault_id,
                       target=f.node or "*", params=f.params)
        for f in starting:
            self._emit("fault", sim_time_ns=k * NS_PER_S, fault=f.kind, phase="start", fault_id=f.fault_id,
                       target=f.node or "*", params=f.params, duration_s=f.duration_s)
        plan = StepPlan(k=k, ref_edges_ns=[k * NS_PER_S], nodes={})
        for node in self.nodes:
            rx = self.receivers[node.name]
            result = rx.step(k, scn, [f for f in active if f.applies_to(node.name)])
            self.last_step[node.name] = result
            n_bytes = 0
            if node.name in active_nodes and node.name in self._outs and result.chunks:
                n_bytes = self._outs[node.name].write_chunks(result.chunks)
                expected = sum(len(c) for c in result.chunks)
                if n_bytes < expected:
                    self._emit("serial_write_short", sim_time_ns=k * NS_PER_S, node_name=node.name,
                               written=n_bytes, expected=expected)
            if rx.replay is not None and rx.replay_start_k is not None \
                    and k - rx.replay_start_k == rx.replay.duration_s and node.name not in self._replay_ended:
                self._replay_ended.add(node.name)
                self._emit("replay", sim_time_ns=k * NS_PER_S, action="end", node=node.name)
            plan.nodes[node.name] = NodeInput(pps_edges_ns=result.pps_edges_ns, nmea_bytes=n_bytes)
        self.current_k = k
        return plan

    # -- queries ---------------------------------------------------------------------------------------------
    def utc_label(self, k: int) -> str:
        return self._timeline.label(k).iso()

    def _emit(self, kind: str, **data: Any) -> None:
        if self.events is not None:
            self.events.emit(kind, **data)
