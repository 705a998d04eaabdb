"""The emulated lab server as a lab resource (kind ``emulab``).

Why: the kernel, the GNSS simulator emulator and the counters live in one process
(``python -m bench.emu.labserver``); like every resource it must be started, health-checked and
torn down from recorded state alone. It starts after the serial pairs (it writes to their
receiver ends) and before the nodes (they connect to its kernel port). It fills
``endpoints["kernel"]`` = {"host", "port"}, ``endpoints["gnss"]`` = {"address"} and
``endpoints["counters"][node]`` = VISA address, plus ``endpoints["emulab"]`` (events file, config).

Profile knobs (``[instruments.gnss.options]``): ``leap_seconds`` ("2026-06-30[,...]": UTC days
ending in 23:59:60), ``replay_file`` (a receiver log to replay from the start), ``join_wait_s``,
``node_timeout_s``, ``duration_s``, ``autostart`` (start the scenario without an SCPI START).
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

from bench.errors import LabError
from bench.lab.resource import Resource, pid_alive, process_state, spawn, terminate_pid
from bench.profile.models import Profile

READY_TIMEOUT_S = 20.0


def counter_channel2_delay_ns(profile: Profile) -> int:
    """The delay cable in front of each counter's node channel (``instruments.counter.options``)."""
    counter = profile.instruments.get("counter")
    value = counter.options.get("channel2_delay_ns", 0) if counter else 0
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise LabError(f"instruments.counter.options.channel2_delay_ns must be a non-negative number of ns, "
                       f"got {value!r}")
    return int(value)


def labserver_config(profile: Profile, endpoints: dict[str, Any], lab_dir: Path) -> dict[str, Any]:
    """The labserver's JSON config from the profile and the endpoints planned so far."""
    emu = profile.emulation
    serial = endpoints.get("serial", {})
    nodes = []
    for index, node in enumerate(profile.nodes.resolved(), start=1):
        assert node.name is not None
        entry: dict[str, Any] = {"name": node.name, "index": index}
        if node.pps_replay_file:
            entry["pps_replay_file"] = node.pps_replay_file
        else:
            if node.name not in serial:
                raise LabError(f"emulab: node {node.name} has no serial pair (plan order: serial pairs first)")
            entry["serial"] = serial[node.name]["receiver"]
        nodes.append(entry)
    base = lab_dir / "emulab"
    cfg: dict[str, Any] = {
        "ready_file": str(base / "ready.json"),
        # a run's lab writes its events into the run's log (endpoints["events_path"]); a bare lab keeps its own
        "events_path": str(endpoints.get("events_path") or base / "events.jsonl"),
        "nodes": nodes,
        "seed": emu.seed,
        "time_scale": emu.time_scale,
        "start_utc": emu.start_utc.isoformat(),
        "talker": emu.nmea_talker,
        "quantization_ns": emu.receiver_quantization_ns,
        "cable_delay_ns": emu.cable_delay_ns,
        "counter_noise_rms_ps": emu.counter_noise_rms_ps,
        "counter_channel2_delay_ns": counter_channel2_delay_ns(profile),
    }
    gnss = profile.instruments.get("gnss")
    opts = dict(gnss.options) if gnss else {}
    if "leap_seconds" in opts:
        cfg["leap_seconds"] = [d.strip() for d in str(opts.pop("leap_seconds")).split(",") if d.strip()]
    if "replay_file" in opts:
        cfg["replay_file"] = str(opts.pop("replay_file"))
    for key, typ in (("join_wait_s", float), ("node_timeout_s", float), ("duration_s", int), ("autostart", bool)):
        if key in opts:
            cfg[key] = typ(opts.pop(key))
    if opts:
        raise LabError(f"instruments.gnss.options: unknown option(s) {sorted(opts)} for the emulated GSG; known: "
                       "leap_seconds, replay_file, join_wait_s, node_timeout_s, duration_s, autostart")
    return cfg


