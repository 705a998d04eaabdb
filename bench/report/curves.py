"""MTIE and TDEV curves of a node for the report, held against the masks the profile's KPIs name.

Why: the plots must prove the verdicts in the KPI table, so each curve is computed on the same data
the KPI engine judged — the KPI's window from ``kpi_results.json``, the profile's transient, the
mask's series (TE or 0.1 Hz low-passed dTE_L) — with ``bench.analysis``'s MTIE/TDEV and
``check_mask``. τ outside the mask are drawn but not judged; failing τ are listed for highlighting.
When the data cannot give a curve, the reason is returned instead (shown on the page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.analysis import mtie, tdev
from bench.analysis.masks import Mask, check_mask, custom_mask, get_mask
from bench.analysis.series import contiguous_segments
from bench.analysis.stats import dte_low
from bench.errors import BenchError
from bench.profile.models import KpiSpec
from bench.report.rundata import NodeSeries

KINDS = ("mtie", "tdev")
MIN_SAMPLES = {"mtie": 2, "tdev": 3}


@dataclass
class Curve:
    """A curve (seconds) with the mask limit at each τ (NaN: outside the mask) and which τ fail."""

    kind: str
    kpi: str | None
    taus_s: np.ndarray
    values_s: np.ndarray
    limits_s: np.ndarray
    failing: np.ndarray
    mask: Mask | None
    series: str
    window: str
    verdict: str | None = None
    note: str = ""

    @property
    def judged(self) -> int:
        return int(np.isfinite(self.limits_s).sum())


@dataclass
class CurveOutcome:
    """A curve, or why there is none."""

    kind: str
    kpi: str | None
    curve: Curve | None = None
    missing: str = ""
    extra: list[str] = field(default_factory=list)


def _spec(profile: dict[str, Any], name: str) -> KpiSpec | None:
    raw = (profile.get("kpis") or {}).get(name)
    if not isinstance(raw, dict):
        return None
    try:
        return KpiSpec.model_validate(raw)
    except ValueError:
        return None


def _mask(spec: KpiSpec, name: str) -> Mask:
    if spec.mask == "custom":
        return custom_mask(spec.mask_points, spec.statistic, spec.unit, name=f"custom:{name}")
    return get_mask(str(spec.mask), spec.statistic)


def node_curves(profile: dict[str, Any], kpis: list[dict[str, Any]], node: str, series: NodeSeries | None,
                tau0_s: float = 1.0) -> list[CurveOutcome]:
    """One outcome per MTIE/TDEV KPI of the profile (or a plain curve per kind when it declares none)."""
    declared = {name: s for name in (profile.get("kpis") or {}) if (s := _spec(profile, name)) is not None
                and s.statistic in KINDS}
    out: list[CurveOutcome] = []
    for kind in KINDS:
        names = [n for n, s in declared.items() if s.statistic == kind]
        if not names:
            out.append(_plain(kind, series, tau0_s))
            continue
        for name in names:
            out.append(_for_kpi(kind, name, declared[name], kpis, node, series, tau0_s))
    return out


def _no_samples(series: NodeSeries | None) -> str | None:
    if series is None:
        return "no samples.csv in this run: no time-error samples, so no curve"
    if series.empty:
        return "no time-error samples for this node"
    return None


def _plain(kind: str, series: NodeSeries | None, tau0_s: float) -> CurveOutcome:
    why = _no_samples(series)
    if why is not None or series is None:
        return CurveOutcome(kind, None, missing=str(why))
    segs = contiguous_segments(series.t_ns, tau0_s)
    seg = segs[0]
    x_s = series.te_ns[seg] * 1e-9
    note = f"no {kind.upper()} KPI in the profile: drawn over the longest gap-free stretch without a mask"
    return _compute(kind, None, x_s, tau0_s, None, "te", f"{x_s.size} samples", note, None)


def _for_kpi(kind: str, name: str, spec: KpiSpec, kpis: list[dict[str, Any]], node: str,
             series: NodeSeries | None, tau0_s: float) -> CurveOutcome:
    rows = [k for k in kpis if k.get("kpi") == name and str(k.get("node")) == node]
    row = rows[-1] if rows else None
    verdict = str(row.get("verdict")) if row else None
    why = _no_samples(series)
    if why is not None or series is None:
        return CurveOutcome(kind, name, missing=why or "")
    try:
        mask = _mask(spec, name)
    except BenchError as exc:
        return CurveOutcome(kind, name, missing=f"mask of KPI {name} unusable: {exc}")
    start = row.get("window_start_ns") if row else None
    end = row.get("window_end_ns") if row else None
    t, te = series.t_ns, series.te_ns
    sel = np.ones(t.shape, dtype=bool)
    if isinstance(start, int):
        sel &= t >= start + round(spec.transient_s * 1e9)
    elif t.size:
        sel &= t >= int(t[0]) + round(spec.transient_s * 1e9)
    if isinstance(end, int):
        sel &= t <= end
    tw, xw = t[sel], te[sel]
    window = _window_text(tw, row is not None, spec.transient_s)
    if tw.size == 0:
        return CurveOutcome(kind, name, missing=f"no samples in KPI {name}'s window" + _detail(row))
    segs = contiguous_segments(tw, tau0_s)
    if len(segs) > 1:
        return CurveOutcome(kind, name, missing=(f"the window of KPI {name} has {len(segs) - 1} gap(s) in the "
                                                 f"time base; {kind.upper()} needs gap-free data" + _detail(row)))
    if mask.series == "dte_l":
        xw = dte_low(xw, tau0_s)
    return _compute(kind, name, xw * 1e-9, tau0_s, mask, mask.series, window, "", verdict)


def _detail(row: dict[str, Any] | None) -> str:
    return f" (KPI engine: {row.get('verdict')} — {row.get('detail')})" if row and row.get("detail") else ""


def _window_text(t_ns: np.ndarray, from_row: bool, transient_s: float) -> str:
    if t_ns.size == 0:
        return "empty window"
    src = "the KPI's window" if from_row else "the whole run (no KPI result for this node)"
    return (f"{t_ns.size} samples, sim {t_ns[0] / 1e9:.0f}–{t_ns[-1] / 1e9:.0f} s of {src}"
            + (f" after a {transient_s:g} s transient" if transient_s else ""))


def _compute(kind: str, kpi: str | None, x_s: np.ndarray, tau0_s: float, mask: Mask | None, series: str,
             window: str, note: str, verdict: str | None) -> CurveOutcome:
    if x_s.size < MIN_SAMPLES[kind] or (kind == "tdev" and x_s.size // 3 < 1):
        return CurveOutcome(kind, kpi, missing=f"{kind.upper()} needs at least {MIN_SAMPLES[kind]} samples, "
                                               f"have {x_s.size}")
    fn = mtie if kind == "mtie" else tdev
    taus_s, values_s = fn(x_s, tau0_s, "octave")
    if mask is None:
        limits = np.full(taus_s.shape, np.nan)
        failing = np.zeros(taus_s.shape, dtype=bool)
    else:
        limits = mask.limit_s(taus_s)
        check = check_mask(mask, taus_s, values_s)
        bad = {r.tau_s for r in check.rows if not r.ok}
        failing = np.array([t in bad for t in taus_s.tolist()], dtype=bool)
    curve = Curve(kind, kpi, taus_s, values_s, limits, failing, mask, series, window, verdict, note)
    return CurveOutcome(kind, kpi, curve=curve)
