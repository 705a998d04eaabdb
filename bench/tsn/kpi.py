"""Deadline KPIs of critical cyclic traffic, computed only from recorded simulated times.

Why a module of its own: verdicts must be functions of stored data (design.md §1.3). Given one
record per cycle (send, arrival, deadline instant), this computes what the profile's KPIs name:
``deadline_adherence`` (% of cycles whose frame arrived by ``cycle start + deadline``; a lost frame
misses), latency p50/p99/max (arrival − send, true ns), jitter (peak-to-peak latency variation)
and frames lost, plus the longest outage (consecutive lost cycles) that reveals a link fault.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from bench.errors import InputError
from bench.tsn.traffic import CycleRecord, TrafficResult


@dataclass(frozen=True)
class FlowKpis:
    flow: str
    cycles: int
    received: int
    frames_lost: int
    deadline_met: int
    deadline_adherence_pct: float
    latency_min_ns: int | None
    latency_p50_ns: int | None
    latency_p99_ns: int | None
    latency_max_ns: int | None
    jitter_ns: int | None
    longest_outage_cycles: int
    first_outage_cycle: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def extras(self) -> dict[str, float]:
        """Values for the KPI engine (``KpiInput.extra``), keyed by profile statistic name.

        A profile KPI ``statistic = "deadline_adherence"`` (unit ``%``, direction ``min``) or
        ``"latency_p99"`` (unit ``ns``) is then judged by ``bench.analysis.kpi`` like any other.
        Undefined values (nothing arrived) are left out, so the engine reports NO-DATA.
        """
        out = {}
        for name, (attr, _unit) in STATISTICS.items():
            v = getattr(self, attr)
            if v is not None:
                out[name] = float(v)
        return out


def _pct(values: np.ndarray, q: float) -> int:
    return int(np.percentile(values, q, method="inverted_cdf"))


def flow_kpis(name: str, records: list[CycleRecord]) -> FlowKpis:
    """KPIs of one flow's cycle records."""
    if not records:
        raise InputError(f"flow {name}: no cycles recorded, cannot compute deadline KPIs")
    lat = np.array([r.latency_ns for r in records if r.arrival_ns is not None], dtype=np.int64)
    met = sum(1 for r in records if r.arrival_ns is not None and r.arrival_ns <= r.deadline_at_ns)
    lost_cycles = [r.cycle for r in records if r.arrival_ns is None]
    longest, first, run, run_start, prev = 0, None, 0, None, None
    for k in lost_cycles:
        if prev is not None and k == prev + 1:
            run += 1
        else:
            run, run_start = 1, k
        if run > longest:
            longest, first = run, run_start
        prev = k
    have = len(lat) > 0
    return FlowKpis(
        flow=name, cycles=len(records), received=len(lat), frames_lost=len(lost_cycles), deadline_met=met,
        deadline_adherence_pct=100.0 * met / len(records),
        latency_min_ns=int(lat.min()) if have else None,
        latency_p50_ns=_pct(lat, 50) if have else None,
        latency_p99_ns=_pct(lat, 99) if have else None,
        latency_max_ns=int(lat.max()) if have else None,
        jitter_ns=int(lat.max() - lat.min()) if have else None,
        longest_outage_cycles=longest, first_outage_cycle=first,
    )


def traffic_kpis(result: TrafficResult) -> dict[str, FlowKpis]:
    """KPIs per critical flow of a traffic run."""
    return {name: flow_kpis(name, recs) for name, recs in result.records.items()}


STATISTICS = {  # profile KPI statistic name -> FlowKpis field (unit)
    "deadline_adherence": ("deadline_adherence_pct", "%"),
    "latency_p50": ("latency_p50_ns", "ns"),
    "latency_p99": ("latency_p99_ns", "ns"),
    "latency_max": ("latency_max_ns", "ns"),
    "jitter": ("jitter_ns", "ns"),
    "frames_lost": ("frames_lost", "count"),
}


def statistic(k: FlowKpis, name: str) -> float:
    """The value of profile statistic ``name`` (e.g. ``deadline_adherence``) for one flow."""
    if name not in STATISTICS:
        raise InputError(f"unknown TSN statistic {name!r}; one of {sorted(STATISTICS)}")
    v = getattr(k, STATISTICS[name][0])
    if v is None:
        raise InputError(f"flow {k.flow}: {name} is undefined (no frame arrived)")
    return float(v)
