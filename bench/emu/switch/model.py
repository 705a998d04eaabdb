"""The switch's forwarding and timing model — pure computation, no sockets, no wall clock.

Why separate: every departure time must follow from the model alone (design.md §1.2), and the model
must be testable to the nanosecond without processes. The data plane (``dataplane.py``) feeds it
frames stamped with simulated send times and asks it to ``advance`` to a horizon; it returns the
departures whose first bit leaves before that horizon.

Ordering (why windows): frames from different ports reach the emulator in wall-clock order, not in
simulated-time order. Every tunnel endpoint therefore closes its sending window with a BARRIER
(``wire.py``): "nothing more below t". The horizon ``H`` is the minimum over attached ports. A frame
sent at ``s >= H`` is ready at an egress queue only after ``s + serialisation > H``, so when ``H`` is
known every frame ready at or before ``H`` is known, and every transmission decision up to ``H`` is
final. Within a window, ingress frames are handled in (first-bit time, port, sequence) order, so MAC
learning and queue order are deterministic for a given input.

Per frame: ingress link serialisation (the sender's link is a link too), store-and-forward, fixed
``processing_ns``, 802.1Q PCP -> traffic class (802.1Q Table 8-5 for 8 classes by default), egress
queue per class (tail drop at ``queue_limit_frames``), per-class max SDU, transmission selection by
strict priority among classes whose 802.1Qbv gate is open for the whole frame, link rate, then the
port's impairments (loss, delay, non-negative jitter; seeded) on the way to the receiver.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from dataclasses import dataclass, field

from bench.emu.switch.gcl import NUM_CLASSES, GateSchedule
from bench.emu.switch.wire import NEVER_NS, bits_to_ns, wire_bits_occupied, wire_bits_to_last_bit

# IEEE 802.1Q-2018 Table 8-5, 8 traffic classes: PCP 1 (background) below PCP 0 (best effort).
DEFAULT_PCP_TO_TC: tuple[int, ...] = (1, 0, 2, 3, 4, 5, 6, 7)


@dataclass(slots=True)
class Impairment:
    """What the link behind a switch port does to frames the switch sends on it."""

    delay_ns: int = 0
    jitter_ns: int = 0
    loss_ppm: int = 0
    carrier: bool = True
    seed: int = 0


@dataclass(slots=True)
class Departure:
    """One frame leaving an egress port (times in simulated ns)."""

    port: int
    start_ns: int      # first bit leaves the switch
    arrival_ns: int    # last bit reaches the receiver (after delay/jitter)
    frame: bytes
    traffic_class: int
    lost: bool = False


@dataclass(slots=True)
class PortCounters:
    in_frames: int = 0
    in_octets: int = 0
    in_discards: int = 0
    late_frames: int = 0
    out_frames: int = 0
    out_octets: int = 0
    out_discards: int = 0
    lost_frames: int = 0
    tc_tx_frames: list[int] = field(default_factory=lambda: [0] * NUM_CLASSES)
    tc_tx_octets: list[int] = field(default_factory=lambda: [0] * NUM_CLASSES)
    tc_drops: list[int] = field(default_factory=lambda: [0] * NUM_CLASSES)
    sdu_overruns: int = 0


class _Port:
    __slots__ = ("number", "enabled", "impairment", "rng", "rx_free_ns", "tx_free_ns", "pending",
                 "queues", "schedule", "next_schedule", "change_ns", "max_sdu", "counters", "ingress")

    def __init__(self, number: int) -> None:
        self.number = number
        self.enabled = True
        self.impairment = Impairment()
        self.rng = random.Random(number)
        self.rx_free_ns = 0
        self.tx_free_ns = 0
        self.pending: list[tuple[int, int, bytes, int]] = []  # (ready_ns, order, frame, tc)
        self.queues: list[deque[tuple[int, bytes]]] = [deque() for _ in range(NUM_CLASSES)]
        self.schedule = GateSchedule.all_open()
        self.next_schedule: GateSchedule | None = None
        self.change_ns = NEVER_NS
        self.max_sdu = [0] * NUM_CLASSES
        self.counters = PortCounters()
        self.ingress: deque[tuple[int, int, bytes]] = deque()  # (send_ns, seq, frame)

    @property
    def up(self) -> bool:
        return self.enabled and self.impairment.carrier


class SwitchModel:
    """N-port store-and-forward Ethernet switch with 802.1Qbv gates (ports numbered from 1)."""

    def __init__(self, ports: int, rate_bps: int = 1_000_000_000, *, processing_ns: int = 0,
                 pcp_to_tc: tuple[int, ...] = DEFAULT_PCP_TO_TC, static_fdb: dict[bytes, int] | None = None,
                 learning: bool = True, queue_limit_frames: int = 1000, default_pcp: int = 0) -> None:
        if ports < 1:
            raise ValueError(f"a switch needs at least one port, got {ports}")
        if rate_bps <= 0:
            raise ValueError(f"link rate must be positive, got {rate_bps} bit/s")
        if len(pcp_to_tc) != 8 or any(not 0 <= tc < NUM_CLASSES for tc in pcp_to_tc):
            raise ValueError(f"pcp_to_tc must map the 8 PCP values to classes 0..7, got {pcp_to_tc}")
        self.n_ports = ports
        self.rate_bps = rate_bps
        self.processing_ns = processing_ns
        self.pcp_to_tc = tuple(pcp_to_tc)
        self.default_pcp = default_pcp
        self.static_fdb = dict(static_fdb or {})
        for mac, p in self.static_fdb.items():
            if not 1 <= p <= ports:
                raise ValueError(f"static forwarding entry {mac.hex(':')} -> port {p}: no such port")
        self.learning = learning
        self.learned: dict[bytes, int] = {}
        self.queue_limit_frames = queue_limit_frames
        self.horizon_ns = 0
        self._ports = [_Port(i) for i in range(ports + 1)]  # index 0 unused
        self._order = 0
        self._last_bit_cache: dict[int, tuple[int, int]] = {}

    # -- configuration (takes effect at the current horizon) ------------------------------------
    def port(self, number: int) -> _Port:
        if not 1 <= number <= self.n_ports:
            raise ValueError(f"no port {number} (ports are 1..{self.n_ports})")
        return self._ports[number]

    def set_enabled(self, number: int, enabled: bool) -> None:
        self.port(number).enabled = enabled

    def set_impairment(self, number: int, imp: Impairment) -> None:
        p = self.port(number)
        if imp != p.impairment:  # a changed impairment restarts its random stream: reproducible from here
            p.rng = random.Random((imp.seed << 8) ^ number)
        p.impairment = imp

    def set_schedule(self, number: int, schedule: GateSchedule) -> int:
        """Stage ``schedule``; it becomes operational at its config change time, which is returned."""
        p = self.port(number)
        change = schedule.config_change_time_ns(self.horizon_ns) if schedule.enabled else self.horizon_ns
        p.next_schedule, p.change_ns = schedule, change
        return change

    def set_max_sdu(self, number: int, max_sdu: list[int]) -> None:
        self.port(number).max_sdu = list(max_sdu)

    def counters(self, number: int) -> PortCounters:
        return self.port(number).counters

    def oper_schedule(self, number: int) -> tuple[GateSchedule, GateSchedule | None, int]:
        p = self.port(number)
        self._promote(p, self.horizon_ns)
        return p.schedule, p.next_schedule, p.change_ns

    # -- data path ------------------------------------------------------------------------------
    def _times(self, length: int) -> tuple[int, int]:
        t = self._last_bit_cache.get(length)
        if t is None:
            t = (bits_to_ns(wire_bits_to_last_bit(length), self.rate_bps),
                 bits_to_ns(wire_bits_occupied(length), self.rate_bps))
            self._last_bit_cache[length] = t
        return t

    def ingress(self, number: int, send_ns: int, seq: int, frame: bytes) -> bool:
        """Accept a frame whose first bit left the sender at ``send_ns``; False if it came too late."""
        p = self.port(number)
        if send_ns < self.horizon_ns:
            p.counters.late_frames += 1
            return False
        p.ingress.append((send_ns, seq, frame))
        return True

    def advance(self, horizon_ns: int) -> list[Departure]:
        """Everything below ``horizon_ns`` is known: forward it and decide transmissions up to it."""
        if horizon_ns <= self.horizon_ns:
            return []
        batch: list[tuple[int, int, int, int, bytes]] = []
        for p in self._ports[1:]:
            q = p.ingress
            while q and q[0][0] < horizon_ns:
                send_ns, seq, frame = q.popleft()
                last_ns, busy_ns = self._times(len(frame))
                start = send_ns if send_ns > p.rx_free_ns else p.rx_free_ns
                p.rx_free_ns = start + busy_ns
                batch.append((start, p.number, seq, start + last_ns, frame))
        if len(batch) > 1:
            batch.sort(key=lambda b: (b[0], b[1], b[2]))
        for _start, number, _seq, rx_end, frame in batch:
            self._forward(number, rx_end, frame)
        self.horizon_ns = horizon_ns
        out: list[Departure] = []
        for p in self._ports[1:]:
            if p.pending or any(p.queues):
                self._run_egress(p, horizon_ns, out)
        return out

    def _forward(self, number: int, rx_end: int, frame: bytes) -> None:
        src = self._ports[number]
        c = src.counters
        if not src.up:
            c.in_discards += 1
            return
        c.in_frames += 1
        c.in_octets += len(frame)
        dst_mac = frame[:6]
        src_mac = frame[6:12]
        if self.learning and not src_mac[0] & 1 and src_mac not in self.static_fdb:
            self.learned[src_mac] = number
        pcp = frame[14] >> 5 if frame[12] == 0x81 and frame[13] == 0x00 and len(frame) >= 16 else self.default_pcp
        tc = self.pcp_to_tc[pcp]
        ready = rx_end + self.processing_ns
        out_port = None if dst_mac[0] & 1 else self.static_fdb.get(dst_mac) or self.learned.get(dst_mac)
        if out_port is not None:
            if out_port != number:
                self._enqueue(self._ports[out_port], ready, frame, tc)
            return
        for p in self._ports[1:]:  # flood unknown unicast, broadcast and multicast
            if p.number != number:
                self._enqueue(p, ready, frame, tc)

    def _enqueue(self, p: _Port, ready: int, frame: bytes, tc: int) -> None:
        self._order += 1
        heapq.heappush(p.pending, (ready, self._order, frame, tc))

    def _promote(self, p: _Port, now: int) -> None:
        if p.next_schedule is not None and now >= p.change_ns:
            p.schedule, p.next_schedule, p.change_ns = p.next_schedule, None, NEVER_NS

    def _run_egress(self, p: _Port, horizon: int, out: list[Departure]) -> None:
        """Decide every transmission on port ``p`` whose first bit leaves at or before ``horizon``."""
        now = p.tx_free_ns
        pending, queues, c = p.pending, p.queues, p.counters
        limit = self.queue_limit_frames
        while True:
            if now > horizon:
                break
            if pending and now < pending[0][0] and not any(queues):
                if pending[0][0] > horizon:
                    break  # idle until a frame that is not decidable yet
                now = pending[0][0]
            while pending and pending[0][0] <= now:
                ready, _, frame, tc = heapq.heappop(pending)
                if len(queues[tc]) >= limit:
                    c.out_discards += 1
                    c.tc_drops[tc] += 1
                else:
                    queues[tc].append((ready, frame))
            if not any(queues):
                if not pending:
                    break
                continue
            self._promote(p, now)
            if not p.up:  # a down link flushes its queues
                for tc in range(NUM_CLASSES):
                    c.out_discards += len(queues[tc])
                    c.tc_drops[tc] += len(queues[tc])
                    queues[tc].clear()
                continue
            sched = p.schedule
            chosen = -1
            for tc in range(NUM_CLASSES - 1, -1, -1):
                q = queues[tc]
                if not q:
                    continue
                length = len(q[0][1])
                if p.max_sdu[tc] and length > p.max_sdu[tc]:
                    q.popleft()
                    c.sdu_overruns += 1
                    c.out_discards += 1
                    c.tc_drops[tc] += 1
                    chosen = -2  # re-evaluate from the top
                    break
                last_ns = self._times(length)[0]
                if sched.longest_window_ns(tc) < last_ns:
                    q.popleft()  # can never fit in this class's window: transmission overrun
                    c.sdu_overruns += 1
                    c.out_discards += 1
                    c.tc_drops[tc] += 1
                    chosen = -2
                    break
                until = sched.open_until(now, tc)
                if until is None:
                    continue
                if p.next_schedule is not None and until > p.change_ns:
                    until = p.change_ns
                if now + last_ns <= until:
                    chosen = tc
                    break
            if chosen == -2:
                continue
            if chosen >= 0:
                _ready, frame = queues[chosen].popleft()
                last_ns, busy_ns = self._times(len(frame))
                imp = p.impairment
                lost = imp.loss_ppm > 0 and p.rng.random() * 1_000_000 < imp.loss_ppm
                arrival = now + last_ns + imp.delay_ns
                if imp.jitter_ns:
                    arrival += p.rng.randint(0, imp.jitter_ns)
                out.append(Departure(p.number, now, arrival, frame, chosen, lost))
                c.out_frames += 1
                c.out_octets += len(frame)
                c.tc_tx_frames[chosen] += 1
                c.tc_tx_octets[chosen] += len(frame)
                if lost:
                    c.lost_frames += 1
                now += busy_ns
                continue
            # Nothing may start now: wait for the next gate change, schedule change or arrival.
            nxt = sched.next_change_ns(now)
            if p.next_schedule is not None:
                nxt = min(nxt, p.change_ns)
            if pending:
                nxt = min(nxt, pending[0][0])
            if nxt > horizon:
                break  # re-evaluated from ``now`` once more is known
            now = nxt
        p.tx_free_ns = now
