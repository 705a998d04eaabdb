"""The KPI engine: one function turns a profile's KPI and a node's data into a verdict.

Why: design principle 4 — KPIs and thresholds live in the profile, and one engine evaluates them,
so a test, the CLI and the report all give the same PASS / MARGINAL / FAIL / NO-DATA for the same
data. The engine selects the window, discards the transient, refuses to judge too little data
(NO-DATA is never a pass), converts units (a µs threshold against a ns statistic), and for curve
statistics (MTIE, TDEV, ADEV) holds the curve against a built-in or custom mask.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from bench.analysis.allan import oadev, tdev
from bench.analysis.errors import AnalysisInputError, StatisticError, UnitError
from bench.analysis.masks import CURVE_KINDS, Mask, check_mask, custom_mask, get_mask
from bench.analysis.mtie import mtie
from bench.analysis.registry import KpiWindow, NoData, Statistic, get_statistic, register_statistic
from bench.analysis.series import contiguous_segments
from bench.analysis.stats import dte_high, dte_low
from bench.analysis.units import convert, dimension
from bench.profile.models import KpiSpec

__all__ = ["KpiInput", "KpiResult", "NoData", "evaluate", "register_statistic"]

VERDICTS = ("PASS", "MARGINAL", "FAIL", "NO-DATA")
# "network" and "nodes" name values that other subsystems measure and hand over in ``KpiInput.extra``
# (TSN deadline adherence and latency, container start latency)
SERIES = ("te", "state", "dte_l", "dte_h", "network", "nodes")


@dataclass
class KpiInput:
    """One node's data for a KPI: TE samples with their simulated times, events, the window, extras."""

    node: str
    te_sim_time_ns: np.ndarray
    te_ns: np.ndarray
    events: list[dict[str, Any]] = field(default_factory=list)
    window_start_ns: int | None = None
    window_end_ns: int | None = None
    tau0_s: float = 1.0
    extra: dict[str, float] = field(default_factory=dict)


@dataclass
class KpiResult:
    """A verdict with its numbers (value, limit and margin in ``unit``; margin > 0 is on the good side)."""

    kpi: str
    node: str
    statistic: str
    value: float | None
    limit: float | None
    unit: str
    margin: float | None
    margin_pct: float | None
    verdict: str
    detail: str = ""
    standard: str | None = None
    mask: str | None = None
    curve: list[dict[str, float]] = field(default_factory=list)
    worst: dict[str, float] | None = None
    samples: int = 0
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        """PASS or MARGINAL."""
        return self.verdict in ("PASS", "MARGINAL")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate(spec: KpiSpec, name: str, data: KpiInput) -> KpiResult:
    """Evaluate KPI ``name`` (declared by ``spec``) on ``data``; bad specs or data raise a BenchError."""
    stat_name = spec.statistic
    if spec.series not in SERIES:
        raise StatisticError(f"KPI {name}: unknown series {spec.series!r}; one of {', '.join(SERIES)}")
    base = _result(spec, name, data)
    if stat_name in CURVE_KINDS:
        return _evaluate_curve(spec, name, data, base)
    if stat_name.startswith("extra:") or (stat_name in data.extra and not _is_registered(stat_name)):
        return _evaluate_extra(spec, name, data, base)
    try:
        stat = get_statistic(stat_name)
    except StatisticError as exc:
        raise StatisticError(f"KPI {name}: {exc}; nor was a value {stat_name!r} supplied by another subsystem "
                             f"(extra values: {', '.join(sorted(data.extra)) or 'none'})") from None
    _check_unit(name, spec.unit, stat.base_unit, stat_name)
    try:
        window = _window(spec, data, need_samples=stat.needs_samples)
        base.samples, base.duration_s = window.te_ns.size, window.te_ns.size * data.tau0_s
        outcome = stat.fn(window)
    except NoData as why:
        return _no_data(base, str(why))
    value, detail = outcome if isinstance(outcome, tuple) else (outcome, "")
    return _scalar_verdict(spec, base, _convert_value(value, stat, spec.unit), detail)


def _is_registered(stat_name: str) -> bool:
    try:
        get_statistic(stat_name)
    except StatisticError:
        return False
    return True


def _result(spec: KpiSpec, name: str, data: KpiInput) -> KpiResult:
    return KpiResult(
        kpi=name, node=data.node, statistic=spec.statistic, value=None,
        limit=spec.threshold, unit=spec.unit, margin=None, margin_pct=None, verdict="NO-DATA",
        standard=spec.standard, mask=spec.mask,
    )


