"""The emulated switch as a lab resource, configured over NETCONF/SSH by the driver, carrying traffic.

Network of these tests: 100 Mb/s links, 1 ms cycle, critical 128-byte frames (PCP 7) from node1 on
port 1 to node2 on port 2, best-effort 500-byte frames (PCP 0) at 90 % of line rate from port 3 to
port 2, deadline 50 µs after the cycle start. Per hop, a 128-byte frame takes 11.2 µs to the last
bit, so the ideal latency is exactly 22.4 µs; a best-effort frame occupies the link 41.92 µs.
"""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

from bench.errors import LabError
from bench.lab.switch import SwitchResource, connect_switch
from bench.tsn.clock import LinearClock
from bench.tsn.kpi import traffic_kpis
from bench.tsn.traffic import CriticalFlow, LoadFlow, TrafficRun
from drivers.errors import InstrumentError
from drivers.tsn_netconf import GateControlEntry, GateControlList, TsnSwitch

RATE_BPS = 100_000_000
CYCLE_NS = 1_000_000
DEADLINE_NS = 50_000
HOP_NS = (128 + 4 + 8) * 80  # 11.2 µs
PHASE_NS = 300  # node1's clock reads 300 ns ahead: it sends 300 ns early in true time
GCL = GateControlList((GateControlEntry(0x80, 30_000), GateControlEntry(0x7F, 970_000)), CYCLE_NS)
MAC = {p: f"02:00:00:00:00:0{p}" for p in range(1, 5)}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab_dir = tmp_path_factory.mktemp("tsnlab")
    old = os.environ.get("HILBENCH_LAB_DIR")
    os.environ["HILBENCH_LAB_DIR"] = str(lab_dir)
    res = SwitchResource("switch", lab_dir, ports=4, rate_bps=RATE_BPS, pcap=True)
    res.create()
    res.start()
    try:
        yield res
    finally:
        res.stop()
        if old is None:
            os.environ.pop("HILBENCH_LAB_DIR", None)
        else:
            os.environ["HILBENCH_LAB_DIR"] = old


@pytest.fixture
def sw(lab):
    drv = connect_switch(lab.endpoint)
    drv.reset_ports(["port1", "port2", "port3", "port4"])
    yield drv
    drv.close()


def traffic(lab, load_share: float | None = 0.9) -> TrafficRun:
    tr = TrafficRun(lab.endpoint["udp_ports"], cycle_ns=CYCLE_NS, deadline_ns=DEADLINE_NS, link_rate_bps=RATE_BPS)
    tr.add_critical(CriticalFlow("node1", 1, 2, MAC[1], MAC[2], clock=LinearClock(0.0, PHASE_NS)))
    if load_share:
        tr.add_load(LoadFlow("be", 3, 2, MAC[3], MAC[2], share=load_share, frame_len=500))
    return tr


def test_gates_keep_critical_traffic_on_time_under_90_percent_load(lab, sw):
    sw.set_gate_control_list("port2", GCL)
    assert sw.gate_control_list("port2") == GCL
    assert sw.gate_control_list("port2", oper=True) == GCL
    res = traffic(lab).run(300, drain_cycles=3)
    k = traffic_kpis(res)["node1"]
    assert k.deadline_adherence_pct == 100.0
    assert k.frames_lost == 0
    assert k.latency_min_ns == k.latency_max_ns == 2 * HOP_NS  # never waits behind best effort
    assert k.jitter_ns == 0
    assert res.load_received["be"] == res.load_sent["be"] > 300 * 20
    recs = res.records["node1"]
    # departures against the schedule, to the nanosecond: node1 sends at k·cycle − 300 ns (its clock
    # reads ahead), the frame is stored after 11.2 µs and leaves at once inside the class-7 window.
    for r in recs:
        assert r.send_ns == r.cycle * CYCLE_NS - PHASE_NS
        assert r.departure_ns == r.send_ns + HOP_NS
        assert 0 <= r.departure_ns % CYCLE_NS < 30_000 - HOP_NS
    st = sw.status("port2")
    assert st.tc_tx_frames[7] >= 300 and st.tc_tx_frames[1] >= res.load_sent["be"]
    assert st.oper_gate_states == 0x80 or st.oper_gate_states == 0x7F


def test_negative_control_without_gates_misses_deadlines(lab, sw):
    assert sw.gate_control_list("port2", oper=True).enabled is False
    res = traffic(lab).run(300, drain_cycles=3)
    k = traffic_kpis(res)["node1"]
    assert k.frames_lost == 0
    assert k.deadline_adherence_pct < 95.0  # the schedule, not luck, made the previous test pass
    assert k.latency_max_ns > DEADLINE_NS
    assert k.latency_min_ns == 2 * HOP_NS


def test_negative_control_is_deterministic(lab, sw):
    a = traffic(lab).run(50)
    b = traffic(lab).run(50)
    assert [r.latency_ns for r in a.records["node1"]] == [r.latency_ns for r in b.records["node1"]]


