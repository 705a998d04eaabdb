"""The lock-step kernel: ticks and done over the real node channel, join/leave, timeouts, pacing, events."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime

from bench.sim.kernel import KernelState, NodeInput, SimKernel, StepPlan, StepResult
from bench.store.events import EventLog, read_events
from tests.sim.mini_node import MiniNode

NS = 1_000_000_000
START = datetime(2026, 6, 30, 23, 40, tzinfo=UTC)


class CountingSource:
    """A step source for kernel unit tests: one edge per node at t_k + 3 ns, no serial bytes."""

    def __init__(self, nodes):
        self.nodes = nodes
        self.actives: list[frozenset[str]] = []

    def begin_scenario(self):
        pass

    def compute_step(self, k, active_nodes):
        self.actives.append(active_nodes)
        return StepPlan(k=k, ref_edges_ns=[k * NS], nodes={n: NodeInput([k * NS + 3], 0) for n in self.nodes})

    def end_scenario(self):
        pass


def make_kernel(tmp_path, nodes=("a", "b"), **kw):
    results: list[StepResult] = []
    source = CountingSource(list(nodes))
    kernel = SimKernel(source, start_utc=START, expected_nodes=list(nodes), sinks=[results.append],
                       events=EventLog(tmp_path / "events.jsonl"), **kw).open()
    return kernel, source, results


def test_ticks_done_and_sinks_in_lock_step(tmp_path):
    kernel, _, results = make_kernel(tmp_path, time_scale=1e9, duration_s=10)
    a, b = MiniNode("a", kernel.port).start(), MiniNode("b", kernel.port, seed=9).start()
    try:
        kernel.start()
        assert kernel.wait_stopped(10)
        assert a.welcome == {"type": "welcome", "node": "a", "start_utc": START.isoformat()}
        assert [t["k"] for t in a.ticks] == list(range(10))
        assert a.ticks[4] == {"type": "tick", "k": 4, "t_ns": 4 * NS, "pps_edges_ns": [4 * NS + 3], "nmea_bytes": 0}
        assert [r.k for r in results] == list(range(10))
        assert results[5].node_edges_ns == {"a": a.pps_out[5], "b": b.pps_out[5]}
        assert results[5].ref_edges_ns == [5 * NS]
        assert a.got_bye.wait(2) and b.got_bye.wait(2)
        events = read_events(tmp_path)
        states = [(e["node"], e["state"], e["sim_time_ns"]) for e in events if e["kind"] == "node_state"]
        assert ("a", "locking", 0) in states and ("a", "locked", 4 * NS) in states
        actions = [e["action"] for e in events if e["kind"] == "scenario"]
        assert actions == ["start", "stop"]
    finally:
        a.close(), b.close(), kernel.close()


def test_unresponsive_node_times_out_leaves_and_the_rest_continue(tmp_path):
    kernel, _, results = make_kernel(tmp_path, time_scale=1e9, duration_s=8, node_timeout_s=0.3)
    a, b = MiniNode("a", kernel.port).start(), MiniNode("b", kernel.port, stall_at_k=3).start()
    try:
        kernel.start()
        assert kernel.wait_stopped(10)
        assert len(a.ticks) == 8 and [t["k"] for t in b.ticks] == [0, 1, 2, 3]
        assert results[3].node_edges_ns["b"] is None and results[7].node_edges_ns["a"] == a.pps_out[7]
        unresponsive = [e for e in read_events(tmp_path) if e["kind"] == "node_unresponsive"]
        assert [(e["node"], e["k"]) for e in unresponsive] == [("b", 3)]
    finally:
        a.close(), b.close(), kernel.close()


def test_late_node_joins_at_the_next_step_and_strangers_are_rejected(tmp_path):
    kernel, source, _ = make_kernel(tmp_path, time_scale=50, join_wait_s=0.1)
    a = MiniNode("a", kernel.port).start()
    b = None
    stranger = socket.create_connection(("127.0.0.1", kernel.port))
    try:
        kernel.start()
        assert kernel.wait_for_step(3, 5)
        b = MiniNode("b", kernel.port).start()
        stranger.sendall(b'{"type":"hello","node":"mallory"}\n')
        assert kernel.wait_for_step(kernel.k + 3, 5)
        kernel.stop()
        assert "b" not in source.actives[0] and "b" in source.actives[-1]
        first_b = b.ticks[0]["k"]
        assert first_b >= 4 and [t["k"] for t in b.ticks] == list(range(first_b, first_b + len(b.ticks)))
        stranger.settimeout(2)
        assert stranger.recv(100) == b""            # closed without welcome
        assert any(e["kind"] == "node_rejected" and e["node"] == "mallory" for e in read_events(tmp_path))
    finally:
        a.close(), kernel.close(), stranger.close()
        if b:
            b.close()


def test_pacing_follows_time_scale_and_hold_freezes_sim_time(tmp_path):
    kernel, _, _ = make_kernel(tmp_path, nodes=("a",), time_scale=20, duration_s=20)
    a = MiniNode("a", kernel.port).start()
    try:
        t0 = time.monotonic()
        kernel.start()
        assert kernel.wait_for_step(4, 5)
        kernel.hold()
        time.sleep(0.3)
        assert kernel.state == KernelState.HOLD
        held_k = kernel.k
        time.sleep(0.3)
        assert kernel.k == held_k
        kernel.start()                               # resume
        assert kernel.wait_stopped(10)
        wall = time.monotonic() - t0
        assert kernel.steps_done == 20
        assert 1.0 + 0.55 <= wall < 4.0              # 20 steps at 20x = 1 s, plus ~0.6 s held
    finally:
        a.close(), kernel.close()


def test_malformed_done_is_logged_not_fatal(tmp_path):
    kernel, _, results = make_kernel(tmp_path, nodes=("a",), time_scale=1e9, duration_s=1, node_timeout_s=0.5)
    sock = socket.create_connection(("127.0.0.1", kernel.port))
    try:
        sock.sendall(b'{"type":"hello","node":"a"}\n')
        kernel.start()
        f = sock.makefile("rb")
        assert json.loads(f.readline())["type"] == "welcome"
        assert json.loads(f.readline())["type"] == "tick"
        sock.sendall(b'{"type":"done","k":"zero"}\nnot json\n')
        assert kernel.wait_stopped(5)
        errors = [e for e in read_events(tmp_path) if e["kind"] == "node_channel_error"]
        assert len(errors) == 2 and "integer 'k'" in errors[0]["error"]
        assert results[0].node_edges_ns["a"] is None
    finally:
        sock.close(), kernel.close()