def _no_data(result: KpiResult, why: str) -> KpiResult:
    result.verdict = "NO-DATA"
    result.value = result.margin = result.margin_pct = None
    result.detail = why
    return result


def _check_unit(kpi: str, unit: str, base_unit: str, stat_name: str) -> None:
    if dimension(unit) != dimension(base_unit):
        raise UnitError(
            f"KPI {kpi}: unit {unit!r} ({dimension(unit)}) does not fit statistic {stat_name!r}, "
            f"which is a {dimension(base_unit)} in {base_unit}"
        )


def _convert_value(value: float, stat: Statistic, unit: str) -> float:
    return convert(value, stat.base_unit, unit)


def _window(spec: KpiSpec, data: KpiInput, need_samples: bool) -> KpiWindow:
    t = np.asarray(data.te_sim_time_ns, dtype=np.int64)
    te = np.asarray(data.te_ns, dtype=np.float64)
    if t.shape != te.shape or t.ndim != 1:
        raise AnalysisInputError(
            f"node {data.node}: te_sim_time_ns ({t.shape}) and te_ns ({te.shape}) must be 1-D and of equal length"
        )
    if t.size and not np.isfinite(te).all():
        i = int(np.flatnonzero(~np.isfinite(te))[0])
        raise AnalysisInputError(f"node {data.node}: TE sample at sim_time_ns={int(t[i])} is not finite ({te[i]})")
    if t.size > 1 and np.any(np.diff(t) <= 0):
        order = np.argsort(t, kind="stable")
        t, te = t[order], te[order]
        if np.any(np.diff(t) == 0):
            i = int(np.flatnonzero(np.diff(t) == 0)[0])
            raise AnalysisInputError(f"node {data.node}: two TE samples at sim_time_ns={int(t[i])}")
    sel = np.ones(t.shape, dtype=bool)
    if data.window_start_ns is not None:
        sel &= t >= data.window_start_ns
    if data.window_end_ns is not None:
        sel &= t <= data.window_end_ns
    all_t, all_te = t[sel], te[sel]
    keep_t, keep_te = all_t, all_te
    if need_samples:
        if all_t.size == 0:
            raise NoData(f"no TE samples for node {data.node} in the window")
        origin = data.window_start_ns if data.window_start_ns is not None else int(all_t[0])
        after = all_t >= origin + round(spec.transient_s * 1e9)
        keep_t, keep_te = all_t[after], all_te[after]
        have_s = keep_t.size * data.tau0_s
        if keep_t.size == 0 or have_s < spec.min_duration_s:
            raise NoData(
                f"too little data: {have_s:g} s of TE ({keep_t.size} samples) after discarding a "
                f"{spec.transient_s:g} s transient; the KPI needs at least {spec.min_duration_s:g} s"
            )
        if spec.series in ("dte_l", "dte_h"):
            keep_te = _contiguous(spec.series, keep_t, keep_te, data.tau0_s, data.node)
            keep_te = dte_low(keep_te, data.tau0_s) if spec.series == "dte_l" else dte_high(keep_te, data.tau0_s)
    return KpiWindow(spec=spec, node=data.node, t_ns=keep_t, te_ns=keep_te, all_t_ns=all_t, all_te_ns=all_te,
                     events=list(data.events), window_start_ns=data.window_start_ns,
                     window_end_ns=data.window_end_ns, tau0_s=data.tau0_s, extra=dict(data.extra))


def _contiguous(what: str, t: np.ndarray, te: np.ndarray, tau0_s: float, node: str) -> np.ndarray:
    segs = contiguous_segments(t, tau0_s)
    if len(segs) > 1:
        first_break = min(s.stop for s in segs if s.stop < t.size)
        raise NoData(
            f"{what} needs TE every τ0 = {tau0_s:g} s but node {node}'s data has {len(segs) - 1} gap(s), the first "
            f"after sim_time_ns={int(t[first_break - 1])}; the longest gap-free stretch is "
            f"{(segs[0].stop - segs[0].start) * tau0_s:g} s"
        )
    return te


def _mask_for(spec: KpiSpec, name: str) -> Mask:
    if spec.mask is None:
        raise StatisticError(f"KPI {name}: statistic {spec.statistic!r} needs a mask")
    if spec.mask == "custom":
        return custom_mask(spec.mask_points, spec.statistic, spec.unit, name=f"custom:{name}")
    return get_mask(spec.mask, spec.statistic)