def test_link_down_is_detected_and_reported(lab, sw):
    seen = {}

    def fault(i: int) -> None:
        if i == 9:
            sw.set_port_enabled("port2", False)
            seen["down"] = sw.status("port2")
        if i == 19:
            sw.set_port_enabled("port2", True)

    res = traffic(lab, load_share=None).run(40, on_cycle=fault)
    k = traffic_kpis(res)["node1"]
    k0 = res.records["node1"][0].cycle
    assert seen["down"].oper_up is False and seen["down"].enabled is False
    assert k.frames_lost == 10
    assert k.longest_outage_cycles == 10 and k.first_outage_cycle == k0 + 10
    assert k.deadline_adherence_pct == 75.0
    assert sw.status("port2").oper_up is True


def test_injected_delay_shows_up_in_latency_exactly(lab, sw):
    sw.set_impairment("port2", delay_ns=123_457)
    res = traffic(lab, load_share=None).run(30)
    k = traffic_kpis(res)["node1"]
    assert k.latency_min_ns == k.latency_max_ns == 2 * HOP_NS + 123_457
    assert k.deadline_adherence_pct == 0.0  # 145.9 µs > 50 µs


def test_loss_impairment_is_counted(lab, sw):
    sw.set_impairment("port2", loss_ppm=100_000, seed=3)
    res = traffic(lab, load_share=None).run(200)
    k = traffic_kpis(res)["node1"]
    assert 5 <= k.frames_lost <= 40
    assert sw.status("port2").lost_frames >= k.frames_lost


def test_invalid_configs_surface_as_instrument_errors(sw):
    bad_sum = GateControlList((GateControlEntry(0x80, 30_000), GateControlEntry(0x7F, 900_000)), CYCLE_NS)
    with pytest.raises(InstrumentError, match=r"add up to 930000 ns but admin-cycle-time is 1000000 ns"):
        sw.set_gate_control_list("port2", bad_sum)
    with pytest.raises(InstrumentError, match=r"unknown interface 'port9'.*invalid-value"):
        sw.set_gate_control_list("port9", GCL)
    with pytest.raises(InstrumentError, match=r"traffic-class: 8 is outside 0..7"):
        sw.set_gate_control_list("port2", GCL, max_sdu={8: 200})
    assert sw.gate_control_list("port2", oper=True).enabled is False  # nothing half-applied


def test_bad_credentials_and_wrong_host_key_are_clear_errors(lab):
    ep = lab.endpoint
    with pytest.raises(InstrumentError, match="authentication failed"):
        TsnSwitch(ep["host"], ep["netconf_port"], "bench", "wrong", hostkey_b64=ep["hostkey_b64"])
    other = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    with pytest.raises(InstrumentError, match=ep["host"]):
        TsnSwitch(ep["host"], ep["netconf_port"], "bench", "x", hostkey_b64=other)


def test_capabilities_name_the_standard_modules(sw):
    assert sw.mount.under_bridge_port
    assert sw.has_capability("module=ieee802-dot1q-sched&")
    assert sw.has_capability("module=ietf-interfaces&")
    assert sw.interfaces() == ["port1", "port2", "port3", "port4"]


def test_pcap_holds_forwarded_frames_with_simulated_timestamps(tmp_path):
    from scapy.layers.l2 import Dot1Q
    from scapy.utils import PcapReader

    res = SwitchResource("pcapsw", tmp_path, ports=4, rate_bps=RATE_BPS, pcap=True)
    res.create()
    res.start()
    try:
        drv = connect_switch(res.endpoint)
        drv.set_gate_control_list("port2", GCL)
        drv.close()
        out = traffic(res).run(20)
    finally:
        res.stop()
    pcap = tmp_path / "pcapsw" / "forwarded.pcap"
    starts = {r.departure_ns for r in out.records["node1"]}
    seen_crit = set()
    n_be = 0
    with PcapReader(str(pcap)) as rd:
        for pkt in rd:
            t_ns = int(Decimal(pkt.time) * 1_000_000_000)
            if Dot1Q not in pkt or pkt.dst != MAC[2]:
                continue
            if pkt[Dot1Q].prio == 7:
                seen_crit.add(t_ns)
            else:
                n_be += 1
                last_bit_ns = (len(pkt) + 12) * 80
                assert 30_000 <= t_ns % CYCLE_NS and t_ns % CYCLE_NS + last_bit_ns <= CYCLE_NS
    assert starts <= seen_crit
    assert n_be > 20 * 20


def test_switch_start_failure_is_a_lab_error(tmp_path):
    res = SwitchResource("bad", tmp_path, ports=4)
    res.create()
    cfg = tmp_path / "bad" / "config.json"
    cfg.write_text(cfg.read_text().replace('"ports": 4', '"ports": 0'))
    with pytest.raises(LabError, match="exited with code 2"):
        res.start()
    log = (tmp_path / "bad" / "bad.log").read_text()
    assert "ports" in log and "greater than or equal to 1" in log
    assert res.health()[0] is False
