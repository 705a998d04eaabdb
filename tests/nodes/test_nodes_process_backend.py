"""The ``process`` backend with the real node program: start, health, logs, restart fault, teardown."""

from __future__ import annotations

import json

import pytest

from bench.lab.resource import pid_alive
from bench.nodes.errors import NodeError
from bench.nodes.kpi import restart_fault
from bench.nodes.launch import NodeLaunch
from bench.nodes.process import ProcessBackend
from bench.store.events import EventLog, read_events
from tests.nodes.podman_env import serial_pair  # noqa: F401 - fixture

CONFIG = {"seed": 3, "node_index": 1, "start_utc": "2026-06-01T00:00:00+00:00"}


def test_process_node_starts_healthy_restarts_and_stops_from_state(tmp_path, serial_pair):  # noqa: F811
    launch = NodeLaunch("p1", 1, str(serial_pair.link_b), CONFIG, tmp_path / "p1")
    launch.prepare({})
    node = ProcessBackend(launch)
    node.deploy()
    try:
        timing = node.start()
        assert timing.create_to_healthy_s < 10
        ok, detail = node.health()
        assert ok, detail
        assert "status on http://127.0.0.1" in node.logs()
        events = EventLog(tmp_path / "events.jsonl")
        old_pid = node.state["pid"]
        again = restart_fault(node, events, sim_time_ns=5_000_000_000)
        assert node.state["pid"] != old_pid and not pid_alive(old_pid)
        assert again.create_to_healthy_s < 10 and node.health()[0]
        kinds = [(e["kind"], e.get("action")) for e in read_events(tmp_path)]
        assert kinds == [("fault", "start"), ("node_start", None), ("fault", "end")]
        assert read_events(tmp_path)[0]["sim_time_ns"] == 5_000_000_000
        state = json.loads(json.dumps(node.state))  # what a state file keeps
    except BaseException:
        node.stop()
        raise
    ProcessBackend.stop_state(state)  # as `bench lab down` from another shell
    assert not pid_alive(state["pid"], state["pid_create_time"])
    assert ProcessBackend.health_state(state)[0] is False
    ProcessBackend.stop_state(state)  # idempotent


def test_a_node_that_exits_at_once_is_a_clear_error(tmp_path, serial_pair):  # noqa: F811
    launch = NodeLaunch("p2", 1, str(serial_pair.link_b), {"seed": "not a number"}, tmp_path / "p2")
    launch.prepare({})
    node = ProcessBackend(launch, healthy_timeout_s=20)
    node.deploy()
    with pytest.raises(NodeError, match=r"p2 \(process\): node exited before it was healthy: exit code 2.*seed"):
        node.start()
    assert not pid_alive(node.state["pid"])
