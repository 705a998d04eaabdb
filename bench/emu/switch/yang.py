"""The YANG subset the emulated switch serves: schema, edit-config merge, subtree filter, compile.

Why a schema here: NETCONF must reject what the modules do not define (an unknown element, a
``gate-states-value`` of 300, a traffic class of 9) with a proper ``rpc-error`` naming the path,
and accept exactly what a real TSN switch accepts, so the same driver works on both. Modules:

* ``ietf-interfaces`` (RFC 8343): ``interface[name]`` with ``enabled``; ``oper-status`` and
  ``statistics`` as state.
* ``ieee802-dot1q-sched-bridge`` (802.1Qcw-2023, the 802.1Qbv model), mounted like real switches do
  at ``/if:interfaces/if:interface/dot1q:bridge-port/sched-bridge:gate-parameter-table``:
  ``gate-enabled``, ``admin-gate-states``, ``admin-control-list/gate-control-entry[index]``
  (``operation-name`` = ``sched:set-gate-states``, ``time-interval-value`` ns, ``gate-states-value``),
  ``admin-cycle-time`` (``numerator``/``denominator`` s), ``admin-cycle-time-extension``,
  ``admin-base-time`` (``seconds``/``nanoseconds``), ``config-change``,
  ``queue-max-sdu-table[traffic-class]``; state: ``oper-*``, ``config-change-time``,
  ``config-pending``, ``current-time``, ``tick-granularity``, ``supported-list-max``.
* ``hilbench-switch`` (ours, ``urn:hilbench:yang:hilbench-switch``): per interface ``impairment``
  (``delay-ns``, ``jitter-ns``, ``loss-ppm``, ``carrier``, ``seed``) and per-class counters.

``config-change`` is a trigger (as in 802.1Qcw): an edit that sets it true stages the admin values;
the server stores it back as false. Simulated time 0 is PTP time 0 (``admin-base-time`` 0/0).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

NC = "urn:ietf:params:xml:ns:netconf:base:1.0"
IF = "urn:ietf:params:xml:ns:yang:ietf-interfaces"
DOT1Q = "urn:ieee:std:802.1Q:yang:ieee802-dot1q-bridge"
SCHED = "urn:ieee:std:802.1Q:yang:ieee802-dot1q-sched"
SB = "urn:ieee:std:802.1Q:yang:ieee802-dot1q-sched-bridge"
HB = "urn:hilbench:yang:hilbench-switch"
IANAIFT = "urn:ietf:params:xml:ns:yang:iana-if-type"

MODULES = {  # module -> (namespace, revision) advertised in the hello
    "ietf-interfaces": (IF, "2018-02-20"),
    "iana-if-type": (IANAIFT, "2023-01-26"),
    "ieee802-dot1q-bridge": (DOT1Q, "2023-10-26"),
    "ieee802-dot1q-sched": (SCHED, "2023-03-08"),
    "ieee802-dot1q-sched-bridge": (SB, "2023-03-08"),
    "hilbench-switch": (HB, "2026-06-01"),
}
SUPPORTED_LIST_MAX = 256
NS_PER_S = 1_000_000_000


class RpcError(Exception):
    """An error to send back as ``<rpc-error>`` (RFC 6241 Appendix A tags)."""

    def __init__(self, tag: str, message: str, path: str | None = None, err_type: str = "application") -> None:
        super().__init__(message)
        self.tag = tag
        self.message = message
        self.path = path
        self.err_type = err_type


# -- schema ----------------------------------------------------------------------------------------
Check = Callable[[str], object]


def _uint(bits: int, lo: int = 0, hi: int | None = None) -> Check:
    top = (1 << bits) - 1 if hi is None else hi

    def check(text: str) -> int:
        try:
            v = int(text.strip())
        except ValueError:
            raise ValueError(f"{text!r} is not an integer") from None
        if not lo <= v <= top:
            raise ValueError(f"{v} is outside {lo}..{top}")
        return v
    return check


def _bool(text: str) -> bool:
    t = text.strip()
    if t not in ("true", "false"):
        raise ValueError(f"{text!r} is not a boolean (true/false)")
    return t == "true"


def _str(text: str) -> str:
    return text.strip()


@dataclass
class SNode:
    name: str
    ns: str
    kind: str  # container | list | leaf
    check: Check | None = None
    keys: tuple[str, ...] = ()
    children: dict[str, SNode] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        return f"{{{self.ns}}}{self.name}"


def _c(name: str, ns: str, *kids: SNode) -> SNode:
    return SNode(name, ns, "container", children={k.tag: k for k in kids})


def _l(name: str, ns: str, keys: tuple[str, ...], *kids: SNode) -> SNode:
    return SNode(name, ns, "list", keys=keys, children={k.tag: k for k in kids})


def _f(name: str, ns: str, check: Check) -> SNode:
    return SNode(name, ns, "leaf", check=check)


GATE_TABLE = _c(
    "gate-parameter-table", SB,
    _f("gate-enabled", SB, _bool),
    _f("admin-gate-states", SB, _uint(8)),
    _c("admin-control-list", SB, _l(
        "gate-control-entry", SB, ("index",),
        _f("index", SB, _uint(32)),
        _f("operation-name", SB, _str),
        _f("time-interval-value", SB, _uint(32)),
        _f("gate-states-value", SB, _uint(8)),
    )),
    _c("admin-cycle-time", SB, _f("numerator", SB, _uint(32)), _f("denominator", SB, _uint(32, 1))),
    _f("admin-cycle-time-extension", SB, _uint(32)),
    _c("admin-base-time", SB, _f("seconds", SB, _uint(48)), _f("nanoseconds", SB, _uint(32, 0, NS_PER_S - 1))),
    _f("config-change", SB, _bool),
    _l("queue-max-sdu-table", SB, ("traffic-class",),
       _f("traffic-class", SB, _uint(8, 0, 7)), _f("queue-max-sdu", SB, _uint(32))),
)
IMPAIRMENT = _c(
    "impairment", HB,
    _f("delay-ns", HB, _uint(63)),
    _f("jitter-ns", HB, _uint(63)),
    _f("loss-ppm", HB, _uint(32, 0, 1_000_000)),
    _f("carrier", HB, _bool),
    _f("seed", HB, _uint(63)),
)
SCHEMA = _c(
    "interfaces", IF,
    _l("interface", IF, ("name",),
       _f("name", IF, _str),
       _f("description", IF, _str),
       _f("type", IF, _str),
       _f("enabled", IF, _bool),
       _c("bridge-port", DOT1Q, GATE_TABLE),
       IMPAIRMENT),
)
NC_OP = f"{{{NC}}}operation"
OPS = ("merge", "replace", "create", "delete", "remove")


def _path(el_path: str, node: SNode, el: etree._Element | None = None) -> str:
    step = f"{el_path}/{node.name}"
    if node.kind == "list" and el is not None:
        for k in node.keys:
            kv = el.find(f"{{{node.ns}}}{k}")
            if kv is not None and kv.text is not None:
                step += f"[{k}='{kv.text.strip()}']"
    return step


def validate_tree(el: etree._Element, node: SNode, path: str = "") -> None:
    """Check an edit (sub)tree against the schema; raise ``RpcError`` at the first problem."""
    here = _path(path, node, el)
    op = el.get(NC_OP)
    if op is not None and op not in OPS:
        raise RpcError("bad-attribute", f"operation {op!r} is not one of {', '.join(OPS)}", here, "protocol")
    if node.kind == "leaf":
        if len(el):
            raise RpcError("invalid-value", f"{node.name} is a leaf and cannot have child elements", here)
        if op in ("delete", "remove"):
            return
        try:
            assert node.check is not None
            node.check(el.text or "")
        except ValueError as exc:
            raise RpcError("invalid-value", f"{node.name}: {exc}", here) from None
        return
    if node.kind == "list" and op not in ("delete", "remove"):
        for k in node.keys:
            if el.find(f"{{{node.ns}}}{k}") is None:
                raise RpcError("missing-element", f"list entry {node.name} needs its key {k}", here)
    for child in el:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        sub = node.children.get(child.tag)
        if sub is None:
            raise RpcError("unknown-element", f"{etree.QName(child).localname} (namespace "
                           f"{etree.QName(child).namespace}) is not part of {node.name}", here)
        validate_tree(child, sub, here)


def _strip_ops(el: etree._Element) -> etree._Element:
    out = copy.deepcopy(el)
    for e in out.iter():
        if isinstance(e.tag, str) and NC_OP in e.attrib:
            del e.attrib[NC_OP]
    return out


def _match(parent: etree._Element, el: etree._Element, node: SNode) -> etree._Element | None:
    for cand in parent.findall(node.tag):
        if node.kind != "list":
            return cand
        ok = True
        for k in node.keys:
            a = cand.find(f"{{{node.ns}}}{k}")
            b = el.find(f"{{{node.ns}}}{k}")
            if a is None or b is None or (a.text or "").strip() != (b.text or "").strip():
                ok = False
                break
        if ok:
            return cand
    return None


def merge_edit(parent: etree._Element, el: etree._Element, node: SNode, inherited: str, path: str = "") -> None:
    """Apply one edit element under ``parent`` (RFC 6241 §7.2 operations)."""
    op = el.get(NC_OP, inherited)
    here = _path(path, node, el)
    existing = _match(parent, el, node)
    if op in ("delete", "remove"):
        if existing is None:
            if op == "delete":
                raise RpcError("data-missing", f"cannot delete {node.name}: it does not exist", here)
            return
        parent.remove(existing)
        return
    if op == "create" and existing is not None:
        raise RpcError("data-exists", f"cannot create {node.name}: it already exists", here)
    if op == "replace" or (node.kind == "leaf" and existing is None and op != "none") or (
            existing is None and op == "create"):
        if existing is not None:
            parent.replace(existing, _strip_ops(el))
        else:
            parent.append(_strip_ops(el))
        return
    if node.kind == "leaf":
        if existing is not None:
            existing.text = (el.text or "").strip()
        return
    if existing is None:
        existing = etree.SubElement(parent, node.tag)
    for child in el:
        if isinstance(child.tag, str):
            merge_edit(existing, child, node.children[child.tag], op if op != "create" else "merge", here)


def empty_datastore(port_names: list[str]) -> etree._Element:
    """A running datastore with every port present and enabled."""
    data = etree.Element(f"{{{NC}}}data", nsmap={None: NC})
    ifs = etree.SubElement(data, f"{{{IF}}}interfaces", nsmap={None: IF})
    for name in port_names:
        itf = etree.SubElement(ifs, f"{{{IF}}}interface")
        etree.SubElement(itf, f"{{{IF}}}name").text = name
        etree.SubElement(itf, f"{{{IF}}}type", nsmap={"ianaift": IANAIFT}).text = "ianaift:ethernetCsmacd"
        etree.SubElement(itf, f"{{{IF}}}enabled").text = "true"
    return data


def apply_edit(store: etree._Element, config: etree._Element, default_operation: str) -> etree._Element:
    """Return a new datastore: ``store`` with the ``<config>`` edit applied (``store`` is unchanged)."""
    if default_operation not in ("merge", "replace", "none"):
        raise RpcError("invalid-value", f"default-operation {default_operation!r} is not merge, replace or none",
                       "/rpc/edit-config/default-operation", "protocol")
    for top in config:
        if not isinstance(top.tag, str):
            continue
        if top.tag != SCHEMA.tag:
            raise RpcError("unknown-element", f"top-level element {top.tag} is not served by this switch "
                           f"(only {SCHEMA.tag})", "/")
        validate_tree(top, SCHEMA)
    new = copy.deepcopy(store)
    if default_operation == "replace":
        for old in list(new):
            new.remove(old)
    for top in config:
        if isinstance(top.tag, str):
            merge_edit(new, top, SCHEMA, "merge" if default_operation == "replace" else default_operation)
    return new


# -- subtree filtering (RFC 6241 §6) ---------------------------------------------------------------------
def subtree_filter(data: etree._Element, flt: etree._Element | None) -> list[etree._Element]:
    """The top-level elements of ``data`` selected by the ``<filter type="subtree">`` ``flt``."""
    if flt is None:
        return [copy.deepcopy(e) for e in data]
    out: list[etree._Element] = []
    for f in flt:
        if not isinstance(f.tag, str):
            continue
        for d in data.findall(f.tag):
            r = _filter_node(d, f)
            if r is not None:
                out.append(r)
    return out


def _filter_node(d: etree._Element, f: etree._Element) -> etree._Element | None:
    fkids = [c for c in f if isinstance(c.tag, str)]
    if not fkids:
        if f.text and f.text.strip():
            return copy.deepcopy(d) if (d.text or "").strip() == f.text.strip() else None
        return copy.deepcopy(d)
    matches = [c for c in fkids if not len(c) and c.text and c.text.strip()]
    for m in matches:
        got = d.find(m.tag)
        if got is None or (got.text or "").strip() != m.text.strip():  # type: ignore[union-attr]
            return None
    others = [c for c in fkids if c not in matches]
    res = etree.Element(d.tag, nsmap=d.nsmap)
    res.text = d.text
    if not others:
        for c in d:
            res.append(copy.deepcopy(c))
        return res
    for c in d:
        if not isinstance(c.tag, str):
            continue
        if any(m.tag == c.tag for m in matches):
            res.append(copy.deepcopy(c))
            continue
        for o in others:
            if o.tag == c.tag:
                r = _filter_node(c, o)
                if r is not None:
                    res.append(r)
                break
    return res


# -- compile: datastore -> what the data plane runs ----------------------------------------------------
@dataclass
class GateConfig:
    gate_enabled: bool = False
    admin_gate_states: int = 0xFF
    entries: list[tuple[int, int]] = field(default_factory=list)  # (gate_states, interval_ns)
    cycle_time_ns: int | None = None
    cycle_extension_ns: int = 0
    base_time_ns: int = 0
    config_change: bool = False
    max_sdu: list[int] = field(default_factory=lambda: [0] * 8)


@dataclass
class PortConfig:
    enabled: bool = True
    gate: GateConfig = field(default_factory=GateConfig)
    delay_ns: int = 0
    jitter_ns: int = 0
    loss_ppm: int = 0
    carrier: bool = True
    seed: int = 0


def _leaf(parent: etree._Element | None, tag: str, check: Check, default: object) -> object:
    if parent is None:
        return default
    el = parent.find(tag)
    if el is None:
        return default
    return check(el.text or "")


def compile_config(store: etree._Element, port_names: list[str]) -> dict[str, PortConfig]:
    """Typed per-port configuration, or ``RpcError`` naming the offending path."""
    out = {name: PortConfig() for name in port_names}
    ifs = store.find(f"{{{IF}}}interfaces")
    if ifs is None:
        return out
    for itf in ifs.findall(f"{{{IF}}}interface"):
        name = (itf.findtext(f"{{{IF}}}name") or "").strip()
        base = f"/interfaces/interface[name='{name}']"
        if name not in out:
            raise RpcError("invalid-value", f"unknown interface {name!r}: this switch has {', '.join(port_names)}",
                           base)
        pc = out[name]
        pc.enabled = bool(_leaf(itf, f"{{{IF}}}enabled", _bool, True))
        imp = itf.find(IMPAIRMENT.tag)
        pc.delay_ns = int(_leaf(imp, f"{{{HB}}}delay-ns", _uint(63), 0))  # type: ignore[arg-type]
        pc.jitter_ns = int(_leaf(imp, f"{{{HB}}}jitter-ns", _uint(63), 0))  # type: ignore[arg-type]
        pc.loss_ppm = int(_leaf(imp, f"{{{HB}}}loss-ppm", _uint(32, 0, 1_000_000), 0))  # type: ignore[arg-type]
        pc.carrier = bool(_leaf(imp, f"{{{HB}}}carrier", _bool, True))
        pc.seed = int(_leaf(imp, f"{{{HB}}}seed", _uint(63), 0))  # type: ignore[arg-type]
        bp = itf.find(f"{{{DOT1Q}}}bridge-port")
        gt = bp.find(GATE_TABLE.tag) if bp is not None else None
        if gt is not None:
            pc.gate = _compile_gate(gt, base + "/bridge-port/gate-parameter-table")
    return out


def _compile_gate(gt: etree._Element, base: str) -> GateConfig:
    g = GateConfig()
    s = f"{{{SB}}}"
    g.gate_enabled = bool(_leaf(gt, s + "gate-enabled", _bool, False))
    g.admin_gate_states = int(_leaf(gt, s + "admin-gate-states", _uint(8), 0xFF))  # type: ignore[arg-type]
    g.config_change = bool(_leaf(gt, s + "config-change", _bool, False))
    g.cycle_extension_ns = int(_leaf(gt, s + "admin-cycle-time-extension", _uint(32), 0))  # type: ignore[arg-type]
    acl = gt.find(s + "admin-control-list")
    rows: list[tuple[int, int, int]] = []
    for e in acl.findall(s + "gate-control-entry") if acl is not None else []:
        idx = int(_leaf(e, s + "index", _uint(32), 0))  # type: ignore[arg-type]
        where = f"{base}/admin-control-list/gate-control-entry[index='{idx}']"
        op = (e.findtext(s + "operation-name") or "set-gate-states").strip()
        if op.split(":")[-1] != "set-gate-states":
            raise RpcError("operation-not-supported", f"operation-name {op!r} is not supported (only "
                           "sched:set-gate-states; this switch has no frame preemption)", where + "/operation-name")
        if e.find(s + "time-interval-value") is None or e.find(s + "gate-states-value") is None:
            raise RpcError("missing-element", "a gate-control-entry needs time-interval-value and "
                           "gate-states-value", where)
        interval = int(_leaf(e, s + "time-interval-value", _uint(32), 0))  # type: ignore[arg-type]
        if interval == 0:
            raise RpcError("invalid-value", "time-interval-value must be > 0 ns", where + "/time-interval-value")
        rows.append((idx, int(_leaf(e, s + "gate-states-value", _uint(8), 0)), interval))  # type: ignore[arg-type]
    rows.sort()
    if len(rows) > SUPPORTED_LIST_MAX:
        raise RpcError("invalid-value", f"{len(rows)} gate-control-entries exceed supported-list-max "
                       f"{SUPPORTED_LIST_MAX}", base + "/admin-control-list")
    g.entries = [(states, interval) for _i, states, interval in rows]
    ct = gt.find(s + "admin-cycle-time")
    if ct is not None:
        num = int(_leaf(ct, s + "numerator", _uint(32), 0))  # type: ignore[arg-type]
        den = int(_leaf(ct, s + "denominator", _uint(32, 1), 1))  # type: ignore[arg-type]
        if (num * NS_PER_S) % den:
            raise RpcError("invalid-value", f"admin-cycle-time {num}/{den} s is not a whole number of ns "
                           "(tick-granularity is 1 ns)", base + "/admin-cycle-time")
        g.cycle_time_ns = num * NS_PER_S // den
    bt = gt.find(s + "admin-base-time")
    g.base_time_ns = int(_leaf(bt, s + "seconds", _uint(48), 0)) * NS_PER_S + int(  # type: ignore[operator]
        _leaf(bt, s + "nanoseconds", _uint(32, 0, NS_PER_S - 1), 0))  # type: ignore[arg-type]
    for row in gt.findall(s + "queue-max-sdu-table"):
        tc = int(_leaf(row, s + "traffic-class", _uint(8, 0, 7), 0))  # type: ignore[arg-type]
        g.max_sdu[tc] = int(_leaf(row, s + "queue-max-sdu", _uint(32), 0))  # type: ignore[arg-type]
    if g.entries or g.gate_enabled:
        if not g.entries:
            raise RpcError("invalid-value", "gate-enabled is true but admin-control-list is empty",
                           base + "/admin-control-list")
        if g.cycle_time_ns is None or g.cycle_time_ns == 0:
            raise RpcError("missing-element", "admin-cycle-time is required with an admin-control-list",
                           base + "/admin-cycle-time")
        total = sum(i for _s, i in g.entries)
        if total != g.cycle_time_ns:
            raise RpcError("invalid-value", f"gate-control-entry time-interval-values add up to {total} ns "
                           f"but admin-cycle-time is {g.cycle_time_ns} ns; they must be equal",
                           base + "/admin-control-list")
    return g
