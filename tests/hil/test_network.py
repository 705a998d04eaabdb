"""The HIL suite's network part: time-critical cyclic traffic through the TSN switch.

Critical frames (PCP 7) leave at the start of every 1 ms cycle and must arrive within the
deadline while best-effort frames load the same egress port to 90 % of line rate; the switch is
configured over NETCONF with an 802.1Qbv gate control list that reserves a window for class 7.
Thresholds are the profile's (``tsn_deadline``, ``tsn_latency_p99``). Each node's stream leaves on its
own disciplined clock: the cycle starts where the node's clock reads a whole cycle, offset by the time
error the counter measured for that node.
"""

from __future__ import annotations

import pytest

from bench.tsn.clock import LinearClock
from bench.tsn.kpi import traffic_kpis
from bench.tsn.traffic import CriticalFlow, LoadFlow, TrafficRun
from drivers.tsn_netconf import GateControlEntry, GateControlList

pytestmark = [pytest.mark.hil, pytest.mark.smoke, pytest.mark.requires("switch")]

WINDOW_NS = 30_000


@pytest.fixture
def switch(lab):
    from bench.lab.switch import connect_switch

    endpoint = lab.lab.endpoints.get("switch")
    if endpoint is None:
        pytest.skip("no emulated switch endpoint in this lab (real switches are reached by the NETCONF driver)")
    with connect_switch(endpoint) as sw:
        yield endpoint, sw


def _traffic(endpoint, cycle_ns: int, deadline_ns: int, load_share: float,
             clocks: dict[str, LinearClock] | None = None) -> TrafficRun:
    """Critical streams into port 2 (from port 1, and port 4 for a second node), load from port 3."""
    tr = TrafficRun(endpoint["udp_ports"], cycle_ns=cycle_ns, deadline_ns=deadline_ns,
                    link_rate_bps=endpoint["rate_bps"])
    clocks = clocks or {"critical": LinearClock()}
    for (name, clock), src in zip(clocks.items(), (1, 4), strict=False):
        tr.add_critical(CriticalFlow(name, src, 2, f"02:00:00:00:00:0{src}", "02:00:00:00:00:02", clock=clock,
                                     flow_id=src))
    if load_share > 0:
        tr.add_load(LoadFlow("best-effort", 3, 2, "02:00:00:00:00:03", "02:00:00:00:00:02",
                             share=load_share, frame_len=500))
    return tr


def test_critical_traffic_meets_deadline_under_load(lab, switch, nodes, kpi) -> None:
    endpoint, sw = switch
    net = lab.profile.network
    names = endpoint["port_names"]
    sw.reset_ports(names[:3])
    sw.set_gate_control_list(names[1], GateControlList(
        (GateControlEntry(0x80, WINDOW_NS), GateControlEntry(0x7F, net.cycle_ns - WINDOW_NS)), net.cycle_ns))
    readback = sw.gate_control_list(names[1])
    assert readback.enabled and readback.cycle_time_ns == net.cycle_ns
    lab.wait_sim_s(30)  # the nodes are locked and measured
    unlocked = {n: nodes.state(n)["state"] for n in nodes.names[:2] if nodes.state(n)["state"] != "locked"}
    if unlocked:
        pytest.fail(f"nodes not locked, their cycles are not aligned to time: {unlocked}", pytrace=False)
    te_ns = kpi.mean_te_ns(window_s=10)
    unmeasured = [n for n in nodes.names[:2] if te_ns[n] != te_ns[n]]  # NaN: no TE sample in the window
    assert not unmeasured, f"no TE measured for {unmeasured} in the last 10 simulated seconds"
    clocks = {name: LinearClock(phase_ns=-te_ns[name]) for name in kpi.nodes[:2]}  # late node: clock behind
    result = _traffic(endpoint, net.cycle_ns, net.deadline_ns, load_share=0.9, clocks=clocks).run(500)
    flows = traffic_kpis(result)
    for name in clocks:
        kpi.check("tsn_deadline", node=name, extra=flows[name].extras())
        kpi.check("tsn_latency_p99", node=name, extra=flows[name].extras())


def test_link_down_is_detected(lab, switch) -> None:
    endpoint, sw = switch
    names = endpoint["port_names"]
    sw.reset_ports(names[:3])
    sw.set_port_enabled(names[1], False)
    try:
        assert sw.status(names[1]).oper_up is False
        result = _traffic(endpoint, lab.profile.network.cycle_ns, lab.profile.network.deadline_ns, 0).run(20)
        flow = traffic_kpis(result)["critical"]
        assert flow.frames_lost == 20, f"a down link delivered {20 - flow.frames_lost} frames"
    finally:
        sw.set_port_enabled(names[1], True)
