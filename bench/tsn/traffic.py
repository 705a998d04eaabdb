"""Critical cyclic traffic and best-effort load through a switch, in simulated-time windows.

Why: the deadline KPIs need, per cycle, the true time a node's critical frame left and the true
time it arrived. A ``CriticalFlow`` sends one frame (802.1Q PCP 7 by default) at the start of each
cycle of its node's clock (``clock`` maps local -> true ns); a ``LoadFlow`` sends best-effort frames
(PCP 0) back to back at a share of the line rate. ``TrafficRun`` attaches one tunnel endpoint per
switch port used, advances the network one cycle at a time (send the window's frames, promise its
end, wait for the switch's acknowledgement), and records every critical arrival with the switch's
modelled timestamps. Frames are built with scapy (once, as templates; payload fields are patched
per frame for speed) and critical frames are parsed back with scapy at the receiver.

Payload of every bench frame (EtherType 0x88B5, IEEE local experimental)::

    magic b"HBTS" | run_id u32 | flow_id u16 | kind u8 (1 critical, 2 load) | pad u8 | seq u64 | ...
"""

from __future__ import annotations

import csv
import random
import selectors
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.emu.switch.wire import bits_to_ns, wire_bits_occupied
from bench.errors import InputError, LabError
from bench.tsn.clock import PERFECT, LocalToTrue
from bench.tsn.tunnel import TunnelPort

ETHERTYPE_BENCH = 0x88B5
PAYLOAD = struct.Struct("!4sIHBBQ")
MAGIC = b"HBTS"
KIND_CRITICAL = 1
KIND_LOAD = 2
KIND_ANNOUNCE = 3
TAGGED_HEADER = 18  # dst, src, 802.1Q tag, EtherType


def build_frame(src_mac: str, dst_mac: str, pcp: int, vlan: int, frame_len: int) -> bytearray:
    """A tagged Ethernet frame of ``frame_len`` bytes (no FCS) with the bench EtherType, built by scapy."""
    from scapy.layers.l2 import Dot1Q, Ether
    from scapy.packet import Raw

    if not 0 <= pcp <= 7:
        raise InputError(f"PCP {pcp} is outside 0..7")
    if not 0 <= vlan <= 4094:
        raise InputError(f"VLAN id {vlan} is outside 0..4094")
    if not TAGGED_HEADER + PAYLOAD.size <= frame_len <= 1518:
        raise InputError(f"frame length {frame_len} B is outside {TAGGED_HEADER + PAYLOAD.size}..1518 "
                         "(tagged, FCS excluded)")
    pad = frame_len - TAGGED_HEADER
    try:
        pkt = Ether(dst=dst_mac, src=src_mac) / Dot1Q(prio=pcp, vlan=vlan, type=ETHERTYPE_BENCH) / Raw(b"\0" * pad)
        raw = bytearray(bytes(pkt))
    except (ValueError, TypeError, OSError) as exc:
        raise InputError(f"cannot build a frame {src_mac} -> {dst_mac}: {exc}") from None
    assert len(raw) == frame_len
    return raw


def parse_bench_frame(frame: bytes) -> tuple[int, int, int, int, int] | None:
    """Parse with scapy: ``(pcp, run_id, flow_id, kind, seq)`` or None if it is not a bench frame."""
    from scapy.layers.l2 import Dot1Q, Ether

    pkt = Ether(frame)
    if Dot1Q not in pkt or pkt[Dot1Q].type != ETHERTYPE_BENCH:
        return None
    load = bytes(pkt[Dot1Q].payload)
    if len(load) < PAYLOAD.size:
        return None
    magic, run_id, flow_id, kind, _pad, seq = PAYLOAD.unpack_from(load)
    if magic != MAGIC:
        return None
    return int(pkt[Dot1Q].prio), run_id, flow_id, kind, seq


