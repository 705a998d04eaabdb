"""TSN switch driver: 802.1Qbv gate control lists, port enable, counters and impairments over NETCONF.

Why this shape: the same driver must configure the emulated switch and a real one, so it speaks
only standard NETCONF (ncclient over SSH) and standard YANG — ``ietf-interfaces`` and
``ieee802-dot1q-sched`` — and finds out from the server's hello where the scheduling model lives:

* ``ieee802-dot1q-sched-bridge`` advertised (802.1Qcw-2023; the emulator, and e.g. Excelfore-based
  switches): ``/interfaces/interface/dot1q:bridge-port/sched-bridge:gate-parameter-table``;
* only ``ieee802-dot1q-sched`` advertised (pre-Qcw drafts used by some vendors): the same table
  directly under ``/interfaces/interface`` in the ``ieee802-dot1q-sched`` namespace.

Writes go to ``running`` when ``:writable-running`` is advertised, else to ``candidate`` followed by
``commit``. Impairments use the ``hilbench-switch`` module (emulator only; a real switch without it
gets a clear error). Every NETCONF or SSH failure becomes an ``InstrumentError`` that quotes the
``rpc-error`` (tag, path, message) and names the switch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from drivers.errors import InstrumentError

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
IF = "urn:ietf:params:xml:ns:yang:ietf-interfaces"
DOT1Q = "urn:ieee:std:802.1Q:yang:ieee802-dot1q-bridge"
SCHED = "urn:ieee:std:802.1Q:yang:ieee802-dot1q-sched"
SCHED_BRIDGE = "urn:ieee:std:802.1Q:yang:ieee802-dot1q-sched-bridge"
HB = "urn:hilbench:yang:hilbench-switch"
CANDIDATE = "urn:ietf:params:netconf:capability:candidate:1.0"
WRITABLE_RUNNING = "urn:ietf:params:netconf:capability:writable-running:1.0"
NS_PER_S = 1_000_000_000


@dataclass(frozen=True)
class GateControlEntry:
    """``set-gate-states``: ``gate_states`` bit i = traffic class i open, for ``interval_ns``."""

    gate_states: int
    interval_ns: int


@dataclass(frozen=True)
class GateControlList:
    """An 802.1Qbv schedule: cycle starts at ``base_time_ns + k * cycle_time_ns`` (PTP time)."""

    entries: tuple[GateControlEntry, ...]
    cycle_time_ns: int
    base_time_ns: int = 0
    enabled: bool = True


@dataclass(frozen=True)
class SchedMount:
    """Where and in which namespace the gate parameter table is."""

    namespace: str
    under_bridge_port: bool


@dataclass
class PortStatus:
    """One interface's state and counters."""

    name: str
    enabled: bool
    oper_up: bool
    in_octets: int = 0
    in_frames: int = 0
    in_discards: int = 0
    out_octets: int = 0
    out_frames: int = 0
    out_discards: int = 0
    lost_frames: int | None = None
    tc_tx_frames: dict[int, int] = field(default_factory=dict)
    tc_discards: dict[int, int] = field(default_factory=dict)
    oper_gate_states: int | None = None
    config_pending: bool | None = None
    current_time_ns: int | None = None


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def _sub(parent: etree._Element, tag: str, text: object | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = str(text).lower() if isinstance(text, bool) else str(text)
    return el


def _int(el: etree._Element | None, path: str) -> int | None:
    if el is None:
        return None
    txt = el.findtext(path)
    return int(txt) if txt is not None and txt.strip() else None


class TsnSwitch:
    """A managed TSN switch reached over NETCONF/SSH."""

    def __init__(self, host: str, port: int = 830, username: str = "admin", password: str | None = None, *,
                 hostkey_b64: str | None = None, hostkey_verify: bool = True, timeout_s: float = 10.0,
                 manager: Any = None) -> None:
        self.host = host
        self.port = port
        self.where = f"switch {host}:{port}"
        if manager is None:
            manager = self._connect(username, password, hostkey_b64, hostkey_verify, timeout_s)
        self._m = manager
        self.capabilities = [str(c) for c in self._m.server_capabilities]
        self.mount = self._find_mount()

    # -- connection --------------------------------------------------------------------------------
    def _connect(self, username: str, password: str | None, hostkey_b64: str | None, verify: bool,
                 timeout_s: float) -> Any:
        from ncclient import manager
        from ncclient.transport.errors import AuthenticationError, SSHError, SSHUnknownHostError

        try:
            return manager.connect(host=self.host, port=self.port, username=username, password=password,
                                   hostkey_verify=verify and hostkey_b64 is None, hostkey_b64=hostkey_b64,
                                   allow_agent=False, look_for_keys=False, timeout=timeout_s,
                                   device_params={"name": "default"})
        except AuthenticationError:
            raise InstrumentError(f"{self.where}: authentication failed for user {username!r}") from None
        except SSHUnknownHostError as exc:
            raise InstrumentError(f"{self.where}: host key not trusted ({exc}); pass its key as hostkey_b64 "
                                  "or add it to known_hosts") from None
        except (SSHError, OSError) as exc:
            raise InstrumentError(f"{self.where}: cannot open a NETCONF session: {exc}") from None

    def close(self) -> None:
        try:
            self._m.close_session()
        except Exception:  # noqa: BLE001 - closing a dead session is not an error
            pass

    def __enter__(self) -> TsnSwitch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _find_mount(self) -> SchedMount:
        caps = " ".join(self.capabilities)
        if "module=ieee802-dot1q-sched-bridge" in caps or SCHED_BRIDGE + "?" in caps:
            return SchedMount(SCHED_BRIDGE, True)
        if "module=ieee802-dot1q-sched" in caps or SCHED + "?" in caps:
            return SchedMount(SCHED, False)
        raise InstrumentError(f"{self.where}: the server does not advertise ieee802-dot1q-sched(-bridge); "
                              "it cannot be configured for 802.1Qbv through this driver")

    def has_capability(self, fragment: str) -> bool:
        return any(fragment in c for c in self.capabilities)

    # -- RPC helpers -------------------------------------------------------------------------------
    def _rpc(self, what: str, fn: Any, *args: Any, **kw: Any) -> Any:
        from ncclient.operations import RPCError
        from ncclient.operations.errors import TimeoutExpiredError
        from ncclient.transport.errors import TransportError

        try:
            return fn(*args, **kw)
        except RPCError as err:
            parts = [p for p in (getattr(err, "tag", None), getattr(err, "path", None)) if p]
            detail = f" [{', '.join(str(p).strip() for p in parts)}]" if parts else ""
            raise InstrumentError(f"{self.where}: {what} rejected: {(err.message or str(err)).strip()}{detail}") \
                from None
        except (TransportError, TimeoutExpiredError, OSError) as exc:
            raise InstrumentError(f"{self.where}: {what} failed: {exc}") from None

    def _edit(self, what: str, config: etree._Element) -> None:
        xml = etree.tostring(config).decode()
        if self.has_capability(WRITABLE_RUNNING) or not self.has_capability(CANDIDATE):
            self._rpc(what, self._m.edit_config, target="running", config=xml, default_operation="merge")
            return
        self._rpc(what, self._m.edit_config, target="candidate", config=xml, default_operation="merge")
        try:
            self._rpc(what + " (commit)", self._m.commit)
        except InstrumentError:
            self._rpc("discard-changes", self._m.discard_changes)
            raise

    def _config_root(self, interface: str) -> tuple[etree._Element, etree._Element]:
        config = etree.Element(_q(NC, "config"), nsmap={"nc": NC})
        ifs = etree.SubElement(config, _q(IF, "interfaces"), nsmap={None: IF})
        itf = _sub(ifs, _q(IF, "interface"))
        _sub(itf, _q(IF, "name"), interface)
        return config, itf

    def _gate_table(self, itf: etree._Element) -> etree._Element:
        parent = etree.SubElement(itf, _q(DOT1Q, "bridge-port"), nsmap={"dot1q": DOT1Q}) \
            if self.mount.under_bridge_port else itf
        return etree.SubElement(parent, _q(self.mount.namespace, "gate-parameter-table"),
                                nsmap={"sched": SCHED, None: self.mount.namespace})

    def _get(self, what: str, interface: str | None, config_only: bool = False) -> etree._Element:
        flt = etree.Element("filter")
        ifs = etree.SubElement(flt, _q(IF, "interfaces"), nsmap={None: IF})
        itf = _sub(ifs, _q(IF, "interface"))
        if interface is not None:
            _sub(itf, _q(IF, "name"), interface)
        body = "".join(etree.tostring(c).decode() for c in flt)
        if config_only:
            reply = self._rpc(what, self._m.get_config, source="running", filter=("subtree", body))
        else:
            reply = self._rpc(what, self._m.get, filter=("subtree", body))
        root = etree.fromstring(reply.data_xml.encode() if isinstance(reply.data_xml, str) else reply.data_xml)
        return root

    def _interface_el(self, root: etree._Element, interface: str) -> etree._Element:
        for itf in root.iter(_q(IF, "interface")):
            if (itf.findtext(_q(IF, "name")) or "").strip() == interface:
                return itf
        raise InstrumentError(f"{self.where}: interface {interface!r} not found (have: "
                              f"{', '.join(self.interfaces()) or 'none'})")

    def _table_el(self, itf: etree._Element) -> etree._Element | None:
        ns = self.mount.namespace
        if self.mount.under_bridge_port:
            bp = itf.find(_q(DOT1Q, "bridge-port"))
            return bp.find(_q(ns, "gate-parameter-table")) if bp is not None else None
        return itf.find(_q(ns, "gate-parameter-table"))

    # -- public API --------------------------------------------------------------------------------
    def interfaces(self) -> list[str]:
        root = self._get("get interfaces", None, config_only=True)
        return [(i.findtext(_q(IF, "name")) or "").strip() for i in root.iter(_q(IF, "interface"))]

    def set_gate_control_list(self, interface: str, gcl: GateControlList,
                              max_sdu: dict[int, int] | None = None) -> None:
        """Write the admin schedule and trigger ``config-change`` (it runs from its config change time)."""
        config, itf = self._config_root(interface)
        gt = self._gate_table(itf)
        ns = self.mount.namespace
        _sub(gt, _q(ns, "gate-enabled"), gcl.enabled)
        acl = _sub(gt, _q(ns, "admin-control-list"))
        acl.set(_q(NC, "operation"), "replace")
        for i, e in enumerate(gcl.entries):
            ge = _sub(acl, _q(ns, "gate-control-entry"))
            _sub(ge, _q(ns, "index"), i)
            _sub(ge, _q(ns, "operation-name"), "sched:set-gate-states")
            _sub(ge, _q(ns, "time-interval-value"), e.interval_ns)
            _sub(ge, _q(ns, "gate-states-value"), e.gate_states)
        ct = _sub(gt, _q(ns, "admin-cycle-time"))
        _sub(ct, _q(ns, "numerator"), gcl.cycle_time_ns)
        _sub(ct, _q(ns, "denominator"), NS_PER_S)
        bt = _sub(gt, _q(ns, "admin-base-time"))
        _sub(bt, _q(ns, "seconds"), gcl.base_time_ns // NS_PER_S)
        _sub(bt, _q(ns, "nanoseconds"), gcl.base_time_ns % NS_PER_S)
        for tc, sdu in sorted((max_sdu or {}).items()):
            row = _sub(gt, _q(ns, "queue-max-sdu-table"))
            _sub(row, _q(ns, "traffic-class"), tc)
            _sub(row, _q(ns, "queue-max-sdu"), sdu)
        _sub(gt, _q(ns, "config-change"), True)
        self._edit(f"gate control list on {interface}", config)

    def disable_gates(self, interface: str) -> None:
        """``gate-enabled`` false (every gate open), applied with ``config-change``."""
        config, itf = self._config_root(interface)
        gt = self._gate_table(itf)
        _sub(gt, _q(self.mount.namespace, "gate-enabled"), False)
        _sub(gt, _q(self.mount.namespace, "config-change"), True)
        self._edit(f"disable gates on {interface}", config)

    def gate_control_list(self, interface: str, oper: bool = False) -> GateControlList:
        """Read back the admin list (from ``running``) or the operational one (``oper-*`` state)."""
        root = self._get(f"read gate list of {interface}", interface, config_only=not oper)
        gt = self._table_el(self._interface_el(root, interface))
        ns = self.mount.namespace
        if gt is None:
            return GateControlList((), 0, 0, False)
        prefix = "oper" if oper else "admin"
        lst = gt.find(_q(ns, f"{prefix}-control-list"))
        rows = []
        for ge in lst.findall(_q(ns, "gate-control-entry")) if lst is not None else []:
            rows.append((_int(ge, _q(ns, "index")) or 0, GateControlEntry(
                _int(ge, _q(ns, "gate-states-value")) or 0, _int(ge, _q(ns, "time-interval-value")) or 0)))
        ct = gt.find(_q(ns, f"{prefix}-cycle-time"))
        num, den = _int(ct, _q(ns, "numerator")) or 0, _int(ct, _q(ns, "denominator")) or 1
        bt = gt.find(_q(ns, f"{prefix}-base-time"))
        base = (_int(bt, _q(ns, "seconds")) or 0) * NS_PER_S + (_int(bt, _q(ns, "nanoseconds")) or 0)
        enabled = (gt.findtext(_q(ns, "gate-enabled")) or "false").strip() == "true"
        if oper:
            enabled = bool(rows)
        return GateControlList(tuple(e for _i, e in sorted(rows, key=lambda r: r[0])), num * NS_PER_S // den,
                               base, enabled)

    def reset_ports(self, interfaces: list[str]) -> None:
        """One edit: every listed port enabled, gates disabled (all open), impairments cleared if supported."""
        config = etree.Element(_q(NC, "config"), nsmap={"nc": NC})
        ifs = etree.SubElement(config, _q(IF, "interfaces"), nsmap={None: IF})
        for name in interfaces:
            itf = _sub(ifs, _q(IF, "interface"))
            _sub(itf, _q(IF, "name"), name)
            _sub(itf, _q(IF, "enabled"), True)
            gt = self._gate_table(itf)
            _sub(gt, _q(self.mount.namespace, "gate-enabled"), False)
            _sub(gt, _q(self.mount.namespace, "config-change"), True)
            if self.has_capability(HB):
                imp = etree.SubElement(itf, _q(HB, "impairment"), nsmap={None: HB})
                imp.set(_q(NC, "operation"), "replace")
        self._edit(f"reset of {', '.join(interfaces)}", config)

    def set_port_enabled(self, interface: str, enabled: bool) -> None:
        config, itf = self._config_root(interface)
        _sub(itf, _q(IF, "enabled"), enabled)
        self._edit(f"{'enable' if enabled else 'disable'} {interface}", config)

    def set_impairment(self, interface: str, *, delay_ns: int | None = None, jitter_ns: int | None = None,
                       loss_ppm: int | None = None, carrier: bool | None = None, seed: int | None = None) -> None:
        """Set link impairments (``hilbench-switch`` module; the emulated switch)."""
        if not self.has_capability(HB):
            raise InstrumentError(f"{self.where}: impairments need the hilbench-switch YANG module, which this "
                                  "switch does not advertise (use a network emulator in front of a real switch)")
        config, itf = self._config_root(interface)
        imp = etree.SubElement(itf, _q(HB, "impairment"), nsmap={None: HB})
        for name, value in (("delay-ns", delay_ns), ("jitter-ns", jitter_ns), ("loss-ppm", loss_ppm),
                            ("carrier", carrier), ("seed", seed)):
            if value is not None:
                _sub(imp, _q(HB, name), value)
        self._edit(f"impairment on {interface}", config)

    def status(self, interface: str) -> PortStatus:
        """State and counters of one interface."""
        itf = self._interface_el(self._get(f"read state of {interface}", interface), interface)
        st = itf.find(_q(IF, "statistics"))
        ps = PortStatus(
            name=interface, enabled=(itf.findtext(_q(IF, "enabled")) or "true").strip() == "true",
            oper_up=(itf.findtext(_q(IF, "oper-status")) or "").strip() == "up",
            in_octets=_int(st, _q(IF, "in-octets")) or 0, in_frames=_int(st, _q(IF, "in-unicast-pkts")) or 0,
            in_discards=_int(st, _q(IF, "in-discards")) or 0, out_octets=_int(st, _q(IF, "out-octets")) or 0,
            out_frames=_int(st, _q(IF, "out-unicast-pkts")) or 0, out_discards=_int(st, _q(IF, "out-discards")) or 0,
        )
        ls = itf.find(_q(HB, "link-statistics"))
        if ls is not None:
            ps.lost_frames = _int(ls, _q(HB, "lost-frames"))
        for row in itf.findall(_q(HB, "traffic-class-statistics")):
            tc = _int(row, _q(HB, "traffic-class")) or 0
            ps.tc_tx_frames[tc] = _int(row, _q(HB, "tx-frames")) or 0
            ps.tc_discards[tc] = _int(row, _q(HB, "discards")) or 0
        gt = self._table_el(itf)
        if gt is not None:
            ns = self.mount.namespace
            ps.oper_gate_states = _int(gt, _q(ns, "oper-gate-states"))
            pend = gt.findtext(_q(ns, "config-pending"))
            ps.config_pending = None if pend is None else pend.strip() == "true"
            cur = gt.find(_q(ns, "current-time"))
            if cur is not None:
                ps.current_time_ns = (_int(cur, _q(ns, "seconds")) or 0) * NS_PER_S + (
                    _int(cur, _q(ns, "nanoseconds")) or 0)
        return ps
