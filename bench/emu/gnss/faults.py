"""GNSS faults in simulated time: what each one is, its parameters, and when it is active.

Why: a fault must start and end at exact steps (so runs are reproducible), be commandable over
SCPI and from Python with the same validation, and be logged once at start and once at end.
A fault with ``start_s=None`` ("now") is pinned to the next step the emulator computes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from bench.errors import InputError

NS_PER_S = 1_000_000_000

CORRUPTION_MODES = ("bitflip", "bad_checksum", "no_checksum", "truncate", "oversize", "garbage", "split",
                    "split_step", "mix")

# kind -> {param: (type, default or None if required)}
FAULT_KINDS: dict[str, dict[str, tuple[type, Any]]] = {
    "outage": {},
    "time_jump": {"delta_ns": (int, None)},
    "week_rollover": {},
    "nmea_corruption": {"mode": (str, "mix"), "rate": (float, 0.5)},
    "pps_jitter": {"sigma_ns": (float, 50.0)},
    "pps_missing": {"rate": (float, 1.0)},
    "pps_extra": {"offset_ns": (int, 500_000_000), "rate": (float, 1.0)},
    "cable_delay": {"delay_ns": (float, None)},
}

# SCPI short names (EMULator:FAULt:ADD <name>,...) accepted besides the kind itself
ALIASES = {
    "OUT": "outage", "OUTAGE": "outage", "TJUM": "time_jump", "TJUMP": "time_jump", "WROL": "week_rollover",
    "WROLLOVER": "week_rollover", "CORR": "nmea_corruption", "CORRUPT": "nmea_corruption",
    "PJIT": "pps_jitter", "PJITTER": "pps_jitter", "PMIS": "pps_missing", "PMISSING": "pps_missing",
    "PEXT": "pps_extra", "PEXTRA": "pps_extra", "CDEL": "cable_delay", "CDELAY": "cable_delay",
}


def canonical_kind(name: str) -> str:
    key = name.strip().strip('"').strip()
    if key.lower() in FAULT_KINDS:
        return key.lower()
    if key.upper() in ALIASES:
        return ALIASES[key.upper()]
    raise InputError(f"unknown GNSS fault {name!r}; one of {sorted(FAULT_KINDS)}")


def _convert(kind: str, key: str, typ: type, value: Any) -> Any:
    try:
        if typ is int:
            return int(float(value)) if not isinstance(value, int) else value
        if typ is float:
            return float(value)
        return str(value).strip('"')
    except (TypeError, ValueError):
        raise InputError(f"fault {kind}: parameter {key}={value!r} is not a {typ.__name__}") from None


@dataclass
class Fault:
    """One scheduled fault. ``start_s``/``duration_s`` are simulated seconds (None: now / forever)."""

    kind: str
    start_s: int | None = None
    duration_s: int | None = None
    node: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    fault_id: int = 0
    start_k: int | None = None

    @classmethod
    def make(cls, kind: str, start_s: float | None = None, duration_s: float | None = None,
             node: str | None = None, **params: Any) -> Fault:
        """Validate and build a fault; raises ``InputError`` naming the bad parameter."""
        kind = canonical_kind(kind)
        spec = FAULT_KINDS[kind]
        unknown = set(params) - set(spec)
        if unknown:
            raise InputError(f"fault {kind}: unknown parameter(s) {sorted(unknown)}; allowed: {sorted(spec)}")
        values: dict[str, Any] = {}
        for key, (typ, default) in spec.items():
            if key in params:
                values[key] = _convert(kind, key, typ, params[key])
            elif default is None:
                raise InputError(f"fault {kind}: parameter {key} is required")
            else:
                values[key] = default
        if start_s is not None and (start_s < 0 or start_s != int(start_s)):
            raise InputError(f"fault {kind}: start_s must be a whole number of seconds >= 0, got {start_s}")
        if duration_s is not None and (duration_s <= 0 or duration_s != int(duration_s)):
            raise InputError(f"fault {kind}: duration_s must be a whole number of seconds > 0, got {duration_s}")
        _check_values(kind, values)
        return cls(kind=kind, start_s=None if start_s is None else int(start_s),
                   duration_s=None if duration_s is None else int(duration_s), node=node, params=values,
                   start_k=None if start_s is None else int(start_s))

    @property
    def end_k(self) -> int | None:
        if self.start_k is None or self.duration_s is None:
            return None
        return self.start_k + self.duration_s

    def active(self, k: int) -> bool:
        if self.start_k is None or k < self.start_k:
            return False
        return self.end_k is None or k < self.end_k

    def applies_to(self, node: str) -> bool:
        return self.node is None or self.node == node

    def describe(self) -> dict[str, Any]:
        return {"id": self.fault_id, "kind": self.kind, "start_s": self.start_k, "duration_s": self.duration_s,
                "node": self.node or "*", "params": self.params}


def _check_values(kind: str, v: dict[str, Any]) -> None:
    if kind == "nmea_corruption":
        if v["mode"] not in CORRUPTION_MODES:
            raise InputError(f"fault nmea_corruption: mode {v['mode']!r} is not one of {list(CORRUPTION_MODES)}")
        if not 0.0 <= v["rate"] <= 1.0:
            raise InputError(f"fault nmea_corruption: rate {v['rate']} must be within [0, 1]")
    if kind in ("pps_missing", "pps_extra") and not 0.0 <= v["rate"] <= 1.0:
        raise InputError(f"fault {kind}: rate {v['rate']} must be within [0, 1]")
    if kind == "pps_extra" and not 0 < v["offset_ns"] < NS_PER_S:
        raise InputError(f"fault pps_extra: offset_ns {v['offset_ns']} must be within (0, 1e9) ns")
    if kind == "pps_jitter" and v["sigma_ns"] < 0:
        raise InputError(f"fault pps_jitter: sigma_ns {v['sigma_ns']} must be >= 0")


class FaultSchedule:
    """Thread-safe list of faults; ``pin(k)`` fixes "now" faults to step k and returns start/end edges."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, fault: Fault) -> int:
        with self._lock:
            fault.fault_id = self._next_id
            self._next_id += 1
            self._faults.append(fault)
            return fault.fault_id

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.fault_id != fault_id]
            return len(self._faults) != before

    def all(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def reset_now_faults(self) -> None:
        """At a scenario restart, faults commanded "now" are forgotten; scheduled ones stay."""
        with self._lock:
            self._faults = [f for f in self._faults if f.start_s is not None]

    def pin(self, k: int) -> tuple[list[Fault], list[Fault], list[Fault]]:
        """(active at k, starting at k, ending at k) after pinning unpinned faults to k."""
        with self._lock:
            for f in self._faults:
                if f.start_k is None:
                    f.start_k = k
            active = [f for f in self._faults if f.active(k)]
            starting = [f for f in self._faults if f.start_k == k]
            ending = [f for f in self._faults if f.end_k == k]
        return active, starting, ending
