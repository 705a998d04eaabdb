"""A minimal node client for kernel/emulator tests (not the real node: that is bench/node).

It speaks the node channel exactly as docs/simulation.md says — hello, then for each tick read
``nmea_bytes`` from the serial device and answer done — and models a crude clock whose PPS is
the receiver's edge plus its own seeded noise, so determinism and pacing can be tested before
(and independently of) the reference node.
"""

from __future__ import annotations

import json
import os
import select
import socket
import threading
import time

import numpy as np

NS = 1_000_000_000


class MiniNode:
    def __init__(self, name: str, port: int, serial_path: str | None = None, seed: int = 7,
                 stall_at_k: int | None = None) -> None:
        self.name = name
        self.port = port
        self.serial_path = serial_path
        self.rng = np.random.default_rng(seed)
        self.stall_at_k = stall_at_k
        self.ticks: list[dict] = []
        self.pps_out: dict[int, list[int]] = {}
        self.serial_bytes: dict[int, bytes] = {}
        self.welcome: dict | None = None
        self.got_bye = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._sock: socket.socket | None = None
        self._fd: int | None = None

    def start(self) -> MiniNode:
        if self.serial_path:
            self._fd = os.open(self.serial_path, os.O_RDWR | os.O_NOCTTY)
        self._sock = socket.create_connection(("127.0.0.1", self.port))
        self._sock.sendall((json.dumps({"type": "hello", "node": self.name}) + "\n").encode())
        self._thread.start()
        return self

    def _read_exact(self, n: int) -> bytes:
        data = b""
        deadline = time.monotonic() + 1.0
        while len(data) < n and self._fd is not None:
            r, _, _ = select.select([self._fd], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                break
            data += os.read(self._fd, n - len(data))
        return data

    def _run(self) -> None:
        assert self._sock is not None
        f = self._sock.makefile("rb")
        phase_ns = 0.0
        for line in f:
            msg = json.loads(line)
            if msg["type"] == "welcome":
                self.welcome = msg
            elif msg["type"] == "bye":
                self.got_bye.set()
                break
            elif msg["type"] == "tick":
                k = msg["k"]
                self.ticks.append(msg)
                self.serial_bytes[k] = self._read_exact(msg["nmea_bytes"])
                if self.stall_at_k is not None and k >= self.stall_at_k:
                    continue            # never answers: the kernel must time us out
                if msg["pps_edges_ns"]:
                    phase_ns = 0.8 * phase_ns + 0.2 * (msg["pps_edges_ns"][0] - msg["t_ns"])
                edge = (k + 1) * NS + int(round(phase_ns + self.rng.normal(0, 1.0)))
                self.pps_out[k] = [edge]
                reply = {"type": "done", "k": k, "pps_out_ns": [edge], "state": "locked" if k > 3 else "locking"}
                self._sock.sendall((json.dumps(reply) + "\n").encode())

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
