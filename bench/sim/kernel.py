"""The lock-step simulation kernel: owns true time and advances it one simulated second per step.

Why: design.md §1.2 and docs/simulation.md — measured values must come from models, never from
when a packet arrived. The kernel runs steps k = 0, 1, 2, ...: the source (the GNSS emulator)
computes second k and writes its serial bytes, every joined node gets a tick and answers done
with its own PPS edges, then sinks (the counters) get the reference and node edges of step k.
Wall time only paces the loop (``time_scale``), so results for a seed do not depend on it.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bench.sim import messages
from bench.sim.channel import NodeChannel
from bench.store.events import EventLog

NS_PER_S = 1_000_000_000
AS_FAST_AS_POSSIBLE = 1e9


class KernelState(enum.StrEnum):
    """Scenario states, named as a GSG answers ``SOURce:SCENario:CONTrol?``."""

    STOP = "STOP"
    ARMED = "ARMED"
    WAIT = "WAIT"       # started, waiting for the expected nodes to say hello
    START = "START"     # running
    HOLD = "HOLD"       # simulated time paused (see docs/simulation.md, "Hold")


@dataclass
class NodeInput:
    """What one node gets in step k: its receiver's PPS edges (true ns) and the NMEA byte count."""

    pps_edges_ns: list[int] = field(default_factory=list)
    nmea_bytes: int = 0


@dataclass
class StepPlan:
    """Second k as computed by the source, before the nodes run."""

    k: int
    ref_edges_ns: list[int]
    nodes: dict[str, NodeInput]


@dataclass
class StepResult:
    """Second k after the nodes answered: what the counters measure."""

    k: int
    ref_edges_ns: list[int]
    node_edges_ns: dict[str, list[int] | None]   # None: the node is not in the lock-step this step
    node_states: dict[str, str]


class StepSource(Protocol):
    """Computes second k for every node and writes the serial bytes of the active ones."""

    def begin_scenario(self) -> None: ...

    def compute_step(self, k: int, active_nodes: frozenset[str]) -> StepPlan: ...

    def end_scenario(self) -> None: ...


StepSink = Callable[[StepResult], None]