def _evaluate_curve(spec: KpiSpec, name: str, data: KpiInput, result: KpiResult) -> KpiResult:
    base_unit = "ratio" if spec.statistic == "adev" else "s"
    _check_unit(name, spec.unit, base_unit, spec.statistic)
    mask = _mask_for(spec, name)
    series = mask.series if spec.series == "te" else spec.series
    result.standard = spec.standard or mask.standard
    try:
        window = _window(spec, data, need_samples=True)
        te_ns = _contiguous(spec.statistic, window.t_ns, window.te_ns, data.tau0_s, data.node)
    except NoData as why:
        return _no_data(result, str(why))
    result.samples, result.duration_s = te_ns.size, te_ns.size * data.tau0_s
    if series == "dte_l" and spec.series == "te":
        te_ns = dte_low(te_ns, data.tau0_s)
    elif series == "dte_h" and spec.series == "te":
        te_ns = dte_high(te_ns, data.tau0_s)
    x_s = te_ns * 1e-9
    fn = {"mtie": mtie, "tdev": tdev, "adev": oadev}[spec.statistic]
    min_len = {"mtie": 2, "tdev": 3, "adev": 3}[spec.statistic]
    if x_s.size < min_len:
        return _no_data(result, f"{spec.statistic} needs at least {min_len} samples, have {x_s.size}")
    taus_s, values_s = fn(x_s, data.tau0_s, "octave")
    check = check_mask(mask, taus_s, values_s)
    factor = convert(1.0, base_unit, spec.unit)
    result.curve = [{"tau_s": r.tau_s, "value": r.value_s * factor, "limit": r.limit_s * factor} for r in check.rows]
    worst = check.worst
    if worst is None:
        lo, hi = mask.tau_range_s
        return _no_data(result, f"no τ of the data ({taus_s.min():g}…{taus_s.max():g} s) inside the mask's range "
                                f"{lo:g}…{hi:g} s; a longer capture is needed")
    result.worst = {"tau_s": worst.tau_s, "value": worst.value_s * factor, "limit": worst.limit_s * factor}
    result.value, result.limit = worst.value_s * factor, worst.limit_s * factor
    result.margin = result.limit - result.value
    result.margin_pct = 100.0 * result.margin / abs(result.limit) if result.limit else None
    near = any(r.limit_s - r.value_s < spec.marginal * abs(r.limit_s) for r in check.rows)
    result.verdict = "FAIL" if not check.passed else ("MARGINAL" if near else "PASS")
    where = f"worst at τ = {worst.tau_s:g} s"
    skipped = f"; {len(check.skipped_taus_s)} τ outside the mask not judged" if check.skipped_taus_s else ""
    result.detail = f"{mask.name} {mask.kind} on {series}: {len(check.rows)} τ judged, {where}{skipped}"
    return result


def _evaluate_extra(spec: KpiSpec, name: str, data: KpiInput, result: KpiResult) -> KpiResult:
    key = spec.statistic.removeprefix("extra:")
    dimension(spec.unit)  # the unit must at least be known
    if key not in data.extra:
        return _no_data(result, f"no value {key!r} was supplied for node {data.node} (extra values: "
                                f"{', '.join(sorted(data.extra)) or 'none'})")
    value = float(data.extra[key])
    if not math.isfinite(value):
        return _no_data(result, f"value {key!r} is not finite ({value})")
    return _scalar_verdict(spec, result, value, "supplied by another subsystem")


def _scalar_verdict(spec: KpiSpec, result: KpiResult, value: float, detail: str) -> KpiResult:
    if spec.threshold is None:
        raise StatisticError(f"KPI {result.kpi}: statistic {spec.statistic!r} needs a threshold")
    if not math.isfinite(value):
        return _no_data(result, f"statistic {spec.statistic} gave no finite value ({value})")
    limit = float(spec.threshold)
    margin = limit - value if spec.direction == "max" else value - limit
    band = spec.marginal * abs(limit)
    verdict = "FAIL" if margin < 0 else ("MARGINAL" if margin < band else "PASS")
    result.value, result.limit, result.margin = value, limit, margin
    result.margin_pct = 100.0 * margin / abs(limit) if limit else None
    result.verdict = verdict
    result.detail = detail
    return result