class EmuLab(Resource):
    """The labserver process."""

    kind: ClassVar[str] = "emulab"

    def __init__(self, name: str, profile: Profile, lab_dir: Path, endpoints: dict[str, Any],
                 start_timeout_s: float = READY_TIMEOUT_S) -> None:
        super().__init__(name)
        self.profile = profile
        self.lab_dir = Path(lab_dir)
        self.endpoints = endpoints
        self.start_timeout_s = start_timeout_s
        self.base = self.lab_dir / "emulab"
        self.config_path = self.base / "config.json"
        self.state = {"config": str(self.config_path), "ready_file": str(self.base / "ready.json")}

    def create(self) -> None:
        cfg = labserver_config(self.profile, self.endpoints, self.lab_dir)
        self.base.mkdir(parents=True, exist_ok=True)
        Path(cfg["ready_file"]).unlink(missing_ok=True)
        self.config_path.write_text(json.dumps(cfg, indent=2), encoding="utf-8")
        self.state["events"] = cfg["events_path"]

    def start(self) -> None:
        if self.state.get("pid") and pid_alive(self.state["pid"], self.state.get("pid_create_time")):
            return
        ready_file = Path(self.state["ready_file"])
        log = self.lab_dir / "logs" / "emulab.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        proc = spawn([sys.executable, "-m", "bench.emu.labserver", "--config", str(self.config_path)],
                     log_path=str(log))
        self.state.update(process_state(proc))
        self.state["log"] = str(log)
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if ready_file.is_file():
                ready = self._read_ready(ready_file)
                self._fill_endpoints(ready)
                self.state["gnss_port"] = ready["gnss"]["port"]
                return
            if proc.poll() is not None:
                self.stop()
                raise LabError(f"emulab: lab server exited with code {proc.returncode} before it was ready; "
                               f"last log lines: {_tail(log)}")
            time.sleep(0.02)
        self.stop()
        raise LabError(f"emulab: lab server did not write {ready_file} within {self.start_timeout_s:.0f} s "
                       f"(see {log})")

    @staticmethod
    def _read_ready(path: Path) -> dict[str, Any]:
        try:
            ready = json.loads(path.read_text(encoding="utf-8"))
            _ = ready["kernel"]["port"], ready["gnss"]["address"], ready["counters"]
            return ready
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise LabError(f"emulab: ready file {path} is malformed: {exc}") from None

    def _fill_endpoints(self, ready: dict[str, Any]) -> None:
        self.endpoints["kernel"] = {"host": ready["kernel"]["host"], "port": ready["kernel"]["port"]}
        self.endpoints["gnss"] = {"address": ready["gnss"]["address"]}
        self.endpoints["counters"] = dict(ready["counters"])
        self.endpoints["emulab"] = {"events": self.state.get("events"), "config": str(self.config_path)}

    def health(self) -> tuple[bool, str]:
        return self.health_state(self.state)

    @classmethod
    def health_state(cls, state: dict[str, Any]) -> tuple[bool, str]:
        pid = state.get("pid")
        if not pid or not pid_alive(pid, state.get("pid_create_time")):
            return False, f"lab server pid {pid} not running"
        port = state.get("gnss_port")
        if not port:
            return False, "lab server not ready (no GNSS port recorded)"
        try:
            with socket.create_connection(("127.0.0.1", int(port)), timeout=2.0) as sock:
                sock.sendall(b"*IDN?\n")
                sock.settimeout(2.0)
                answer = sock.makefile("rb").readline().decode("ascii", "replace").strip()
        except OSError as exc:
            return False, f"lab server pid {pid}: GNSS SCPI port {port} not answering ({exc})"
        return bool(answer), f"lab server pid {pid}; GNSS *IDN? -> {answer!r}"

    @classmethod
    def stop_state(cls, state: dict[str, Any]) -> None:
        terminate_pid(state.get("pid"), state.get("pid_create_time"), timeout_s=10.0)
        if state.get("ready_file"):
            with contextlib.suppress(OSError):
                Path(state["ready_file"]).unlink(missing_ok=True)


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no log)"