@dataclass
class CriticalFlow:
    """One node's cyclic time-critical stream."""

    name: str
    src_port: int
    dst_port: int
    src_mac: str
    dst_mac: str
    pcp: int = 7
    vlan: int = 100
    frame_len: int = 128
    tx_offset_ns: int = 0
    clock: LocalToTrue = PERFECT
    flow_id: int = 0
    _template: bytearray = field(default_factory=bytearray, repr=False)

    def send_time_ns(self, k: int, cycle_ns: int) -> int:
        """True time the frame of cycle ``k`` leaves: the node clock reads ``k·cycle + offset``."""
        return int(self.clock(k * cycle_ns + self.tx_offset_ns))


@dataclass
class LoadFlow:
    """Best-effort frames at ``share`` of the line rate (0 < share <= 1)."""

    name: str
    src_port: int
    dst_port: int
    src_mac: str
    dst_mac: str
    share: float = 0.9
    pcp: int = 0
    vlan: int = 100
    frame_len: int = 1518
    flow_id: int = 0
    _template: bytearray = field(default_factory=bytearray, repr=False)


@dataclass(frozen=True)
class CycleRecord:
    """What happened to one critical frame."""

    flow: str
    cycle: int
    send_ns: int
    deadline_at_ns: int
    departure_ns: int | None = None
    arrival_ns: int | None = None

    @property
    def latency_ns(self) -> int | None:
        return None if self.arrival_ns is None else self.arrival_ns - self.send_ns


@dataclass
class TrafficResult:
    """Per critical flow, one record per cycle sent; plus load statistics."""

    cycle_ns: int
    deadline_ns: int
    records: dict[str, list[CycleRecord]]
    load_sent: dict[str, int]
    load_received: dict[str, int]
    start_ns: int
    end_ns: int
    tunnel_gaps: int = 0


