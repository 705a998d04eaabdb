"""The NETCONF protocol layer of the emulated switch, without SSH (framing, RPCs, rpc-errors)."""

import re

import pytest
from lxml import etree

from bench.emu.switch.control import SwitchControl
from bench.emu.switch.model import SwitchModel
from bench.emu.switch.netconf import BASE_10, BASE_11, NetconfSession
from bench.emu.switch.yang import NC, SB

HELLO_10 = f'<hello xmlns="{NC}"><capabilities><capability>{BASE_10}</capability></capabilities></hello>]]>]]>'
HELLO_11 = HELLO_10.replace(BASE_10, BASE_11)
IFNS = "urn:ietf:params:xml:ns:yang:ietf-interfaces"
DOT1Q = "urn:ieee:std:802.1Q:yang:ieee802-dot1q-bridge"


def session(hello=HELLO_10):
    ctl = SwitchControl(SwitchModel(2, 100_000_000), ["port1", "port2"])
    s = NetconfSession(ctl)
    assert b"ieee802-dot1q-sched-bridge" in s.hello()
    assert s.feed(hello.encode()) == []
    return s, ctl


def rpc(s, body, mid="1"):
    out = s.feed(f'<rpc message-id="{mid}" xmlns="{NC}">{body}</rpc>]]>]]>'.encode())
    assert len(out) == 1 and out[0].endswith(b"]]>]]>")
    return etree.fromstring(out[0][:-6])


def gate_edit(intervals, cycle_ns, states=(0x80, 0x7F), iface="port1", extra=""):
    entries = "".join(
        f"<gate-control-entry><index>{i}</index><operation-name>sched:set-gate-states</operation-name>"
        f"<time-interval-value>{t}</time-interval-value><gate-states-value>{g}</gate-states-value>"
        f"</gate-control-entry>" for i, (t, g) in enumerate(zip(intervals, states, strict=False)))
    return (f'<edit-config><target><running/></target><config><interfaces xmlns="{IFNS}"><interface>'
            f'<name>{iface}</name><bridge-port xmlns="{DOT1Q}"><gate-parameter-table xmlns="{SB}" '
            f'xmlns:sched="urn:ieee:std:802.1Q:yang:ieee802-dot1q-sched"><gate-enabled>true</gate-enabled>'
            f'<admin-control-list>{entries}</admin-control-list><admin-cycle-time><numerator>{cycle_ns}</numerator>'
            f'<denominator>1000000000</denominator></admin-cycle-time>{extra}<config-change>true</config-change>'
            f'</gate-parameter-table></bridge-port></interface></interfaces></config></edit-config>')


def err(reply):
    e = reply.find(f"{{{NC}}}rpc-error")
    assert e is not None, etree.tostring(reply)
    return e.findtext(f"{{{NC}}}error-tag"), e.findtext(f"{{{NC}}}error-message"), e.findtext(f"{{{NC}}}error-path")


def test_valid_gate_list_is_applied_and_read_back():
    s, ctl = session()
    r = rpc(s, gate_edit([50_000, 950_000], 1_000_000))
    assert r.find(f"{{{NC}}}ok") is not None and r.get("message-id") == "1"
    oper, _nxt, _at = ctl.model.oper_schedule(1)
    assert [(e.gate_states, e.interval_ns) for e in oper.entries] == [(0x80, 50_000), (0x7F, 950_000)]
    data = rpc(s, "<get/>")
    vals = [int(v.text) for v in data.iter(f"{{{SB}}}time-interval-value")]
    assert vals == [50_000, 950_000, 50_000, 950_000]  # admin and oper lists
    cc = [c.text for c in data.iter(f"{{{SB}}}config-change")]
    assert cc == ["false"]  # config-change is a trigger


@pytest.mark.parametrize("edit,tag,text", [
    (gate_edit([50_000, 900_000], 1_000_000), "invalid-value", "add up to 950000 ns but admin-cycle-time is 1000000"),
    (gate_edit([50_000, 950_000], 1_000_000, states=(0x80, 300)), "invalid-value", "300 is outside 0..255"),
    (gate_edit([50_000, 950_000], 1_000_000, iface="port7"), "invalid-value", "unknown interface 'port7'"),
    (gate_edit([50_000, 950_000], 1_000_000, extra="<queue-max-sdu-table><traffic-class>8</traffic-class>"
               "<queue-max-sdu>100</queue-max-sdu></queue-max-sdu-table>"), "invalid-value", "8 is outside 0..7"),
    (gate_edit([50_000, 950_000], 1_000_000, extra="<colour>blue</colour>"), "unknown-element", "colour"),
])
def test_invalid_configs_are_rejected_with_rpc_error_and_leave_running_unchanged(edit, tag, text):
    s, ctl = session()
    before = etree.tostring(ctl.running)
    got_tag, msg, path = err(rpc(s, edit))
    assert got_tag == tag
    assert text in msg
    assert path
    assert etree.tostring(ctl.running) == before


