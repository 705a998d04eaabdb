"""The reference node as a process: serial port and kernel channel in, ``done`` answers out.

Why this exists: the node must behave like a real device on the wire — read its serial device with
pyserial, speak the kernel's JSON-lines channel (docs/simulation.md), survive any byte stream, a lost
kernel connection (reconnect with backoff) and SIGTERM (clean exit) — while all timing logic stays in
``bench.node.core``. Wall-clock time here only paces I/O; it never enters a measured value.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import threading
from collections import Counter
from datetime import datetime
from types import FrameType
from typing import Any

import serial

from bench.errors import BenchError, InputError
from bench.node.config import NodeConfig
from bench.node.core import ReferenceNode
from bench.node.http import SnapshotBox, StatusServer
from bench.sim import messages

log = logging.getLogger("bench.node")

SERIAL_TIMEOUT_S = 1.0
SOCKET_POLL_S = 0.5
BACKOFF_START_S = 0.1
BACKOFF_MAX_S = 2.0


class SerialInput:
    """The node's receiver port: reads exactly the bytes of one step; reopens the device if it fails."""

    def __init__(self, path: str, events: Counter[str]) -> None:
        self.path = path
        self.events = events
        self._port: serial.Serial | None = None

    def _open(self) -> serial.Serial | None:
        if self._port is None:
            try:
                self._port = serial.Serial(self.path, timeout=SERIAL_TIMEOUT_S)
            except (serial.SerialException, OSError) as exc:
                self.events["serial_open_error"] += 1
                log.warning("serial %s: cannot open: %s", self.path, exc)
                return None
        return self._port

    def open(self) -> bool:
        """Open the device now (pyserial flushes its input on open, so do it before the first step)."""
        return self._open() is not None

    def read_step(self, nbytes: int) -> bytes:
        """Read exactly ``nbytes`` (1 s wall timeout), then whatever is already waiting.

        The kernel writes step k+1 only after every node answered step k, so bytes beyond ``nbytes``
        can only be stale ones from before the node joined; taking them now realigns the stream.
        """
        port = self._open()
        if port is None or nbytes <= 0:
            return b""
        try:
            data = port.read(nbytes)
            if len(data) < nbytes:
                self.events["serial_short_read"] += 1
            waiting = port.in_waiting
            if waiting:
                self.events["serial_extra_bytes"] += waiting
                data += port.read(waiting)
            return bytes(data)
        except (serial.SerialException, OSError) as exc:
            self.events["serial_read_error"] += 1
            log.warning("serial %s: read failed (%s); reopening", self.path, exc)
            self.close()
            return b""

    def close(self) -> None:
        if self._port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                self._port.close()
            self._port = None


class KernelLink:
    """One TCP connection to the kernel's node channel, read as JSON lines with a short poll timeout."""

    def __init__(self, host: str, port: int) -> None:
        self.sock = socket.create_connection((host, port), timeout=SOCKET_POLL_S * 4)
        self.sock.settimeout(SOCKET_POLL_S)
        self._buffer = b""

    def send(self, message: dict[str, Any]) -> None:
        self.sock.sendall(messages.encode(message))

    def read_line(self) -> bytes | None:
        """The next line, or None if none arrived within the poll timeout. Raises ConnectionError on EOF."""
        while b"\n" not in self._buffer:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                return None
            if not chunk:
                raise ConnectionError("kernel closed the connection")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()


