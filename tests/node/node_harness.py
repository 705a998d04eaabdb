"""A synthetic GNSS receiver for driving ``ReferenceNode`` in-process, second by second.

Why: the node's KPIs (lock time, steady-state TE, holdover, leap second, time jump) must be checked
over thousands of simulated seconds in milliseconds. This harness plays the receiver independently of
the emulator's code: UTC labels with an optional leap second, PPS edges with uniform quantisation,
outages, time jumps (the receiver's second boundaries move by Δ, as in docs/simulation.md), and
measures TE from the node's own PPS edges (TE = node edge − reference edge).
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pynmea2

from bench.node.config import NodeConfig, parse_config
from bench.node.core import ReferenceNode

NS = 1_000_000_000
START = datetime(2026, 6, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Label:
    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    nanosecond: int = 0


@dataclass(frozen=True)
class Fix:
    label: Label | None
    valid: bool = True
    talker: str = "GP"
    sentence_type: str = "RMC"


class NoBytesDecoder:
    """Stands in for the NMEA parser where a test hands the node decoded fixes (``step_fixes``)."""

    def __init__(self) -> None:
        self.rejects: Counter[str] = Counter()
        self.accepted: Counter[str] = Counter()

    def feed(self, data: bytes) -> list[Fix]:
        raise AssertionError("this harness passes fixes, not bytes")


def make_config(start: datetime = START, seed: int = 7, node_index: int = 0, **sections: dict) -> NodeConfig:
    data = {"seed": seed, "node_index": node_index, "start_utc": start.isoformat()}
    data.update(sections)
    return parse_config(data, "test")


def label_of(start: datetime, n: int, leap_day: date | None = None) -> Label:
    """UTC label of continuous second ``n`` after ``start``, with a leap second after ``leap_day`` 23:59:59."""
    if leap_day is not None:
        leap_n = calendar.timegm((leap_day + timedelta(days=1)).timetuple()) - calendar.timegm(start.timetuple())
        if n == leap_n:
            return Label(leap_day.year, leap_day.month, leap_day.day, 23, 59, 60)
        if n > leap_n:
            n -= 1
    d = start + timedelta(seconds=n)
    return Label(d.year, d.month, d.day, d.hour, d.minute, d.second)


@dataclass
class Receiver:
    """The synthetic receiver's settings; faults are sets of step indices."""

    start: datetime = START
    quantization_ns: float = 4.0
    seed: int = 99
    leap_day: date | None = None
    outage: set[int] = field(default_factory=set)
    jump_ns: dict[int, int] = field(default_factory=dict)  # k -> receiver time offset Δ (ns)
    no_label: set[int] = field(default_factory=set)
    no_pps: set[int] = field(default_factory=set)
    extra_pps_ns: dict[int, int] = field(default_factory=dict)  # k -> offset of an extra pulse in the step
    week_rollover: set[int] = field(default_factory=set)  # steps whose date is 1024 weeks in the past

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(self.seed)

    def second(self, k: int) -> tuple[list[int], list[Fix]]:
        """PPS edges and the fixes that name them in step ``k``."""
        t_k = k * NS
        delta = self.jump_ns.get(k, 0)
        edge_base = t_k + ((-delta) % NS)
        n = (edge_base + delta) // NS
        q = round(float(self._rng.uniform(-0.5, 0.5)) * self.quantization_ns)
        if k in self.outage:
            return [], [Fix(label_of(self.start, n, self.leap_day), valid=False)]
        edges = [] if k in self.no_pps else [edge_base + q]
        if k in self.extra_pps_ns:
            edges = sorted(edges + [t_k + self.extra_pps_ns[k]])
        label = label_of(self.start, n, self.leap_day)
        if k in self.week_rollover:
            d = date(label.year, label.month, label.day) - timedelta(days=7168)
            label = Label(d.year, d.month, d.day, label.hour, label.minute, label.second)
        fixes = [] if k in self.no_label else [Fix(label)]
        return edges, fixes


@dataclass
class Run:
    te_ns: dict[int, int]          # reference second -> TE of the node edge at it
    states: list[str]              # state after each step
    node: ReferenceNode

    def te_between(self, first: int, last: int) -> np.ndarray:
        return np.array([v for n, v in sorted(self.te_ns.items()) if first <= n <= last], dtype=float)

    def first_locked(self) -> int:
        return self.states.index("locked")


def run_node(node: ReferenceNode, receiver: Receiver, steps: int, first_k: int = 0,
             previous: Run | None = None) -> Run:
    run = previous or Run(te_ns={}, states=[], node=node)
    for k in range(first_k, first_k + steps):
        edges, fixes = receiver.second(k)
        result = node.step_fixes(k, k * NS, edges, fixes)
        run.states.append(result.state)
        for edge in result.pps_out_ns:
            ref = round(edge / NS)
            run.te_ns[ref] = edge - ref * NS
    return run


def nmea_second(label: Label, valid: bool = True, talker: str = "GP") -> bytes:
    """RMC, GGA and ZDA for one second, built with pynmea2 (valid checksums), CRLF-terminated."""
    hhmmss = f"{label.hour:02d}{label.minute:02d}{label.second:02d}.00"
    ddmmyy = f"{label.day:02d}{label.month:02d}{label.year % 100:02d}"
    status = "A" if valid else "V"
    rmc = pynmea2.RMC(talker, "RMC", (hhmmss, status, "4807.038", "N", "01131.000", "E", "0.0", "0.0",
                                      ddmmyy, "", "", "A" if valid else "N"))
    gga = pynmea2.GGA(talker, "GGA", (hhmmss, "4807.038", "N", "01131.000", "E", "1" if valid else "0",
                                      "08" if valid else "00", "0.9", "545.4", "M", "46.9", "M", "", ""))
    zda = pynmea2.ZDA(talker, "ZDA", (hhmmss, f"{label.day:02d}", f"{label.month:02d}", f"{label.year:04d}",
                                      "00", "00"))
    return b"".join(str(s).encode("ascii") + b"\r\n" for s in (rmc, gga, zda))


def run_node_bytes(node: ReferenceNode, receiver: Receiver, steps: int, talker: str = "GP",
                   mangle: dict[int, bytes] | None = None) -> Run:
    """Like ``run_node`` but through the node's real NMEA path: pynmea2-built bytes into ``node.step``.

    ``mangle`` maps a step to bytes sent *instead of* that step's sentences.
    """
    run = Run(te_ns={}, states=[], node=node)
    for k in range(steps):
        edges, fixes = receiver.second(k)
        data = b"".join(nmea_second(f.label, f.valid, talker) for f in fixes if f.label is not None)
        if mangle and k in mangle:
            data = mangle[k]
        result = node.step(k, k * NS, edges, data)
        run.states.append(result.state)
        for edge in result.pps_out_ns:
            ref = round(edge / NS)
            run.te_ns[ref] = edge - ref * NS
    return run
