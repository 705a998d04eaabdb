"""Container KPIs: start latency per node (p50/p99) and node restarts as faults, recorded as events.

Why: how fast a node comes up (create→running, running→healthy) is a KPI of the deployment, and a
restart of a node mid-run is a fault whose re-lock time the suite measures from the events; both
must be data in the run's events log, not numbers printed once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from bench.nodes.backend import NodeBackend, StartTiming
from bench.store.events import EventLog

PHASES = ("create_to_running_s", "running_to_healthy_s", "create_to_healthy_s")


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0..100) with linear interpolation between order statistics."""
    if not values:
        return math.nan
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile {q} outside 0..100")
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def latency_summary(timings: Iterable[StartTiming]) -> dict[str, Any]:
    """``{"count", "<phase>": {"p50", "p99", "max"}}`` over the given start timings (seconds)."""
    items = list(timings)
    out: dict[str, Any] = {"count": len(items)}
    for phase in PHASES:
        vals = [float(t.as_dict()[phase]) for t in items]
        out[phase] = {"p50": percentile(vals, 50), "p99": percentile(vals, 99),
                      "max": max(vals) if vals else math.nan}
    return out


def record_start(events: EventLog | None, timing: StartTiming, *, restart: bool = False) -> None:
    """One ``node_start`` event (``restart`` true when it came back from a restart fault)."""
    if events is not None:
        events.emit("node_start", node=timing.node, backend=timing.backend, restart=restart,
                    create_to_running_s=round(timing.create_to_running_s, 6),
                    running_to_healthy_s=round(timing.running_to_healthy_s, 6))


def record_summary(events: EventLog | None, timings: Iterable[StartTiming]) -> dict[str, Any]:
    """Emit ``node_start_summary`` (p50/p99 per phase) and return the same numbers."""
    summary = latency_summary(timings)
    if events is not None:
        events.emit("node_start_summary", **summary)
    return summary


def restart_fault(backend: NodeBackend, events: EventLog | None = None,
                  sim_time_ns: int | None = None) -> StartTiming:
    """Restart a running node as a fault: ``fault`` start/end events around the restart, with timings.

    The node loses its clock state and rejoins the kernel at the next step; the re-lock time is
    measured by the suite from the node's state events after this ``fault`` end.
    """
    name = backend.launch.name
    if events is not None:
        events.emit("fault", node=name, sim_time_ns=sim_time_ns, fault="node_restart", action="start",
                    backend=backend.backend)
    timing = backend.restart()
    record_start(events, timing, restart=True)
    if events is not None:
        events.emit("fault", node=name, fault="node_restart", action="end", backend=backend.backend,
                    create_to_healthy_s=round(timing.create_to_healthy_s, 6))
    return timing
