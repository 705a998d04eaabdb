"""The report's figures, drawn with matplotlib's Agg canvas into PNG bytes.

Why PNG at a fixed DPI: a figure's size in the PDF then does not grow with the data (10⁶ samples are
reduced to an envelope first), which keeps the report within its size budget; the tables carry the
numbers as text. Figures are built on ``matplotlib.figure.Figure`` directly (no pyplot state), so
building reports is safe from any thread. Every figure shows its units in the axis labels.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bench.report.curves import Curve
from bench.report.envelope import Envelope

DPI = 150
STATE_COLOURS = {"unlocked": "#e57373", "locking": "#ffb74d", "locked": "#81c784", "holdover": "#64b5f6"}
STATE_HATCH = {"unlocked": "xxx", "locking": "//", "locked": "", "holdover": ".."}
FAULT_COLOUR = "#ef9a9a"
LOAD_COLOUR = "#b39ddb"


@dataclass(frozen=True)
class Span:
    """A stretch of simulated time (s) with a label: a fault, a load, a lock state."""

    start_s: float
    end_s: float
    label: str
    kind: str  # fault | load | state


@dataclass(frozen=True)
class Mark:
    """An instant of simulated time (s) worth a vertical line (capture gap, unresponsive node, ...)."""

    t_s: float
    label: str


def time_axis(span_s: float) -> tuple[float, str]:
    """(divisor, unit) for a time axis spanning ``span_s`` seconds."""
    if span_s <= 1200:
        return 1.0, "s"
    if span_s <= 3 * 3600:
        return 60.0, "min"
    if span_s <= 3 * 86400:
        return 3600.0, "h"
    return 86400.0, "d"


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def te_figure(env: Envelope, spans: Sequence[Span], marks: Sequence[Mark], limits_ns: Sequence[float],
              title: str) -> bytes:
    """TE over simulated time: min/max envelope and mean, faults/load shaded, instants marked."""
    fig = Figure(figsize=(7.2, 3.0), layout="constrained")
    ax = fig.add_subplot()
    t_s = env.t_ns / 1e9
    span_s = float(np.nanmax(t_s) - np.nanmin(t_s)) if t_s.size else 0.0
    div, unit = time_axis(span_s)
    x = t_s / div
    if env.raw:
        ax.plot(x, env.mean_ns, lw=0.7, color="#1565c0", marker=".", ms=1.5, label="TE")
    else:
        ax.fill_between(x, env.lo_ns, env.hi_ns, color="#90caf9", lw=0, step="mid", label="min–max per bin")
        ax.plot(x, env.mean_ns, lw=0.6, color="#0d47a1", label="mean per bin")
    clipped = _clip_y(ax, x, env, limits_ns)
    for i, limit in enumerate(limits_ns):
        for sign in (1, -1):
            ax.axhline(sign * limit, color="#b71c1c", ls="--", lw=0.8,
                       label=f"±{limit:g} ns limit" if (sign == 1 and i == 0) else None)
    _shade(ax, spans, div)
    for m in marks:
        ax.axvline(m.t_s / div, color="#424242", ls=":", lw=0.9)
        ax.annotate(m.label, (m.t_s / div, 1.0), xycoords=("data", "axes fraction"), fontsize=6, rotation=90,
                    va="top", ha="right", color="#424242")
    ax.set_xlabel(f"simulated time ({unit})")
    ax.set_ylabel("TE (ns)" + (", clipped" if clipped else ""))
    ax.set_title(title, fontsize=9)
    ax.grid(True, lw=0.3, alpha=0.6)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=6, loc="lower left", ncols=4)
    return _png(fig)


def _clip_y(ax: Axes, x: np.ndarray, env: Envelope, limits_ns: Sequence[float]) -> bool:
    """Linear y-range fitted to the bulk of the data (99 % of bins) and the limits; bins beyond it (a
    cold-start error of 0.3 s next to ns of steady state) are marked at the edge with their peak value,
    so no excursion disappears. Returns whether anything is off scale."""
    lo, hi = env.lo_ns, env.hi_ns
    ext = np.fmax(np.abs(lo), np.abs(hi))
    ext = ext[np.isfinite(ext)]
    if ext.size == 0:
        return False
    span_ns = max(1.5 * float(np.percentile(ext, 99)), 1.2 * max(limits_ns, default=0.0), 5.0)
    if float(ext.max()) <= 1.05 * span_ns:
        return False
    with np.errstate(invalid="ignore"):
        top = np.isfinite(hi) & (hi > span_ns)
        bottom = np.isfinite(lo) & (lo < -span_ns)
    pad = 1.08 * span_ns
    y_lo = -pad if bottom.any() else min(1.1 * float(np.nanmin(lo)), -1.1 * max(limits_ns, default=0.0),
                                         -0.05 * span_ns)
    ax.set_ylim(y_lo, pad)
    for sel, y, marker, peak in ((top, pad, "^", np.nanmax(hi)), (bottom, -pad, "v", np.nanmin(lo))):
        if sel.any():
            ax.plot(x[sel], np.full(int(sel.sum()), y), marker, color="#c62828", ms=5, clip_on=False,
                    label="off scale" if marker == "^" or not top.any() else None)
            ax.annotate(f"off scale: peak {peak:.4g} ns", (x[sel][0], y), textcoords="offset points",
                        xytext=(8, -9 if marker == "^" else 4), fontsize=6, color="#c62828")
    return True


def _shade(ax: Axes, spans: Sequence[Span], div: float) -> None:
    seen: set[str] = set()
    for sp in spans:
        colour = FAULT_COLOUR if sp.kind == "fault" else LOAD_COLOUR
        label = ("fault" if sp.kind == "fault" else "load") if sp.kind not in seen else None
        seen.add(sp.kind)
        ax.axvspan(sp.start_s / div, max(sp.end_s, sp.start_s + 1e-9) / div, color=colour,
                   alpha=0.35, lw=0, label=label)
        ax.annotate(sp.label, (sp.start_s / div, 0.98), xycoords=("data", "axes fraction"),
                    fontsize=6, rotation=90, va="top", ha="left", color="#4a148c" if sp.kind == "load" else "#b71c1c")


def curve_figure(curve: Curve, title: str) -> bytes:
    """MTIE or TDEV on log–log axes (ns over τ in s) with the mask and failing τ highlighted."""
    fig = Figure(figsize=(3.55, 2.9), layout="constrained")
    ax = fig.add_subplot()
    taus = curve.taus_s
    vals_ns = curve.values_s * 1e9
    pos = vals_ns > 0
    judged = np.isfinite(curve.limits_s)
    ax.plot(taus[pos], vals_ns[pos], color="#0d47a1", lw=1.0, label=curve.kind.upper())
    sel = pos & judged & ~curve.failing
    ax.plot(taus[sel], vals_ns[sel], "o", color="#0d47a1", ms=3, label="within mask" if curve.mask else None)
    sel = pos & ~judged
    if sel.any():
        ax.plot(taus[sel], vals_ns[sel], "o", mfc="white", mec="#757575", ms=3,
                label="outside mask range" if curve.mask else "τ")
    sel = pos & curve.failing
    if sel.any():
        ax.plot(taus[sel], vals_ns[sel], "X", color="#c62828", ms=7, label=f"over mask ({int(sel.sum())})")
    if curve.mask is not None:
        lo_tau, hi_tau = max(taus.min() / 2, 1e-3), taus.max() * 2
        grid = np.geomspace(lo_tau, hi_tau, 400)
        lim_ns = curve.mask.limit_s(grid) * 1e9
        ax.plot(grid, lim_ns, color="#b71c1c", ls="--", lw=1.1, label=f"mask {curve.mask.name}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("τ (s)", fontsize=7)
    ax.set_ylabel(f"{curve.kind.upper()} (ns)", fontsize=7)
    ax.set_title(title, fontsize=8)
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.tick_params(labelsize=6)
    ax.legend(fontsize=5.5, loc="best")
    return _png(fig)


def timeline_figure(rows: Sequence[tuple[str, Sequence[Span]]], end_s: float) -> bytes:
    """Gantt chart: one row per lane (faults, each node's lock state and load) over simulated time."""
    height = 0.9 + 0.32 * max(len(rows), 1)
    fig = Figure(figsize=(7.2, height), layout="constrained")
    ax = fig.add_subplot()
    div, unit = time_axis(end_s)
    for i, (_, spans) in enumerate(rows):
        y = len(rows) - 1 - i
        for sp in spans:
            if sp.kind == "state":
                colour, hatch = STATE_COLOURS.get(sp.label, "#bdbdbd"), STATE_HATCH.get(sp.label, "")
            else:
                colour, hatch = (FAULT_COLOUR, "\\\\") if sp.kind == "fault" else (LOAD_COLOUR, "++")
            width = max(sp.end_s - sp.start_s, end_s * 0.002)
            ax.broken_barh([(sp.start_s / div, width / div)], (y - 0.35, 0.7), facecolors=colour, hatch=hatch,
                           edgecolor="#424242", lw=0.3)
            if sp.kind != "state" and width / max(end_s, 1e-9) > 0.04:
                ax.text((sp.start_s + width / 2) / div, y, sp.label, fontsize=6, ha="center", va="center")
    ax.set_yticks(range(len(rows)), [name for name, _ in reversed(rows)], fontsize=7)
    ax.set_xlim(0, max(end_s, 1e-9) / div)
    ax.set_xlabel(f"simulated time ({unit})", fontsize=7)
    ax.tick_params(labelsize=7)
    ax.grid(True, axis="x", lw=0.3, alpha=0.6)
    handles = [Patch(facecolor=c, hatch=STATE_HATCH[s], edgecolor="#424242", label=s) for s, c in STATE_COLOURS.items()]
    handles += [Patch(facecolor=FAULT_COLOUR, hatch="\\\\", edgecolor="#424242", label="fault"),
                Patch(facecolor=LOAD_COLOUR, hatch="++", edgecolor="#424242", label="load")]
    fig.legend(handles=handles, fontsize=6, loc="outside lower center", ncols=6)
    return _png(fig)


@dataclass(frozen=True)
class TrendSeries:
    """One KPI on one node over runs (x = run index, oldest first)."""

    node: str
    x: Sequence[int]
    values: Sequence[float]
    regression: Sequence[bool]


TrendPanel = tuple[str, str, float | None, Sequence[TrendSeries]]


def trend_figure(panels: Sequence[TrendPanel], run_labels: Sequence[str]) -> bytes:
    """Small multiples: per KPI (title, unit, limit, series per node) the value over the last runs."""
    ncols = 2
    nrows = (len(panels) + ncols - 1) // ncols
    fig = Figure(figsize=(7.2, 2.0 * nrows + 0.3), layout="constrained")
    markers = "osD^v<>"
    for i, (title, unit, limit, series) in enumerate(panels):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        for j, s in enumerate(series):
            ax.plot(s.x, s.values, marker=markers[j % len(markers)], ms=3, lw=0.9, label=s.node)
            reg = [k for k, r in enumerate(s.regression) if r]
            if reg:
                ax.plot([s.x[k] for k in reg], [s.values[k] for k in reg], "o", mfc="none", mec="#c62828", ms=9,
                        mew=1.5, label="regression" if j == 0 else None)
        if limit is not None:
            ax.axhline(limit, color="#b71c1c", ls="--", lw=0.8, label="limit")
        ax.set_title(title, fontsize=8)
        ax.set_ylabel(unit, fontsize=7)
        ax.set_xticks(range(len(run_labels)), run_labels, rotation=60, fontsize=5, ha="right")
        ax.set_xlim(-0.5, len(run_labels) - 0.5)
        ax.tick_params(axis="y", labelsize=6)
        ax.grid(True, lw=0.3, alpha=0.6)
        ax.legend(fontsize=5, loc="best")
    return _png(fig)