class NodeProcess:
    """Runs one node until SIGTERM: connects, says hello, answers ticks, reconnects when the kernel goes."""

    def __init__(self, name: str, serial_path: str, kernel_host: str, kernel_port: int, http_port: int,
                 config: NodeConfig) -> None:
        self.name = name
        self.kernel_host = kernel_host
        self.kernel_port = kernel_port
        self.config = config
        self.stop_event = threading.Event()
        self.io_events: Counter[str] = Counter()
        self.node = ReferenceNode(name, config)
        self.serial = SerialInput(serial_path, self.io_events)
        self.box = SnapshotBox(self._snapshot())
        self.server = StatusServer(http_port, self.box)

    def _snapshot(self) -> dict[str, Any]:
        snap = self.node.snapshot()
        events = Counter(snap["events"])
        events.update(self.io_events)
        snap["events"] = dict(sorted(events.items()))
        return snap

    def request_stop(self, signum: int = signal.SIGTERM, frame: FrameType | None = None) -> None:
        self.stop_event.set()

    def run(self) -> int:
        self.server.start()
        self.serial.open()
        log.info("node %s: status on http://127.0.0.1:%d, kernel %s:%d", self.name, self.server.port,
                 self.kernel_host, self.kernel_port)
        backoff_s = BACKOFF_START_S
        try:
            while not self.stop_event.is_set():
                try:
                    link = KernelLink(self.kernel_host, self.kernel_port)
                except OSError as exc:
                    self.io_events["kernel_connect_failed"] += 1
                    log.info("node %s: kernel %s:%d not reachable (%s); retry in %.1f s", self.name,
                             self.kernel_host, self.kernel_port, exc, backoff_s)
                    self.stop_event.wait(backoff_s)
                    backoff_s = min(backoff_s * 2, BACKOFF_MAX_S)
                    continue
                try:
                    if self._session(link):
                        backoff_s = BACKOFF_START_S
                except (ConnectionError, OSError) as exc:
                    self.io_events["kernel_connection_lost"] += 1
                    log.warning("node %s: kernel connection lost (%s); reconnecting", self.name, exc)
                finally:
                    link.close()
                if not self.stop_event.is_set():
                    self.stop_event.wait(backoff_s)
                    backoff_s = min(backoff_s * 2, BACKOFF_MAX_S)
        finally:
            self.serial.close()
            self.server.stop()
        log.info("node %s: stopped", self.name)
        return 0

    def _session(self, link: KernelLink) -> bool:
        """One connection: hello, welcome, ticks until bye/EOF. True if the kernel welcomed the node."""
        link.send(messages.hello(self.name))
        welcomed = False
        while not self.stop_event.is_set():
            raw = link.read_line()
            if raw is None or not raw.strip():
                continue
            try:
                msg = messages.decode(raw)
            except BenchError as exc:
                self.io_events["kernel_bad_line"] += 1
                log.warning("node %s: %s", self.name, exc)
                continue
            kind = msg["type"]
            if kind == "welcome":
                welcomed = True
                self._welcome(msg)
            elif kind == "tick":
                if not welcomed:
                    self.io_events["tick_before_welcome"] += 1
                self._tick(link, msg)
            elif kind == "bye":
                log.info("node %s: kernel said bye", self.name)
                return welcomed
            else:
                self.io_events["kernel_unknown_message"] += 1
        return welcomed

    def _welcome(self, msg: dict[str, Any]) -> None:
        start = msg.get("start_utc")
        if isinstance(start, str):
            try:
                start_utc = datetime.fromisoformat(start.replace("Z", "+00:00"))
            except ValueError:
                log.warning("node %s: welcome start_utc %r is not ISO 8601; keeping the config's", self.name, start)
            else:
                if start_utc.tzinfo is not None and start_utc != self.config.start_utc:
                    log.warning("node %s: kernel start_utc %s differs from config %s; using the kernel's",
                                self.name, start_utc.isoformat(), self.config.start_utc.isoformat())
                    self.config = self.config.model_copy(update={"start_utc": start_utc})
                    self.node = ReferenceNode(self.name, self.config)
        log.info("node %s: welcomed", self.name)

    def _tick(self, link: KernelLink, msg: dict[str, Any]) -> None:
        try:
            k, t_ns, edges, nbytes = _tick_fields(msg)
        except InputError as exc:
            self.io_events["kernel_bad_tick"] += 1
            log.warning("node %s: %s", self.name, exc)
            return
        data = self.serial.read_step(nbytes)
        if self.node.last_k is not None and k <= self.node.last_k:
            log.info("node %s: step %d after %d: a new scenario; restarting the node model", self.name, k,
                     self.node.last_k)
            self.node = ReferenceNode(self.name, self.config)
        previous = self.node.servo.state
        try:
            result = self.node.step(k, t_ns, edges, data)
            pps_out, state = result.pps_out_ns, result.state
        except Exception:  # noqa: BLE001 - the node must answer every tick; the fault is logged and counted
            self.io_events["internal_error"] += 1
            log.exception("node %s: step %d failed", self.name, k)
            pps_out, state = [], self.node.servo.state.value
        if state != previous.value:
            log.info("node %s: k=%d state %s -> %s", self.name, k, previous.value, state)
        self.box.publish(self._snapshot())  # before done: whoever reacts to done sees this step's state
        link.send({"type": "done", "k": k, "pps_out_ns": pps_out, "state": state})


def _tick_fields(msg: dict[str, Any]) -> tuple[int, int, list[int], int]:
    def whole(key: str, value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError(f"kernel tick: '{key}' must be an integer, got {value!r}")
        return value

    k = whole("k", msg.get("k"))
    t_ns = whole("t_ns", msg.get("t_ns", k * 1_000_000_000))
    raw_edges = msg.get("pps_edges_ns", [])
    if not isinstance(raw_edges, list):
        raise InputError(f"kernel tick {k}: 'pps_edges_ns' must be a list, got {raw_edges!r}")
    edges = [whole("pps_edges_ns[]", e) for e in raw_edges]
    nbytes = whole("nmea_bytes", msg.get("nmea_bytes", 0))
    if nbytes < 0:
        raise InputError(f"kernel tick {k}: 'nmea_bytes' is negative ({nbytes})")
    return k, t_ns, edges, nbytes
