"""The management plane: the NETCONF datastores, their validation, and applying them to the model.

Why here and not in the NETCONF server: the protocol code only frames and dispatches RPCs; what a
configuration *means* for the switch (which schedule runs from when, which link is down) and what
state it reports (counters, oper lists, current time) is decided in one place, under the lock the
data plane holds while it advances the model, so a config change lands exactly at the current
simulated horizon and a ``get`` reads a consistent snapshot.
"""

from __future__ import annotations

import threading

from lxml import etree

from bench.emu.switch import yang
from bench.emu.switch.gcl import GateEntry, GateSchedule, ScheduleError
from bench.emu.switch.model import Impairment, SwitchModel
from bench.emu.switch.yang import DOT1Q, HB, IF, NS_PER_S, SB, RpcError


def _sub(parent: etree._Element, tag: str, text: object | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = str(text).lower() if isinstance(text, bool) else str(text)
    return el


class SwitchControl:
    """Datastores (running, candidate) + the model they configure."""

    def __init__(self, model: SwitchModel, port_names: list[str]) -> None:
        if len(port_names) != model.n_ports:
            raise ValueError("one name per port is needed")
        self.model = model
        self.port_names = list(port_names)
        self.lock = threading.RLock()
        self.running = yang.empty_datastore(self.port_names)
        self.candidate = yang.empty_datastore(self.port_names)
        self.change_log: list[tuple[int, str]] = []  # (sim ns, what) for the switch log

    def port_number(self, name: str) -> int:
        return self.port_names.index(name) + 1

    # -- configuration -----------------------------------------------------------------------------
    def edit(self, target: str, config: etree._Element, default_operation: str = "merge") -> None:
        with self.lock:
            if target == "candidate":
                self.candidate = yang.apply_edit(self.candidate, config, default_operation)
                return
            if target != "running":
                raise RpcError("invalid-value", f"target datastore {target!r} is not writable",
                               "/rpc/edit-config/target", "protocol")
            new = yang.apply_edit(self.running, config, default_operation)
            self._commit(new)

    def commit(self) -> None:
        with self.lock:
            self._commit(self.candidate)

    def discard_changes(self) -> None:
        with self.lock:
            self.candidate = etree.fromstring(etree.tostring(self.running))

    def _commit(self, new: etree._Element) -> None:
        compiled = yang.compile_config(new, self.port_names)
        staged: list[tuple[int, GateSchedule]] = []
        for name, pc in compiled.items():
            g = pc.gate
            if not g.config_change:
                continue
            try:
                if g.gate_enabled:
                    sched = GateSchedule([GateEntry(s, i) for s, i in g.entries], g.cycle_time_ns, g.base_time_ns)
                else:
                    sched = GateSchedule.all_open()
            except ScheduleError as exc:
                raise RpcError("invalid-value", str(exc),
                               f"/interfaces/interface[name='{name}']/bridge-port/gate-parameter-table") from None
            staged.append((self.port_number(name), sched))
        m = self.model
        for name, pc in compiled.items():
            n = self.port_number(name)
            m.set_enabled(n, pc.enabled)
            m.set_impairment(n, Impairment(pc.delay_ns, pc.jitter_ns, pc.loss_ppm, pc.carrier, pc.seed))
            m.set_max_sdu(n, pc.gate.max_sdu)
        for n, sched in staged:
            at = m.set_schedule(n, sched)
            self.change_log.append((m.horizon_ns, f"port {n}: schedule staged, config-change-time {at} ns"))
        for cc in new.iter(f"{{{SB}}}config-change"):  # a trigger: stored back as false
            cc.text = "false"
        self.running = new
        self.candidate = etree.fromstring(etree.tostring(new))

    # -- read-back ------------------------------------------------------------------------------------
    def config_xml(self, source: str) -> etree._Element:
        with self.lock:
            store = self.candidate if source == "candidate" else self.running
            return etree.fromstring(etree.tostring(store))

    def state_xml(self) -> etree._Element:
        """Running config merged with operational state (what ``<get>`` returns before filtering)."""
        with self.lock:
            data = etree.fromstring(etree.tostring(self.running))
            ifs = data.find(f"{{{IF}}}interfaces")
            assert ifs is not None
            now = self.model.horizon_ns
            for itf in ifs.findall(f"{{{IF}}}interface"):
                name = (itf.findtext(f"{{{IF}}}name") or "").strip()
                self._state_for(itf, self.port_number(name), now)
            return data

    def _state_for(self, itf: etree._Element, n: int, now: int) -> None:
        m = self.model
        p = m.port(n)
        c = p.counters
        _sub(itf, f"{{{IF}}}oper-status", "up" if p.up else "down")
        _sub(itf, f"{{{IF}}}speed", m.rate_bps)
        st = _sub(itf, f"{{{IF}}}statistics")
        _sub(st, f"{{{IF}}}discontinuity-time", "2026-01-01T00:00:00Z")
        _sub(st, f"{{{IF}}}in-octets", c.in_octets)
        _sub(st, f"{{{IF}}}in-unicast-pkts", c.in_frames)
        _sub(st, f"{{{IF}}}in-discards", c.in_discards + c.late_frames)
        _sub(st, f"{{{IF}}}out-octets", c.out_octets)
        _sub(st, f"{{{IF}}}out-unicast-pkts", c.out_frames)
        _sub(st, f"{{{IF}}}out-discards", c.out_discards)
        bp = itf.find(f"{{{DOT1Q}}}bridge-port")
        if bp is None:
            bp = _sub(itf, f"{{{DOT1Q}}}bridge-port")
        gt = bp.find(f"{{{SB}}}gate-parameter-table")
        if gt is None:
            gt = etree.SubElement(bp, f"{{{SB}}}gate-parameter-table", nsmap={"sched": yang.SCHED})
        s = f"{{{SB}}}"
        oper, nxt, change_ns = m.oper_schedule(n)
        _sub(gt, s + "oper-gate-states", oper.state_at(now))
        ol = _sub(gt, s + "oper-control-list")
        if oper.enabled:
            for i, e in enumerate(oper.entries):
                ge = _sub(ol, s + "gate-control-entry")
                _sub(ge, s + "index", i)
                _sub(ge, s + "operation-name", "sched:set-gate-states")
                _sub(ge, s + "time-interval-value", e.interval_ns)
                _sub(ge, s + "gate-states-value", e.gate_states)
        oc = _sub(gt, s + "oper-cycle-time")
        _sub(oc, s + "numerator", oper.cycle_time_ns)
        _sub(oc, s + "denominator", NS_PER_S)
        ob = _sub(gt, s + "oper-base-time")
        _sub(ob, s + "seconds", oper.base_time_ns // NS_PER_S)
        _sub(ob, s + "nanoseconds", oper.base_time_ns % NS_PER_S)
        pending = nxt is not None
        cct = change_ns if pending else now
        ct = _sub(gt, s + "config-change-time")
        _sub(ct, s + "seconds", cct // NS_PER_S)
        _sub(ct, s + "nanoseconds", cct % NS_PER_S)
        _sub(gt, s + "config-pending", pending)
        cur = _sub(gt, s + "current-time")
        _sub(cur, s + "seconds", now // NS_PER_S)
        _sub(cur, s + "nanoseconds", now % NS_PER_S)
        _sub(gt, s + "tick-granularity", 10)  # tenths of ns: 1 ns
        _sub(gt, s + "supported-list-max", yang.SUPPORTED_LIST_MAX)
        h = f"{{{HB}}}"
        ls = etree.SubElement(itf, h + "link-statistics", nsmap={"hb": HB})
        _sub(ls, h + "lost-frames", c.lost_frames)
        _sub(ls, h + "late-frames", c.late_frames)
        _sub(ls, h + "transmission-overruns", c.sdu_overruns)
        for tc in range(8):
            row = etree.SubElement(itf, h + "traffic-class-statistics", nsmap={"hb": HB})
            _sub(row, h + "traffic-class", tc)
            _sub(row, h + "tx-frames", c.tc_tx_frames[tc])
            _sub(row, h + "tx-octets", c.tc_tx_octets[tc])
            _sub(row, h + "discards", c.tc_drops[tc])
