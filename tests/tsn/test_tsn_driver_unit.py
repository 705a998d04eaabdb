"""The NETCONF driver against a fake ncclient manager (unit test of the single class)."""


import pytest
from lxml import etree

from drivers.errors import InstrumentError
from drivers.tsn_netconf import SCHED, SCHED_BRIDGE, GateControlEntry, GateControlList, TsnSwitch

IF = "urn:ietf:params:xml:ns:yang:ietf-interfaces"


class FakeManager:
    def __init__(self, caps):
        self.server_capabilities = caps
        self.edits = []
        self.commits = 0

    def edit_config(self, target, config, default_operation):
        self.edits.append((target, etree.fromstring(config)))

    def commit(self):
        self.commits += 1


def test_pre_qcw_mount_puts_the_table_directly_under_the_interface_and_uses_candidate():
    m = FakeManager(["urn:ietf:params:netconf:base:1.1", "urn:ietf:params:netconf:capability:candidate:1.0",
                     f"{SCHED}?module=ieee802-dot1q-sched&revision=2018-09-10"])
    sw = TsnSwitch("192.0.2.1", manager=m)
    assert sw.mount.namespace == SCHED and not sw.mount.under_bridge_port
    sw.set_gate_control_list("swp1", GateControlList((GateControlEntry(1, 500), GateControlEntry(2, 500)), 1000))
    target, cfg = m.edits[0]
    assert target == "candidate" and m.commits == 1
    itf = cfg.find(f".//{{{IF}}}interface")
    gt = itf.find(f"{{{SCHED}}}gate-parameter-table")
    assert gt is not None
    assert [e.text for e in gt.iter(f"{{{SCHED}}}time-interval-value")] == ["500", "500"]
    assert gt.findtext(f"{{{SCHED}}}admin-cycle-time/{{{SCHED}}}numerator") == "1000"


def test_qcw_mount_is_under_bridge_port():
    m = FakeManager([f"{SCHED_BRIDGE}?module=ieee802-dot1q-sched-bridge&revision=2023-03-08",
                     "urn:ietf:params:netconf:capability:writable-running:1.0"])
    sw = TsnSwitch("192.0.2.1", manager=m)
    sw.disable_gates("swp2")
    target, cfg = m.edits[0]
    assert target == "running"
    assert cfg.find(f".//{{urn:ieee:std:802.1Q:yang:ieee802-dot1q-bridge}}bridge-port/{{{SCHED_BRIDGE}}}"
                    "gate-parameter-table") is not None


def test_switch_without_the_sched_model_is_refused():
    with pytest.raises(InstrumentError, match="does not advertise ieee802-dot1q-sched"):
        TsnSwitch("192.0.2.1", manager=FakeManager(["urn:ietf:params:netconf:base:1.1"]))


def test_impairments_need_the_bench_module():
    sw = TsnSwitch("192.0.2.1", manager=FakeManager([f"{SCHED_BRIDGE}?module=ieee802-dot1q-sched-bridge"]))
    with pytest.raises(InstrumentError, match="hilbench-switch YANG module"):
        sw.set_impairment("swp1", delay_ns=5)


def test_rpc_error_becomes_instrument_error_with_its_text():
    from ncclient.operations import RPCError

    raw = etree.fromstring(
        '<rpc-error xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><error-type>application</error-type>'
        '<error-tag>invalid-value</error-tag><error-severity>error</error-severity>'
        '<error-path>/interfaces/interface[name=\'x\']</error-path><error-message>boom</error-message></rpc-error>')

    class Failing(FakeManager):
        def edit_config(self, **kw):
            raise RPCError(raw)

    sw = TsnSwitch("192.0.2.1", manager=Failing([f"{SCHED_BRIDGE}?module=ieee802-dot1q-sched-bridge"]))
    with pytest.raises(InstrumentError, match=r"switch 192.0.2.1:830: enable swp1 rejected: boom \[invalid-value"):
        sw.set_port_enabled("swp1", True)
