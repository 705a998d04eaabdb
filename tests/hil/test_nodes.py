"""The HIL suite's node part: how fast nodes come up, and re-lock after a node restart.

Start latency (create -> running -> healthy) is measured by the node backend for every node, process or
container; the profile declares the limits (``node_start_p50``, ``node_start_p99``). Restarting a node
mid-run is a fault: the node loses its clock state and must lock again within ``relock_time``.
"""

from __future__ import annotations

import pytest

from bench.nodes.kpi import latency_summary, restart_fault
from bench.nodes.resources import node_backend, node_start_timings

pytestmark = [pytest.mark.hil, pytest.mark.smoke]


def test_node_start_latency(lab, kpi) -> None:
    timings = node_start_timings([r.record() for r in lab.lab.resources])
    if not timings:
        pytest.skip("no node was started by the bench (nodes are external to this lab)")
    summary = latency_summary(timings)["create_to_healthy_s"]
    extra = {"node_start_p50": summary["p50"], "node_start_p99": summary["p99"]}
    kpi.check("node_start_p50", node="nodes", extra=extra)
    kpi.check("node_start_p99", node="nodes", extra=extra)


def test_node_restart_relocks(lab, nodes, kpi) -> None:
    name = nodes.names[0]
    try:
        backend = node_backend(lab.lab.resources, name)
    except Exception as exc:  # noqa: BLE001 - a lab without bench-started nodes cannot restart them
        pytest.skip(f"node {name} is not started by the bench: {exc}")
    restarted_ns = lab.now_ns()
    restart_fault(backend, lab.run.events, sim_time_ns=restarted_ns)
    lab.wait_sim_s(5)
    nodes.wait_all_locked(timeout_s=3 * kpi.profile.kpis["relock_time"].threshold)
    kpi.check("relock_time", node=name, start_ns=restarted_ns)
