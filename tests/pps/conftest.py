"""Fixtures for the PPS measurement tests: a real counter emulator on a real socket, driven step by step."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from bench.emu.counter import CounterEmulator
from bench.emu.scpi import ScpiServer

PS = 10**12
EdgeFn = Callable[[int], list[int]]


def lag_ps(offset_ps: int) -> EdgeFn:
    """A node whose PPS edge of second k is ``offset_ps`` after the reference edge."""
    return lambda k: [k * PS + offset_ps]


class Stepper:
    """Plays the kernel: calls ``on_step`` for k = 0, 1, … in a thread, as fast as allowed."""

    def __init__(self, device: CounterEmulator, node_edges: EdgeFn, period_s: float = 0.0) -> None:
        self.device = device
        self.node_edges = node_edges
        self.period_s = period_s
        self.k = 0
        self.limit: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            with self.lock:
                k = self.k
                self.device.on_step(k, [k * PS], self.node_edges(k))
                self.k += 1

    def start(self, limit: int | None = None) -> Stepper:
        self.limit = limit
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set() and (self.limit is None or self.k < self.limit):
            self.step()
            if self.period_s:
                self._stop.wait(self.period_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)


@pytest.fixture
def counter() -> Iterator[tuple[CounterEmulator, ScpiServer]]:
    device = CounterEmulator("node1", 1, seed=42, noise_rms_ps=0.0)
    server = ScpiServer(device).start()
    yield device, server
    server.close()


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[str], bytes | None]], str]]:
    """A tiny TCP server answering each received line with whatever ``reply(line)`` returns (bytes as is)."""
    servers: list[socket.socket] = []

    def make(reply: Callable[[str], bytes | None]) -> str:
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        servers.append(srv)

        def serve() -> None:
            while True:
                try:
                    conn, _ = srv.accept()
                except OSError:
                    return
                threading.Thread(target=handle, args=(conn,), daemon=True).start()

        def handle(conn: socket.socket) -> None:
            buf = b""
            with conn:
                while True:
                    try:
                        data = conn.recv(4096)
                    except OSError:
                        return
                    if not data:
                        return
                    buf += data
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        answer = reply(line.decode())
                        if answer is None:
                            continue
                        if answer == b"<close>":
                            return
                        conn.sendall(answer)

        threading.Thread(target=serve, daemon=True).start()
        return f"TCPIP::127.0.0.1::{srv.getsockname()[1]}::SOCKET"

    yield make
    for srv in servers:
        srv.close()