def test_chunked_framing_after_base_11_hello():
    s, _ = session(HELLO_11)
    msg = f'<rpc message-id="7" xmlns="{NC}"><get-config><source><running/></source></get-config></rpc>'.encode()
    out = s.feed(b"\n#10\n" + msg[:10] + b"\n#%d\n" % (len(msg) - 10) + msg[10:] + b"\n##\n")
    assert len(out) == 1
    m = re.match(rb"\n#(\d+)\n", out[0])
    assert m and out[0].endswith(b"\n##\n")
    reply = etree.fromstring(out[0][m.end():-4])
    assert reply.get("message-id") == "7"
    assert [e.text for e in reply.iter(f"{{{IFNS}}}name")] == ["port1", "port2"]


def test_protocol_errors():
    s, _ = session()
    out = s.feed(b"<rpc><oops</rpc>]]>]]>")
    assert b"malformed-message" in out[0]
    assert err(rpc(s, "<frobnicate/>"))[0] == "operation-not-supported"
    out = s.feed(f'<rpc xmlns="{NC}"><get/></rpc>]]>]]>'.encode())
    assert b"missing-attribute" in out[0]
    assert err(rpc(s, '<get><filter type="xpath" select="/"/></get>'))[0] == "operation-not-supported"


def test_candidate_commit_and_discard():
    s, ctl = session()
    edit = gate_edit([100_000, 900_000], 1_000_000).replace("<running/>", "<candidate/>")
    assert rpc(s, edit).find(f"{{{NC}}}ok") is not None
    assert ctl.model.oper_schedule(1)[0].enabled is False  # not yet committed
    rpc(s, "<discard-changes/>")
    rpc(s, edit)
    assert rpc(s, "<commit/>").find(f"{{{NC}}}ok") is not None
    assert ctl.model.oper_schedule(1)[0].cycle_time_ns == 1_000_000


def test_merge_delete_and_replace_operations():
    s, ctl = session()
    rpc(s, gate_edit([50_000, 950_000], 1_000_000))
    disable = (f'<edit-config><target><running/></target><config><interfaces xmlns="{IFNS}"><interface>'
               f'<name>port2</name><enabled>false</enabled></interface></interfaces></config></edit-config>')
    rpc(s, disable)
    assert ctl.model.port(2).enabled is False
    delete = (f'<edit-config><target><running/></target><config><interfaces xmlns="{IFNS}" '
              f'xmlns:nc="{NC}"><interface><name>port1</name><bridge-port xmlns="{DOT1Q}">'
              f'<gate-parameter-table xmlns="{SB}" nc:operation="delete"/></bridge-port></interface>'
              f'</interfaces></config></edit-config>')
    assert rpc(s, delete).find(f"{{{NC}}}ok") is not None
    assert err(rpc(s, delete))[0] == "data-missing"
    replace = (f'<edit-config><target><running/></target><default-operation>replace</default-operation><config>'
               f'<interfaces xmlns="{IFNS}"><interface><name>port1</name></interface></interfaces></config>'
               f'</edit-config>')
    rpc(s, replace)
    assert [e.text for e in ctl.running.iter(f"{{{IFNS}}}name")] == ["port1"]
    assert ctl.model.port(2).enabled is True  # an interface absent from config is at its defaults


def test_subtree_filter_selects_one_interface_and_leaf():
    s, _ = session()
    flt = (f'<get><filter type="subtree"><interfaces xmlns="{IFNS}"><interface><name>port2</name>'
           f'<oper-status/></interface></interfaces></filter></get>')
    data = rpc(s, flt)
    itfs = list(data.iter(f"{{{IFNS}}}interface"))
    assert len(itfs) == 1
    assert [etree.QName(c).localname for c in itfs[0]] == ["name", "oper-status"]


def test_close_session():
    s, _ = session()
    rpc(s, "<close-session/>")
    assert s.closed
