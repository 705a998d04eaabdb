"""The switch's data plane: UDP tunnel ports on 127.0.0.1 feeding the model in simulated-time windows.

Why this shape: frames reach us in wall-clock order, but must be scheduled in simulated-time order.
Each attached endpoint promises, with a BARRIER datagram, that it will send nothing below a time;
the global horizon ``H`` is the minimum promise over attached senders (a receive-only endpoint
promises ``NEVER``). Whenever ``H`` grows, the model forwards everything below it and decides every
transmission up to it; the departures go out stamped with their modelled arrival times, and every
attached endpoint gets a BARRIER_ACK(H): "everything that reaches you before H has been sent to
you; I have scheduled everything up to H". Senders use the ACK as flow control (send a window, wait
for its ACK), receivers to know a window is complete. No wall-clock time enters any timestamp.

Protocol per endpoint: ATTACH (answered with BARRIER_ACK(current H); the endpoint must send
nothing below that), then FRAMEs with non-decreasing times and BARRIERs; DETACH ends it (the port
stops constraining ``H``; frames already sent are still delivered to later attachments).
"""

from __future__ import annotations

import selectors
import socket
from pathlib import Path
from typing import Any

from bench.emu.switch import wire
from bench.emu.switch.control import SwitchControl
from bench.emu.switch.wire import NEVER_NS, T_ATTACH, T_BARRIER, T_BARRIER_ACK, T_DETACH, T_FRAME, WireError

RCVBUF_BYTES = 4 * 1024 * 1024


class DataPlane:
    """Sockets + horizon bookkeeping around a ``SwitchControl``'s model."""

    def __init__(self, control: SwitchControl, udp_ports: list[int], pcap_path: str | None = None,
                 log: Any = None) -> None:
        self.control = control
        self.model = control.model
        self.socks: list[socket.socket] = [socket.socket()]  # index 0 unused
        self.socks[0].close()
        for p in udp_ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for opt in (socket.SO_RCVBUF, socket.SO_SNDBUF):
                try:
                    s.setsockopt(socket.SOL_SOCKET, opt, RCVBUF_BYTES)
                except OSError:
                    pass
            s.bind(("127.0.0.1", p))
            s.setblocking(False)
            self.socks.append(s)
        self.udp_ports = [s.getsockname()[1] for s in self.socks[1:]]
        self.peers: dict[int, tuple[str, int]] = {}
        self.promises: dict[int, int] = {}
        self.rx_seq: dict[int, int] = {}
        self.tx_seq = [0] * (len(self.socks))
        self.bad_datagrams = 0
        self.tunnel_gaps = 0
        self.undeliverable = 0
        self.forwarded = 0
        self._log = log
        self._pcap: Any = None
        if pcap_path:
            from scapy.utils import PcapWriter  # imported only when a capture is asked for (slow import)

            Path(pcap_path).parent.mkdir(parents=True, exist_ok=True)
            self._pcap = PcapWriter(pcap_path, linktype=1, nano=True, sync=False)
            self._pcap.write_header(None)  # write_packet() alone never writes the file header
            self._pcap.flush()
        self._sel = selectors.DefaultSelector()
        for i, s in enumerate(self.socks[1:], start=1):
            self._sel.register(s, selectors.EVENT_READ, i)

    def _say(self, msg: str) -> None:
        if self._log is not None:
            self._log(msg)

    def poll(self, timeout_s: float) -> int:
        """Wait up to ``timeout_s`` for datagrams, handle all that are queued; return how many."""
        handled = 0
        for key, _ in self._sel.select(timeout_s):
            handled += self._drain(key.data)
        if handled:
            self._maybe_advance()
        return handled

    def _drain(self, port: int) -> int:
        s = self.socks[port]
        n = 0
        model = self.model
        while n < 4096:
            try:
                data, addr = s.recvfrom(65535)
            except BlockingIOError:
                break
            except OSError:
                break
            n += 1
            try:
                d = wire.decode(data)
            except WireError as exc:
                self.bad_datagrams += 1
                if self.bad_datagrams <= 10:
                    self._say(f"port {port}: dropped a bad datagram from {addr}: {exc}")
                continue
            kind = d.kind
            if kind == T_FRAME:
                if self.peers.get(port) != addr:
                    self.bad_datagrams += 1
                    continue  # frames only from the attached endpoint
                expect = self.rx_seq.get(port)
                if expect is not None and d.seq != expect:
                    self.tunnel_gaps += 1
                self.rx_seq[port] = (d.seq + 1) & 0xFFFFFFFF
                with self.control.lock:
                    if d.t_ns < self.promises.get(port, 0):
                        model.port(port).counters.late_frames += 1
                        continue
                    model.ingress(port, d.t_ns, d.seq, d.frame)
            elif kind == T_BARRIER:
                if self.peers.get(port) == addr and d.t_ns > self.promises.get(port, -1):
                    self.promises[port] = d.t_ns
            elif kind == T_ATTACH:
                self.peers[port] = addr
                self.rx_seq.pop(port, None)
                with self.control.lock:
                    h = model.horizon_ns
                self.promises[port] = max(h, d.t_ns)
                self._send(port, wire.encode(T_BARRIER_ACK, port, self._next_seq(port), h))
                self._say(f"port {port}: attached {addr[0]}:{addr[1]} at {h} ns")
            elif kind == T_DETACH:
                if self.peers.get(port) == addr:
                    del self.peers[port]
                    self.promises.pop(port, None)
                    self._say(f"port {port}: detached")
            else:
                self.bad_datagrams += 1
        return n

    def _next_seq(self, port: int) -> int:
        self.tx_seq[port] = (self.tx_seq[port] + 1) & 0xFFFFFFFF
        return self.tx_seq[port]

    def _send(self, port: int, data: bytes) -> None:
        peer = self.peers.get(port)
        if peer is None:
            return
        try:
            self.socks[port].sendto(data, peer)
        except OSError as exc:
            self.undeliverable += 1
            if self.undeliverable <= 10:
                self._say(f"port {port}: cannot send to {peer}: {exc}")

    def _maybe_advance(self) -> None:
        finite = [t for t in self.promises.values() if t < NEVER_NS]
        if not finite:
            return
        horizon = min(finite)
        with self.control.lock:
            if horizon <= self.model.horizon_ns:
                return
            deps = self.model.advance(horizon)
        pcap = self._pcap
        encode = wire.encode
        for d in deps:
            if pcap is not None:
                pcap.write_packet(d.frame, sec=d.start_ns // 1_000_000_000, usec=d.start_ns % 1_000_000_000)
            if d.lost:
                continue
            if d.port not in self.peers:
                self.undeliverable += 1
                continue
            self._send(d.port, encode(T_FRAME, d.port, self._next_seq(d.port), d.arrival_ns, d.frame, d.start_ns))
            self.forwarded += 1
        for port in list(self.peers):
            self._send(port, encode(T_BARRIER_ACK, port, self._next_seq(port), horizon))

    def close(self) -> None:
        if self._pcap is not None:
            self._pcap.close()
            self._pcap = None
        self._sel.close()
        for s in self.socks[1:]:
            s.close()