class TrafficRun:
    """Drive critical and load flows through switch ports (``udp_ports[i]`` is switch port ``i + 1``)."""

    def __init__(self, udp_ports: list[int], *, cycle_ns: int = 1_000_000, deadline_ns: int = 200_000,
                 link_rate_bps: int = 1_000_000_000, host: str = "127.0.0.1", run_id: int | None = None,
                 window_timeout_s: float = 10.0) -> None:
        if cycle_ns <= 0 or deadline_ns <= 0:
            raise InputError(f"cycle ({cycle_ns} ns) and deadline ({deadline_ns} ns) must be positive")
        self.udp_ports = list(udp_ports)
        self.host = host
        self.cycle_ns = cycle_ns
        self.deadline_ns = deadline_ns
        self.link_rate_bps = link_rate_bps
        self.run_id = run_id if run_id is not None else random.getrandbits(32)
        self.window_timeout_s = window_timeout_s
        self.critical: list[CriticalFlow] = []
        self.load: list[LoadFlow] = []
        self._next_flow_id = 1

    def _check_port(self, port: int, what: str) -> None:
        if not 1 <= port <= len(self.udp_ports):
            raise InputError(f"{what}: switch port {port} does not exist (ports 1..{len(self.udp_ports)})")

    def add_critical(self, flow: CriticalFlow) -> CriticalFlow:
        self._check_port(flow.src_port, f"flow {flow.name}")
        self._check_port(flow.dst_port, f"flow {flow.name}")
        flow.flow_id = self._next_flow_id
        self._next_flow_id += 1
        flow._template = build_frame(flow.src_mac, flow.dst_mac, flow.pcp, flow.vlan, flow.frame_len)
        self.critical.append(flow)
        return flow

    def add_load(self, flow: LoadFlow) -> LoadFlow:
        self._check_port(flow.src_port, f"load {flow.name}")
        self._check_port(flow.dst_port, f"load {flow.name}")
        if not 0 < flow.share <= 1:
            raise InputError(f"load {flow.name}: share {flow.share} must be in (0, 1]")
        flow.flow_id = self._next_flow_id
        self._next_flow_id += 1
        flow._template = build_frame(flow.src_mac, flow.dst_mac, flow.pcp, flow.vlan, flow.frame_len)
        self.load.append(flow)
        return flow

    def _frame(self, template: bytearray, flow_id: int, kind: int, seq: int) -> bytes:
        PAYLOAD.pack_into(template, TAGGED_HEADER, MAGIC, self.run_id, flow_id, kind, 0, seq)
        return bytes(template)

    def run(self, cycles: int, *, drain_cycles: int = 2, on_cycle: Callable[[int], None] | None = None,
            arrivals_csv: Path | None = None) -> TrafficResult:
        """Run ``cycles`` cycles of traffic then ``drain_cycles`` quiet ones; ``on_cycle(i)`` runs after
        cycle ``i`` is complete, when the switch's simulated time is exactly the end of that cycle (a
        NETCONF change made there takes effect at that instant)."""
        if cycles < 1:
            raise InputError(f"cycles must be >= 1, got {cycles}")
        if not self.critical and not self.load:
            raise InputError("nothing to send: add a critical or load flow first")
        used = sorted({f.src_port for f in self.critical + self.load} | {f.dst_port for f in self.critical + self.load})
        senders = {f.src_port for f in self.critical + self.load}
        eps = {p: TunnelPort(self.udp_ports[p - 1], p, self.host) for p in used}
        sel = selectors.DefaultSelector()
        writer = None
        fh = None
        try:
            horizon = max(ep.attach() for ep in eps.values())
            # Like a gratuitous ARP: every receiver announces its MAC so the switch learns where it is
            # instead of flooding (sent at the attach horizon, before any flow's first frame).
            announced: set[tuple[int, str]] = set()
            for f in self.critical + self.load:
                if (f.dst_port, f.dst_mac) not in announced:
                    announced.add((f.dst_port, f.dst_mac))
                    hello = build_frame(f.dst_mac, "ff:ff:ff:ff:ff:ff", 0, f.vlan, TAGGED_HEADER + PAYLOAD.size)
                    eps[f.dst_port].send_frame(horizon, self._frame(hello, 0, KIND_ANNOUNCE, 0))
            for p, ep in eps.items():
                sel.register(ep.sock, selectors.EVENT_READ, p)
                if p not in senders:
                    ep.receive_only()
            cyc = self.cycle_ns
            k0 = horizon // cyc + 2  # a whole cycle of margin for clocks that run ahead
            start_ns = k0 * cyc
            for p in senders:
                eps[p].barrier(start_ns - cyc)
            records = {f.name: [] for f in self.critical}  # type: dict[str, list[CycleRecord]]
            sent_at: dict[tuple[int, int], tuple[str, int, int]] = {}
            load_sent = {f.name: 0 for f in self.load}
            load_recv = {f.name: 0 for f in self.load}
            load_next = {f.name: start_ns for f in self.load}
            load_period = {f.name: bits_to_ns(wire_bits_occupied(f.frame_len), self.link_rate_bps) / f.share
                           for f in self.load}
            crit_next_k = {f.name: k0 for f in self.critical}
            if arrivals_csv is not None:
                arrivals_csv.parent.mkdir(parents=True, exist_ok=True)
                fh = open(arrivals_csv, "w", newline="", encoding="utf-8")  # noqa: SIM115
                writer = csv.writer(fh)
                writer.writerow(["flow", "cycle", "send_ns", "departure_ns", "arrival_ns", "deadline_at_ns"])
            arrived: dict[tuple[int, int], tuple[int, int]] = {}
            new_keys: list[tuple[int, int]] = []
            end_traffic = start_ns + cycles * cyc
            total = cycles + drain_cycles
            for i in range(total):
                w1 = start_ns + (i + 1) * cyc
                out: list[tuple[int, int, bytes]] = []  # (t, port, frame)
                for f in self.critical:
                    while True:
                        k = crit_next_k[f.name]
                        t = f.send_time_ns(k, cyc)
                        if t >= w1 or k >= k0 + cycles:
                            break
                        if t < start_ns - cyc:
                            raise InputError(f"flow {f.name}: clock maps cycle {k} to {t} ns, before the run start")
                        out.append((t, f.src_port, self._frame(f._template, f.flow_id, KIND_CRITICAL, k)))
                        sent_at[(f.flow_id, k)] = (f.name, t, k * cyc + f.tx_offset_ns + self.deadline_ns)
                        crit_next_k[f.name] = k + 1
                for f in self.load:
                    t_f = load_next[f.name]
                    while t_f < w1 and t_f < end_traffic:
                        seq = load_sent[f.name]
                        out.append((int(t_f), f.src_port, self._frame(f._template, f.flow_id, KIND_LOAD, seq)))
                        load_sent[f.name] = seq + 1
                        t_f = start_ns + (seq + 1) * load_period[f.name]
                    load_next[f.name] = t_f
                out.sort(key=lambda x: (x[0], x[1]))
                for t, p, frame in out:
                    eps[p].send_frame(t, frame)
                for p in senders:
                    eps[p].barrier(w1)
                self._wait(eps, sel, w1)
                for p in used:
                    ep = eps[p]
                    for a in ep.arrivals:
                        key = self._account(p, a.frame, a.departure_ns, a.arrival_ns, arrived, load_recv)
                        if key is not None:
                            new_keys.append(key)
                    ep.arrivals.clear()
                if writer is not None and fh is not None:
                    for fid, k in new_keys:
                        name, t, dl = sent_at[(fid, k)]
                        dep, arr = arrived[(fid, k)]
                        writer.writerow([name, k, t, dep, arr, dl])
                    fh.flush()
                new_keys.clear()
                if on_cycle is not None and i < cycles:
                    on_cycle(i)
            by_id = {f.flow_id: f.name for f in self.critical}
            for (fid, k), (name, t, dl) in sorted(sent_at.items()):
                dep, arr = arrived.get((fid, k), (None, None))
                records[by_id[fid]].append(CycleRecord(name, k, t, dl, dep, arr))
                if writer is not None and arr is None:
                    writer.writerow([name, k, t, "", "", dl])  # lost
            gaps = sum(ep.gaps for ep in eps.values())
            return TrafficResult(cyc, self.deadline_ns, records, load_sent, load_recv, start_ns,
                                 start_ns + total * cyc, gaps)
        finally:
            if fh is not None:
                fh.close()
            sel.close()
            for ep in eps.values():
                ep.close()

    def _wait(self, eps: dict[int, TunnelPort], sel: selectors.BaseSelector, t_ns: int) -> None:
        deadline = time.monotonic() + self.window_timeout_s
        while True:
            for ep in eps.values():
                ep.receive()
            if all(ep.acked_ns >= t_ns for ep in eps.values()):
                return
            if time.monotonic() > deadline:
                late = [p for p, ep in eps.items() if ep.acked_ns < t_ns]
                raise LabError(f"switch did not acknowledge simulated time {t_ns} ns on port(s) {late} within "
                               f"{self.window_timeout_s:.0f} s (another endpoint attached to the switch may be "
                               "holding its horizon back)")
            sel.select(0.05)

    def _account(self, port: int, frame: bytes, departure_ns: int, arrival_ns: int,
                 arrived: dict[tuple[int, int], tuple[int, int]],
                 load_recv: dict[str, int]) -> tuple[int, int] | None:
        """Count one delivered frame; for a new critical frame return its (flow id, cycle)."""
        if len(frame) < TAGGED_HEADER + PAYLOAD.size or frame[16:18] != b"\x88\xb5":
            return None
        magic, run_id, flow_id, kind, _pad, seq = PAYLOAD.unpack_from(frame, TAGGED_HEADER)
        if magic != MAGIC or run_id != self.run_id:
            return None  # another run's frame still leaving a queue
        if kind == KIND_LOAD:
            for f in self.load:
                if f.flow_id == flow_id and f.dst_port == port:
                    load_recv[f.name] += 1
            return None
        if kind != KIND_CRITICAL or not any(f.flow_id == flow_id and f.dst_port == port for f in self.critical):
            return None  # an announcement, or a flooded copy at a port that is not the flow's receiver
        parsed = parse_bench_frame(frame)  # critical frames: full parse with scapy
        if parsed is None or (flow_id, seq) in arrived:
            return None
        arrived[(flow_id, seq)] = (departure_ns, arrival_ns)
        return flow_id, seq
