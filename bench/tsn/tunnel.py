"""One endpoint attached to a switch port through the tunnel protocol of ``bench.emu.switch.wire``.

Why: nodes, load generators and receivers all need the same few things — attach, send a frame at a
simulated time, promise a horizon, and collect what arrived with its simulated arrival time — and
must never let wall-clock time leak into a timestamp. A ``TunnelPort`` is one UDP socket on
127.0.0.1 talking to one switch port.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

from bench.emu.switch import wire
from bench.emu.switch.wire import NEVER_NS, T_ATTACH, T_BARRIER, T_BARRIER_ACK, T_DETACH, T_FRAME, WireError
from bench.errors import LabError


@dataclass(frozen=True, slots=True)
class Arrival:
    """A delivered frame: last bit at the receiver at ``arrival_ns``; its first bit left the switch at
    ``departure_ns``."""

    arrival_ns: int
    departure_ns: int
    frame: bytes


class TunnelPort:
    """A UDP socket attached to switch port ``port`` (tunnel at ``host:udp_port``)."""

    def __init__(self, udp_port: int, port: int, host: str = "127.0.0.1") -> None:
        self.addr = (host, udp_port)
        self.port = port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF):
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, opt, 4 * 1024 * 1024)
            except OSError:
                pass
        self.sock.bind(("127.0.0.1", 0))
        self.sock.connect(self.addr)
        self.sock.setblocking(False)
        self.seq = 0
        self.acked_ns = -1
        self.arrivals: list[Arrival] = []
        self.bad_datagrams = 0
        self.gaps = 0
        self._rx_seq: int | None = None
        self.last_sent_ns = -1

    def fileno(self) -> int:
        return self.sock.fileno()

    def _tx(self, data: bytes) -> None:
        try:
            self.sock.send(data)
        except OSError as exc:
            raise LabError(f"switch tunnel {self.addr[0]}:{self.addr[1]} (port {self.port}): send failed: "
                           f"{exc.strerror or exc}") from None

    def attach(self, timeout_s: float = 5.0) -> int:
        """Attach; returns the switch's current horizon (send nothing earlier than it)."""
        self.acked_ns = -1
        self._tx(wire.encode(T_ATTACH, self.port, 0, 0))
        deadline = time.monotonic() + timeout_s
        while self.acked_ns < 0:
            if time.monotonic() > deadline:
                raise LabError(f"switch tunnel {self.addr[0]}:{self.addr[1]} (port {self.port}) did not answer "
                               f"ATTACH within {timeout_s:.0f} s — is the switch running?")
            self.wait_readable(0.05)
            self.receive()
        self.last_sent_ns = self.acked_ns
        return self.acked_ns

    def wait_readable(self, timeout_s: float) -> None:
        import select

        select.select([self.sock], [], [], timeout_s)

    def send_frame(self, t_ns: int, frame: bytes) -> None:
        """Send a frame whose first bit leaves this endpoint at simulated ``t_ns`` (non-decreasing)."""
        if t_ns < self.last_sent_ns:
            raise ValueError(f"port {self.port}: frame at {t_ns} ns is earlier than {self.last_sent_ns} ns "
                             "already promised or sent")
        self.last_sent_ns = t_ns
        self.seq = (self.seq + 1) & 0xFFFFFFFF
        self._tx(wire.encode(T_FRAME, self.port, self.seq, t_ns, frame))

    def barrier(self, t_ns: int) -> None:
        """Promise that nothing below ``t_ns`` will be sent any more (``NEVER_NS``: receive only)."""
        self.last_sent_ns = max(self.last_sent_ns, t_ns)
        self._tx(wire.encode(T_BARRIER, self.port, 0, t_ns))

    def receive_only(self) -> None:
        self.barrier(NEVER_NS)

    def detach(self) -> None:
        try:
            self.sock.send(wire.encode(T_DETACH, self.port, 0, 0))
        except OSError:
            pass

    def receive(self) -> int:
        """Read every queued datagram; frames go to ``arrivals``; returns the number read."""
        n = 0
        while True:
            try:
                data = self.sock.recv(65535)
            except (BlockingIOError, InterruptedError):
                return n
            except ConnectionRefusedError as exc:
                raise LabError(f"switch tunnel {self.addr[0]}:{self.addr[1]} (port {self.port}): "
                               f"connection refused — the switch is not running") from exc
            n += 1
            try:
                d = wire.decode(data)
            except WireError:
                self.bad_datagrams += 1
                continue
            if self._rx_seq is not None and d.seq != self._rx_seq:
                self.gaps += 1
            self._rx_seq = (d.seq + 1) & 0xFFFFFFFF
            if d.kind == T_FRAME:
                self.arrivals.append(Arrival(d.t_ns, d.aux_ns, d.frame))
            elif d.kind == T_BARRIER_ACK:
                if d.t_ns > self.acked_ns:
                    self.acked_ns = d.t_ns

    def close(self) -> None:
        self.detach()
        self.sock.close()
