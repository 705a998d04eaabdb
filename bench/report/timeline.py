"""Turning the run's events into stretches and instants on the simulated time axis.

Why: faults and load are logged as start/end pairs and lock states as changes; the plots need them as
spans (a fault from start to end, a state until the next change) and instants (a capture gap). An
unmatched start runs to the end of the run; an event without a simulated time is listed, not drawn.
"""

from __future__ import annotations

from typing import Any

from bench.report.plots import Mark, Span

NS = 1e9
INSTANT_KINDS = ("capture_gap", "node_unresponsive", "node_missing", "node_leave", "node_rejected",
                 "leap_second_announced", "leap_second_scheduled", "lab_down")


def _t_s(event: dict[str, Any]) -> float | None:
    t = event.get("sim_time_ns")
    return float(t) / NS if isinstance(t, int | float) and not isinstance(t, bool) else None


def run_end_s(events: list[dict[str, Any]], last_sample_s: float, sim_s: float | None) -> float:
    """The end of the simulated time axis: the latest of samples, events and the summary's sim_s."""
    times = [t for e in events if (t := _t_s(e)) is not None]
    return max([last_sample_s, sim_s or 0.0, *times, 1.0])


def _label(event: dict[str, Any], key: str) -> str:
    return str(event.get(key) or event.get("kind") or "?")


def paired_spans(events: list[dict[str, Any]], kind: str, node: str | None, end_s: float) -> list[Span]:
    """Spans of ``kind`` events (``phase`` start/end) for ``node`` (None: events of every node or none)."""
    open_: dict[tuple[str, str], tuple[float, str]] = {}
    out: list[Span] = []
    key_field = "fault" if kind == "fault" else "load"
    for e in events:
        if e.get("kind") != kind or (node is not None and e.get("node") not in (None, node)):
            continue
        t = _t_s(e)
        if t is None:
            continue
        name = _label(e, key_field)
        ident = (name, str(e.get("fault_id", e.get("node", ""))))
        if e.get("phase") == "start":
            open_[ident] = (t, name)
        elif e.get("phase") == "end" and ident in open_:
            start, label = open_.pop(ident)
            out.append(Span(start, t, label, "fault" if kind == "fault" else "load"))
    for start, label in open_.values():
        out.append(Span(start, end_s, label + " (no end logged)", "fault" if kind == "fault" else "load"))
    return sorted(out, key=lambda s: s.start_s)


def state_spans(events: list[dict[str, Any]], node: str, end_s: float) -> list[Span]:
    """The node's lock states as consecutive spans."""
    changes = sorted(((t, str(e.get("state"))) for e in events
                      if e.get("kind") == "node_state" and e.get("node") == node and (t := _t_s(e)) is not None),
                     key=lambda c: c[0])
    out = []
    for i, (t, state) in enumerate(changes):
        nxt = changes[i + 1][0] if i + 1 < len(changes) else end_s
        out.append(Span(t, nxt, state, "state"))
    return out


def marks(events: list[dict[str, Any]], node: str | None) -> list[Mark]:
    """Instants worth a line on the TE plot (gaps, unresponsive node, leap second...)."""
    out = []
    for e in events:
        if e.get("kind") in INSTANT_KINDS and (node is None or e.get("node") in (None, node)):
            t = _t_s(e)
            if t is not None:
                out.append(Mark(t, str(e["kind"]).replace("_", " ")))
    return out


def describe(event: dict[str, Any]) -> str:
    """The event's own fields as ``key=value`` text (without the common ones)."""
    skip = {"wall_utc", "kind", "sim_time_ns", "node"}
    return ", ".join(f"{k}={v}" for k, v in event.items() if k not in skip)


def format_sim(t_s: float | None) -> str:
    """Simulated time as ``T+hh:mm:ss`` (days prefixed when long)."""
    if t_s is None:
        return "—"
    total = int(round(t_s))
    days, rest = divmod(total, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return (f"T+{days}d {h:02d}:{m:02d}:{s:02d}" if days else f"T+{h:02d}:{m:02d}:{s:02d}")