class SimKernel:
    """Runs the scenario in a background thread; control methods are thread-safe."""

    def __init__(
        self,
        source: StepSource,
        *,
        start_utc: datetime,
        time_scale: float = 1.0,
        expected_nodes: Sequence[str] = (),
        sinks: Sequence[StepSink] = (),
        events: EventLog | None = None,
        node_timeout_s: float = 10.0,
        join_wait_s: float = 10.0,
        duration_s: int | None = None,
        port: int = 0,
        restrict_nodes: bool = True,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be > 0")
        self.source = source
        self.start_utc = start_utc
        self.time_scale = float(time_scale)
        self.expected_nodes = list(expected_nodes)
        self.sinks = list(sinks)
        self.events = events
        self.node_timeout_s = node_timeout_s
        self.join_wait_s = join_wait_s
        self.duration_s = duration_s
        self.channel = NodeChannel(
            start_utc.isoformat(), port=port, on_event=self._event,
            allowed_nodes=set(self.expected_nodes) if (restrict_nodes and self.expected_nodes) else None,
        )
        self._cv = threading.Condition()
        self._state = KernelState.STOP
        self._k = 0
        self._stop_req = False
        self._hold_req = False
        self._until_k: int | None = None
        self._thread: threading.Thread | None = None
        self._node_states: dict[str, str] = {}
        self._listeners: list[Callable[[int], None]] = []
        self.steps_done = 0
        self.wall_started: float | None = None
        self.wall_finished: float | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self.channel.port

    def open(self) -> SimKernel:
        self.channel.start()
        return self

    def close(self) -> None:
        self.stop()
        self.channel.close()

    # -- control (SCPI threads) ------------------------------------------------------------------
    @property
    def state(self) -> KernelState:
        with self._cv:
            return self._state

    @property
    def k(self) -> int:
        """The next step to run (== number of completed steps since start)."""
        with self._cv:
            return self._k

    def arm(self) -> None:
        with self._cv:
            if self._state == KernelState.STOP:
                self._state = KernelState.ARMED

    def start(self) -> None:
        """Start (from STOP/ARMED) or resume (from HOLD). Returns at once."""
        with self._cv:
            if self._state == KernelState.HOLD:
                self._hold_req = False
                self._cv.notify_all()
                return
            if self._state in (KernelState.START, KernelState.WAIT):
                return
            if self._thread is not None and self._thread.is_alive():
                self._thread.join()
            self._stop_req = False
            self._hold_req = False
            self._k = 0
            self.steps_done = 0
            self._node_states.clear()
            self._state = KernelState.WAIT
            self._thread = threading.Thread(target=self._run, name="sim-kernel", daemon=True)
            self._thread.start()

    def hold(self) -> None:
        with self._cv:
            if self._state in (KernelState.START, KernelState.WAIT):
                self._hold_req = True
                self._cv.notify_all()

    def run_until(self, k: int | None) -> None:
        """Pause before step ``k`` (a breakpoint in simulated time); ``None`` runs freely.

        Why: a test that must act at a given simulated second (inject a fault, read a counter) cannot
        race a simulation running faster than real time; with a breakpoint the emulated lab waits for it,
        so fault timing is exact and runs are deterministic at any time scale.
        """
        with self._cv:
            self._until_k = None if k is None else max(0, int(k))
            self._cv.notify_all()

    @property
    def until_k(self) -> int | None:
        with self._cv:
            return self._until_k

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop after the current step, send bye to every node; idempotent."""
        with self._cv:
            self._stop_req = True
            self._hold_req = False
            self._cv.notify_all()
            thread = self._thread
            if thread is None and self._state == KernelState.ARMED:
                self._state = KernelState.STOP
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)

    def wait_for_step(self, k: int, timeout_s: float) -> bool:
        """Block until step ``k`` completed (tests, CLI); False on timeout or stop before it."""
        deadline = time.monotonic() + timeout_s
        with self._cv:
            while self._k <= k:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self._state == KernelState.STOP and self._thread is None):
                    return self._k > k
                self._cv.wait(min(remaining, 0.2))
            return True

    def wait_stopped(self, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        with self._cv:
            while self._state != KernelState.STOP:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cv.wait(min(remaining, 0.2))
            return True

    # -- the step loop ------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._run_steps()
        finally:
            self.channel.broadcast(messages.bye())
            try:
                self.source.end_scenario()
            finally:
                # the event first: whoever sees STOP (wait_stopped) must also find it in events.jsonl
                self._event("scenario", action="stop", sim_time_ns=self._k * NS_PER_S, steps=self.steps_done)
                with self._cv:
                    self._state = KernelState.STOP
                    self._thread = None
                    self.wall_finished = time.monotonic()
                    self._cv.notify_all()

    def _run_steps(self) -> None:
        missing = self.channel.wait_for_nodes(set(self.expected_nodes), self.join_wait_s) \
            if self.expected_nodes else set()
        if missing:
            self._event("node_missing", nodes=sorted(missing), waited_s=self.join_wait_s)
        with self._cv:
            if self._stop_req:
                return
            self._state = KernelState.START
        self.source.begin_scenario()
        self._event("scenario", action="start", sim_time_ns=0, time_scale=self.time_scale,
                    start_utc=self.start_utc.isoformat())
        anchor = time.monotonic()
        self.wall_started = anchor
        while True:
            with self._cv:
                if self._hold_req and not self._stop_req:
                    self._state = KernelState.HOLD
                    self._cv.notify_all()
                    held_at = time.monotonic()
                    while self._hold_req and not self._stop_req:
                        self._cv.wait(0.2)
                    anchor += time.monotonic() - held_at
                    if not self._stop_req:
                        self._state = KernelState.START
                if self._until_k is not None and self._k >= self._until_k and not self._stop_req:
                    paused_at = time.monotonic()
                    while self._until_k is not None and self._k >= self._until_k and not self._stop_req:
                        self._cv.wait(0.2)
                    anchor += time.monotonic() - paused_at
                if self._stop_req:
                    return
                k = self._k
            if self.duration_s is not None and k >= self.duration_s:
                return
            self._step(k)
            with self._cv:
                self._k = k + 1
                self.steps_done += 1
                self._cv.notify_all()
            due = anchor + (k + 1) / self.time_scale
            delay = due - time.monotonic()
            if delay > 0:
                with self._cv:
                    if not self._stop_req:
                        self._cv.wait(delay)
                # a stop or hold request wakes us early; pacing of the next step re-checks

    def _step(self, k: int) -> None:
        active = self.channel.begin_step()
        plan = self.source.compute_step(k, frozenset(active))
        for name in active:
            node_in = plan.nodes.get(name, NodeInput())
            if not self.channel.send(name, messages.tick(k, node_in.pps_edges_ns, node_in.nmea_bytes)):
                self.channel.leave(name)
        answers = self.channel.collect(k, active, self.node_timeout_s)
        node_edges: dict[str, list[int] | None] = {name: None for name in plan.nodes}
        t_ns = k * NS_PER_S
        for name, done in answers.items():
            if done is None:
                self.channel.leave(name)
                self._event("node_unresponsive", node=name, sim_time_ns=t_ns, k=k,
                            timeout_s=self.node_timeout_s)
                self._set_node_state(name, "unresponsive", t_ns)
                continue
            node_edges[name] = done.pps_out_ns
            self._set_node_state(name, done.state, t_ns)
        result = StepResult(k=k, ref_edges_ns=plan.ref_edges_ns, node_edges_ns=node_edges,
                            node_states=dict(self._node_states))
        for sink in self.sinks:
            sink(result)

    def _set_node_state(self, name: str, state: str, t_ns: int) -> None:
        if self._node_states.get(name) != state:
            self._node_states[name] = state
            self._event("node_state", node=name, state=state, sim_time_ns=t_ns)

    def _event(self, kind: str, **data: Any) -> None:
        if self.events is not None:
            self.events.emit(kind, **data)
