"""ITU-T limit masks (G.8272 PRTC-A/B, G.8272.1 ePRTC, G.8273.2 classes A/B/C) and custom masks.

Why: a verdict against a standard must use the standard's numbers, once, in one place. A mask is a
piecewise-linear limit over τ (MTIE, TDEV, ADEV curves) or a constant (max|TE|, cTE, dTE_H
peak-to-peak); ``check_mask`` holds a measured curve against it and reports, per τ, the value, the
limit, the margin and whether it passed, plus the worst point. τ outside the mask's range are not
judged (they are listed as skipped), and a check with nothing to judge never passes.

All limits are stored in seconds (ADEV masks: dimensionless). Numbers: reference.md §1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.analysis.errors import MaskError
from bench.analysis.units import convert, dimension

CURVE_KINDS = ("mtie", "tdev", "adev")
SCALAR_KINDS = ("max_abs", "cte", "dte_h")
KINDS = CURVE_KINDS + SCALAR_KINDS
INF = math.inf
NS = 1e-9
US = 1e-6


@dataclass(frozen=True)
class Segment:
    """``limit = slope · (τ − anchor_tau_s) + offset`` for τ in [tau_lo_s, tau_hi_s] (ends closed/open as flagged)."""

    tau_lo_s: float
    tau_hi_s: float
    slope: float
    offset: float
    lo_closed: bool = True
    hi_closed: bool = False
    anchor_tau_s: float = 0.0

    def value(self, taus_s: np.ndarray | float) -> np.ndarray | float:
        return self.slope * (taus_s - self.anchor_tau_s) + self.offset

    def contains(self, taus_s: np.ndarray) -> np.ndarray:
        lo = taus_s >= self.tau_lo_s if self.lo_closed else taus_s > self.tau_lo_s
        hi = taus_s <= self.tau_hi_s if self.hi_closed else taus_s < self.tau_hi_s
        return lo & hi


@dataclass(frozen=True)
class Mask:
    """A limit: ``kind`` is mtie|tdev|adev (curves over τ) or max_abs|cte|dte_h (one constant).

    ``series`` names the series it applies to: ``te``, ``dte_l`` (0.1 Hz low-passed TE) or ``dte_h``.
    """

    name: str
    kind: str
    segments: tuple[Segment, ...]
    series: str = "te"
    standard: str = ""
    display_unit: str = "ns"

    @property
    def is_curve(self) -> bool:
        return self.kind in CURVE_KINDS

    @property
    def tau_range_s(self) -> tuple[float, float]:
        return (min(s.tau_lo_s for s in self.segments), max(s.tau_hi_s for s in self.segments))

    def limit_s(self, taus_s: Sequence[float] | np.ndarray) -> np.ndarray:
        """The limit at each τ (seconds; ADEV: dimensionless); NaN outside the mask's τ range.

        A scalar mask (max_abs, cte, dte_h) has the same limit at every τ.
        """
        taus = np.atleast_1d(np.asarray(taus_s, dtype=np.float64))
        if not self.is_curve:
            return np.full(taus.shape, self.segments[0].offset)
        out = np.full(taus.shape, np.nan)
        todo = np.ones(taus.shape, dtype=bool)
        for seg in self.segments:
            sel = todo & seg.contains(taus)
            out[sel] = seg.value(taus[sel])
            todo &= ~sel
        return out

    @property
    def scalar_limit_s(self) -> float:
        """The constant limit of a scalar mask."""
        if self.is_curve:
            raise MaskError(f"mask {self.name} ({self.kind}) is a curve over τ, not a single limit")
        return self.segments[0].offset

    def points(self) -> list[tuple[float, float]]:
        """Corner points (τ_s, limit_s) for plotting; infinite ends are cut at 10⁶ s."""
        pts: list[tuple[float, float]] = []
        for seg in self.segments:
            for tau in (seg.tau_lo_s, min(seg.tau_hi_s, 1e6)):
                t = max(tau, 1e-3)
                pts.append((t, float(seg.value(t))))
        return pts


def _flat(value_s: float) -> tuple[Segment, ...]:
    return (Segment(0.0, INF, 0.0, value_s, lo_closed=True, hi_closed=True),)


def _build() -> dict[str, dict[str, Mask]]:
    fams: dict[str, dict[str, Mask]] = {}

    def add(fam: str, standard: str, kind: str, segments: tuple[Segment, ...], series: str = "te") -> None:
        fams.setdefault(fam, {})[kind] = Mask(fam, kind, segments, series=series, standard=standard)

    g8272 = "ITU-T G.8272"
    ramp = (0.275e-3 * US, 0.025 * US)
    add("G.8272-PRTC-A", g8272, "mtie", (Segment(1.0, 273.0, *ramp), Segment(273.0, INF, 0.0, 0.100 * US)))
    add("G.8272-PRTC-A", g8272, "tdev", (
        Segment(0.0, 100.0, 0.0, 3 * NS, lo_closed=False),
        Segment(100.0, 1000.0, 0.03 * NS, 0.0),
        Segment(1000.0, INF, 0.0, 30 * NS),
    ))
    add("G.8272-PRTC-A", g8272, "max_abs", _flat(100 * NS))
    add("G.8272-PRTC-B", g8272, "mtie", (Segment(1.0, 54.5, *ramp), Segment(54.5, INF, 0.0, 0.040 * US)))
    add("G.8272-PRTC-B", g8272, "tdev", (
        Segment(0.0, 100.0, 0.0, 1 * NS, lo_closed=False),
        Segment(100.0, 500.0, 0.01 * NS, 0.0),
        Segment(500.0, INF, 0.0, 5 * NS),
    ))
    add("G.8272-PRTC-B", g8272, "max_abs", _flat(40 * NS))
    g82721 = "ITU-T G.8272.1"
    add("G.8272.1-ePRTC", g82721, "mtie", (
        Segment(0.0, 1.0, 0.0, 4 * NS, lo_closed=False, hi_closed=True),
        Segment(1.0, 100.0, 0.11114 * NS, 3.89 * NS, lo_closed=False, hi_closed=True),
        Segment(100.0, 4e5, 3.75e-5 * NS, 15 * NS, lo_closed=False, hi_closed=True),
        Segment(4e5, INF, 0.0, 30 * NS, lo_closed=False),
    ))
    add("G.8272.1-ePRTC", g82721, "tdev", (
        Segment(0.0, 3e4, 0.0, 1 * NS, lo_closed=False),
        Segment(3e4, 3e5, 3.33e-5 * NS, 0.0, hi_closed=True),
        Segment(3e5, INF, 0.0, 10 * NS, lo_closed=False),
    ))
    add("G.8272.1-ePRTC", g82721, "max_abs", _flat(30 * NS))
    g82732 = "ITU-T G.8273.2"
    for cls, max_te, cte, mtie_l, tdev_l, dte_h in (
        ("A", 100, 50, 40, 4, 70),
        ("B", 70, 20, 40, 4, 70),
        ("C", 30, 10, 10, 2, 30),
    ):
        fam = f"G.8273.2-{cls}"
        std = f"{g82732} class {cls}"
        add(fam, std, "max_abs", _flat(max_te * NS))
        add(fam, std, "cte", _flat(cte * NS))
        add(fam, std, "mtie", (Segment(1.0, 1000.0, 0.0, mtie_l * NS, hi_closed=True),), series="dte_l")
        add(fam, std, "tdev", (Segment(1.0, 1000.0, 0.0, tdev_l * NS, hi_closed=True),), series="dte_l")
        add(fam, std, "dte_h", _flat(dte_h * NS), series="dte_h")
    return fams


MASKS: dict[str, dict[str, Mask]] = _build()


def mask_names() -> list[str]:
    """The built-in mask families."""
    return sorted(MASKS)


def _family(name: str) -> dict[str, Mask]:
    for fam, kinds in MASKS.items():
        if fam.lower() == name.strip().lower():
            return kinds
    raise MaskError(f"unknown mask {name!r}; built-in masks: {', '.join(mask_names())} (or 'custom' with mask_points)")


def get_mask(name: str, kind: str | None = None) -> Mask:
    """A built-in mask: ``get_mask("G.8272-PRTC-A")`` (MTIE), ``get_mask("G.8272-PRTC-A", "tdev")``
    or ``get_mask("G.8272-PRTC-A/tdev")``."""
    if "/" in name:
        name, _, suffix = name.partition("/")
        if kind is not None and kind != suffix.lower():
            raise MaskError(f"mask {name}/{suffix}: kind {kind!r} asked for as well")
        kind = suffix.lower()
    kinds = _family(name)
    kind = (kind or "mtie").lower()
    if kind not in kinds:
        raise MaskError(f"mask {name} has no {kind!r} limit; it has: {', '.join(kinds)}")
    return kinds[kind]


def mask_family(name: str) -> list[Mask]:
    """Every limit of a built-in family (e.g. MTIE, TDEV and max|TE| of G.8272-PRTC-A)."""
    return list(_family(name).values())


def custom_mask(points: Iterable[Any], kind: str, unit: str, name: str = "custom") -> Mask:
    """A piecewise-linear mask through ``points`` ((τ_s, limit) pairs or objects with ``tau_s``/``limit``),
    limits in ``unit``; valid from the first to the last τ (a single point: flat from its τ on)."""
    if kind not in KINDS:
        raise MaskError(f"custom mask {name!r}: unknown kind {kind!r}; one of {', '.join(KINDS)}")
    want = "ratio" if kind == "adev" else "time"
    if dimension(unit) != want:
        raise MaskError(f"custom mask {name!r}: unit {unit!r} does not fit a {kind} limit (needs a {want} unit)")
    base = "ratio" if kind == "adev" else "s"
    pts: list[tuple[float, float]] = []
    for p in points:
        tau, limit = (p.tau_s, p.limit) if hasattr(p, "tau_s") else p
        tau, limit = float(tau), float(limit)
        if not (math.isfinite(tau) and tau > 0 and math.isfinite(limit) and limit >= 0):
            raise MaskError(f"custom mask {name!r}: bad point tau_s={tau!r}, limit={limit!r} (need τ > 0, limit ≥ 0)")
        pts.append((tau, convert(limit, unit, base)))
    if not pts:
        raise MaskError(f"custom mask {name!r}: no mask_points")
    pts.sort()
    taus = [t for t, _ in pts]
    if len(set(taus)) != len(taus):
        raise MaskError(f"custom mask {name!r}: two points at the same τ ({taus})")
    segs: tuple[Segment, ...]
    if kind not in CURVE_KINDS:
        if len(pts) != 1:
            raise MaskError(f"custom mask {name!r}: a {kind} limit is one value, got {len(pts)} points")
        segs = _flat(pts[0][1])
    elif len(pts) == 1:
        segs = (Segment(pts[0][0], INF, 0.0, pts[0][1], hi_closed=True),)
    else:
        seg_list = []
        for (t0, y0), (t1, y1) in zip(pts[:-1], pts[1:], strict=True):
            slope = (y1 - y0) / (t1 - t0)
            seg_list.append(Segment(t0, t1, slope, y0, hi_closed=(t1 == pts[-1][0]), anchor_tau_s=t0))
        segs = tuple(seg_list)
    return Mask(name, kind, segs, series="te", standard="custom", display_unit=unit)


@dataclass(frozen=True)
class MaskRow:
    """One τ of a mask check (values in seconds; ADEV dimensionless)."""

    tau_s: float
    value_s: float
    limit_s: float
    margin_s: float
    ok: bool

    def to_dict(self) -> dict[str, Any]:
        return {"tau_s": self.tau_s, "value_s": self.value_s, "limit_s": self.limit_s,
                "margin_s": self.margin_s, "ok": self.ok}


@dataclass(frozen=True)
class MaskCheck:
    """The outcome of holding a curve against a mask. ``passed`` needs at least one judged τ."""

    mask: Mask
    rows: tuple[MaskRow, ...]
    skipped_taus_s: tuple[float, ...] = field(default_factory=tuple)

    @property
    def no_data(self) -> bool:
        return not self.rows

    @property
    def passed(self) -> bool:
        return bool(self.rows) and all(r.ok for r in self.rows)

    @property
    def worst(self) -> MaskRow | None:
        """The row with the smallest margin relative to its limit (the first such τ); None if nothing judged.

        Relative, because a mask spans decades: 1 ns over a 3 ns limit is closer than 5 ns over 100 ns.
        """
        return min(self.rows, key=_relative_margin) if self.rows else None

    def to_dict(self) -> dict[str, Any]:
        worst = self.worst
        return {
            "mask": self.mask.name,
            "kind": self.mask.kind,
            "series": self.mask.series,
            "standard": self.mask.standard,
            "verdict": "NO-DATA" if self.no_data else ("PASS" if self.passed else "FAIL"),
            "rows": [r.to_dict() for r in self.rows],
            "worst": worst.to_dict() if worst else None,
            "skipped_taus_s": list(self.skipped_taus_s),
        }


def _relative_margin(row: MaskRow) -> float:
    if row.limit_s > 0:
        return row.margin_s / row.limit_s
    return 0.0 if row.margin_s >= 0 else -INF


def check_mask(mask: Mask, taus_s: Sequence[float] | np.ndarray, values_s: Sequence[float] | np.ndarray) -> MaskCheck:
    """Hold ``values_s`` (at ``taus_s``; seconds, ADEV dimensionless) against ``mask``.

    A value exactly on the limit passes; τ outside the mask's range are skipped, not judged.
    """
    taus = np.atleast_1d(np.asarray(taus_s, dtype=np.float64))
    values = np.atleast_1d(np.asarray(values_s, dtype=np.float64))
    if taus.shape != values.shape:
        raise MaskError(f"mask check {mask.name}: {taus.size} τ but {values.size} values")
    if not np.isfinite(values).all():
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise MaskError(f"mask check {mask.name}: value at τ = {taus[bad]:g} s is not finite ({values[bad]})")
    limits = mask.limit_s(taus)
    rows = []
    skipped = []
    for tau, value, limit in zip(taus.tolist(), values.tolist(), limits.tolist(), strict=True):
        if math.isnan(limit):
            skipped.append(tau)
            continue
        rows.append(MaskRow(tau, value, limit, limit - value, value <= limit))
    return MaskCheck(mask, tuple(rows), tuple(skipped))
