"""The emulated lab server: one process hosting the simulation kernel, the GNSS simulator emulator
(SCPI, GSG command set) and one 53230A counter emulator per node.

Why: docs/simulation.md puts true time in a single process so that every participant is stepped
by one clock. The lab (bench/lab/emulab.py) starts ``python -m bench.emu.labserver --config F.json``,
waits for the ready file (written atomically, JSON with every port and VISA address), and stops
it with SIGTERM: the scenario is stopped, nodes get ``bye``, ports are closed, exit code 0.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bench.emu.counter import CounterEmulator
from bench.emu.counter.replay import PhaseReplay
from bench.emu.gnss.device import GsgDevice
from bench.emu.gnss.emulator import GnssEmulator, ReceiverNode
from bench.emu.gnss.faults import Fault
from bench.emu.gnss.sky import Position
from bench.emu.scpi import ScpiServer
from bench.errors import BenchError, InputError
from bench.sim.kernel import SimKernel, StepResult
from bench.store.events import EventLog

PS_PER_NS = 1000


@dataclass
class NodeConf:
    name: str
    index: int
    serial: str | None = None
    pps_replay_file: str | None = None


@dataclass
class LabServerConfig:
    """What ``--config`` holds (written by bench/lab/emulab.py from the profile and endpoints)."""

    ready_file: str
    nodes: list[NodeConf]
    seed: int = 1
    time_scale: float = 1.0
    start_utc: str = "2026-06-01T00:00:00+00:00"
    talker: str = "GP"
    quantization_ns: float = 4.0
    cable_delay_ns: float = 0.0
    counter_noise_rms_ps: float = 10.0
    counter_channel2_delay_ns: int = 0
    events_path: str | None = None
    kernel_port: int = 0
    gnss_port: int = 0
    node_timeout_s: float = 10.0
    join_wait_s: float = 10.0
    duration_s: int | None = None
    leap_seconds: list[str] = field(default_factory=list)
    position: list[float] | None = None
    replay_file: str | None = None
    faults: list[dict[str, Any]] = field(default_factory=list)
    autostart: bool = False

    @classmethod
    def load(cls, path: str | Path) -> LabServerConfig:
        p = Path(path)
        try:
            raw = json.loads(p.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"lab server config {p}: cannot read: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"lab server config {p}: not JSON: {exc}") from None
        return cls.from_dict(raw, str(p))

    @classmethod
    def from_dict(cls, raw: Any, where: str = "config") -> LabServerConfig:
        if not isinstance(raw, dict):
            raise InputError(f"{where}: top level must be a JSON object")
        known = set(cls.__dataclass_fields__)
        unknown = set(raw) - known
        if unknown:
            raise InputError(f"{where}: unknown key(s) {sorted(unknown)}")
        if "ready_file" not in raw or "nodes" not in raw:
            raise InputError(f"{where}: 'ready_file' and 'nodes' are required")
        try:
            nodes = [NodeConf(**n) for n in raw["nodes"]]
            cfg = cls(**{**raw, "nodes": nodes})
            datetime.fromisoformat(cfg.start_utc.replace("Z", "+00:00"))
            for d in cfg.leap_seconds:
                date.fromisoformat(d)
        except (TypeError, ValueError) as exc:
            raise InputError(f"{where}: invalid value: {exc}") from None
        names = [n.name for n in nodes]
        if len(set(names)) != len(names):
            raise InputError(f"{where}: duplicate node names {names}")
        return cfg


class LabServer:
    """Builds and runs everything; ``close`` is idempotent."""

    def __init__(self, cfg: LabServerConfig) -> None:
        self.cfg = cfg
        self.events = EventLog(Path(cfg.events_path)) if cfg.events_path else None
        start = datetime.fromisoformat(cfg.start_utc.replace("Z", "+00:00"))
        process_nodes = [n for n in cfg.nodes if not n.pps_replay_file]
        position = Position(*cfg.position[:3]) if cfg.position else None
        self.gnss = GnssEmulator(
            seed=cfg.seed, start_utc=start, talker=cfg.talker, quantization_ns=cfg.quantization_ns,
            cable_delay_ns=cfg.cable_delay_ns, position=position,
            nodes=[ReceiverNode(n.name, n.index, n.serial) for n in process_nodes],
            leap_dates=[date.fromisoformat(d) for d in cfg.leap_seconds], events=self.events,
        )
        for spec in cfg.faults:
            spec = dict(spec)
            self.gnss.add_fault(Fault.make(spec.pop("kind"), spec.pop("start_s", None), spec.pop("duration_s", None),
                                           spec.pop("node", None), **spec.pop("params", {}), **spec))
        if cfg.replay_file:
            self.gnss.load_replay(cfg.replay_file)
        self.counters: dict[str, Any] = {}
        self.counter_servers: dict[str, ScpiServer] = {}
        self.replays: dict[str, Any] = {}
        self._make_counters()
        self.kernel = SimKernel(
            self.gnss, start_utc=start, time_scale=cfg.time_scale,
            expected_nodes=[n.name for n in process_nodes], sinks=[self._to_counters],
            events=self.events, node_timeout_s=cfg.node_timeout_s, join_wait_s=cfg.join_wait_s,
            duration_s=cfg.duration_s, port=cfg.kernel_port,
        )
        self.device = GsgDevice(self.kernel, self.gnss)
        self.gnss_server = ScpiServer(self.device, port=cfg.gnss_port)
        self._closed = False
        self._lock = threading.Lock()

    def _make_counters(self) -> None:
        for n in self.cfg.nodes:
            counter = CounterEmulator(node=n.name, node_index=n.index, seed=self.cfg.seed,
                                      noise_rms_ps=self.cfg.counter_noise_rms_ps)
            self.counters[n.name] = counter
            self.counter_servers[n.name] = ScpiServer(counter).start()
            if n.pps_replay_file:
                self.replays[n.name] = PhaseReplay(n.pps_replay_file)

    def _to_counters(self, result: StepResult) -> None:
        """Wire the reference PPS to channel 1 and each node's PPS, through its delay cable, to channel 2.

        The cable (``counter_channel2_delay_ns``) keeps the interval positive while a node's TE hovers
        around zero; otherwise a counter alternates between ~0 and ~1 s readings and, measuring one
        interval per reference edge, skips seconds. The capture subtracts the same calibrated delay.
        """
        delay_ps = int(self.cfg.counter_channel2_delay_ns) * PS_PER_NS
        ref_ps = [e * PS_PER_NS for e in result.ref_edges_ns]
        for name, counter in self.counters.items():
            if name in self.replays:
                node_ps = list(self.replays[name].edges_ps(result.k))
            else:
                edges = result.node_edges_ns.get(name) or []
                node_ps = [e * PS_PER_NS for e in edges]
            counter.on_step(result.k, ref_ps, [e + delay_ps for e in node_ps])

    def start(self) -> dict[str, Any]:
        self.kernel.open()
        self.gnss_server.start()
        ready = {
            "pid": os.getpid(),
            "kernel": {"host": "127.0.0.1", "port": self.kernel.port},
            "gnss": {"address": self.gnss_server.visa_address, "port": self.gnss_server.port},
            "counters": {name: srv.visa_address for name, srv in self.counter_servers.items()},
        }
        write_atomic(Path(self.cfg.ready_file), json.dumps(ready, indent=2))
        if self.events:
            self.events.emit("labserver", action="ready", **{k: v for k, v in ready.items() if k != "pid"})
        if self.cfg.autostart:
            self.kernel.start()
        return ready

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.kernel.close()
        self.gnss_server.close()
        for srv in self.counter_servers.values():
            srv.close()
        if self.events:
            self.events.emit("labserver", action="stopped")


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.emu.labserver", description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="JSON config written by the emulab resource")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        server = LabServer(LabServerConfig.load(args.config))
        server.start()
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
