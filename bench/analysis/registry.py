"""The KPI engine's statistic registry: named scalar statistics with their base unit.

Why: profiles name statistics by string (``max_abs``, ``p99``, ``lock_time``, ...) and other
subsystems add their own (``register_statistic``) without touching the engine. Each statistic is a
function of a prepared :class:`KpiWindow` (the node's samples inside the KPI's window with the
transient discarded, plus the run's events) returning a value in its base unit; it raises
:class:`NoData` when the data cannot decide, which becomes a NO-DATA verdict, never a pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.analysis.errors import StatisticError
from bench.analysis.units import convert, dimension
from bench.profile.models import KpiSpec


class NoData(Exception):  # noqa: N818 — a verdict, not an error
    """The statistic cannot be computed from this data (the reason is shown in the verdict)."""


@dataclass
class KpiWindow:
    """What a statistic sees: the window's samples (``te_ns`` after the transient, ``all_te_ns`` before)."""

    spec: KpiSpec
    node: str
    t_ns: np.ndarray
    te_ns: np.ndarray
    all_t_ns: np.ndarray
    all_te_ns: np.ndarray
    events: list[dict[str, Any]]
    window_start_ns: int | None
    window_end_ns: int | None
    tau0_s: float
    extra: dict[str, float] = field(default_factory=dict)


StatValue = float | tuple[float, str]
StatFn = Callable[[KpiWindow], StatValue]


@dataclass(frozen=True)
class Statistic:
    """A registered statistic: ``fn`` returns a value in ``base_unit``; ``needs_samples`` applies
    the window's transient and minimum-duration rules (event statistics do not need samples)."""

    name: str
    fn: StatFn
    base_unit: str
    needs_samples: bool = True


_REGISTRY: dict[str, Statistic] = {}


def register_statistic(name: str, fn: StatFn, base_unit: str, needs_samples: bool = True) -> None:
    """Add (or replace) a statistic the KPI engine can evaluate; ``base_unit`` must be a known unit."""
    dimension(base_unit)  # UnitError if unknown
    _REGISTRY[name] = Statistic(name, fn, base_unit, needs_samples)


def get_statistic(name: str) -> Statistic:
    """The registered statistic ``name``; StatisticError listing the known ones otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted([*_REGISTRY, "mtie", "tdev", "adev", "extra:<key>"]))
        raise StatisticError(f"unknown statistic {name!r}; known: {known}") from None


def statistic_names() -> list[str]:
    """Names of the registered scalar statistics."""
    return sorted(_REGISTRY)


def _abs_percentile(q: float) -> StatFn:
    def fn(w: KpiWindow) -> float:
        return float(np.percentile(np.abs(w.te_ns), q))

    return fn


def _lock_time(w: KpiWindow) -> StatValue:
    start = int(w.window_start_ns) if w.window_start_ns is not None else 0
    end = w.window_end_ns
    times = sorted(
        int(e["sim_time_ns"]) for e in w.events
        if e.get("kind") == "node_state" and e.get("node") == w.node and e.get("state") == "locked"
        and isinstance(e.get("sim_time_ns"), int | float) and e["sim_time_ns"] >= start
        and (end is None or e["sim_time_ns"] <= end)
    )
    if times:
        return (times[0] - start) * 1e-9
    seen = [int(e["sim_time_ns"]) for e in w.events if isinstance(e.get("sim_time_ns"), int | float)]
    seen += [int(t) for t in w.all_t_ns[-1:]]
    observed_end = end if end is not None else (max(seen) if seen else None)
    if observed_end is None or observed_end <= start:
        raise NoData(f"no 'locked' state event for node {w.node} and no data after the window start")
    waited_s = (observed_end - start) * 1e-9
    limit_s = convert(w.spec.threshold, w.spec.unit, "s") if w.spec.threshold is not None else None
    if w.spec.direction == "max" and limit_s is not None and waited_s > limit_s:
        return waited_s, f"not locked after {waited_s:g} s (end of the window); lock time is longer"
    raise NoData(f"no 'locked' state event for node {w.node} within the {waited_s:g} s observed so far")


def _holdover_drift(w: KpiWindow) -> StatValue:
    ref = float(w.all_te_ns[0])
    return float(np.max(np.abs(w.te_ns - ref))), f"relative to TE {ref:.6g} ns at the window start"


def _builtin() -> None:
    register_statistic("max_abs", lambda w: float(np.max(np.abs(w.te_ns))), "ns")
    register_statistic("mean", lambda w: float(np.mean(w.te_ns)), "ns")
    register_statistic("cte", lambda w: float(abs(np.mean(w.te_ns))), "ns")
    register_statistic("rms", lambda w: float(np.sqrt(np.mean(np.square(w.te_ns)))), "ns")
    register_statistic("std", lambda w: float(np.std(w.te_ns)), "ns")
    register_statistic("min", lambda w: float(np.min(w.te_ns)), "ns")
    register_statistic("max", lambda w: float(np.max(w.te_ns)), "ns")
    register_statistic("pk_pk", lambda w: float(np.ptp(w.te_ns)), "ns")
    for q in (50, 95, 99):
        register_statistic(f"p{q}", _abs_percentile(float(q)), "ns")
    register_statistic("holdover_drift", _holdover_drift, "ns")
    register_statistic("lock_time", _lock_time, "s", needs_samples=False)


_builtin()
