"""Per-node pages: TE over time with events, MTIE and TDEV against their masks.

Why: the plots are the evidence behind each node's verdicts. TE is drawn as a min/max envelope so a
single spike in 10⁶ samples stays visible, with faults and load shaded where they happened; the curves
are computed on the judged window (see ``curves``). Where a plot cannot be drawn the page says why.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.platypus import Flowable, Image, KeepTogether, PageBreak, Paragraph, Table

from bench.report import plots
from bench.report.curves import CurveOutcome, node_curves
from bench.report.envelope import envelope
from bench.report.fmt import esc, num
from bench.report.rundata import RunData
from bench.report.style import styles, table_style
from bench.report.timeline import marks, paired_spans

TE_BINS = 1500


def _image(png: bytes, width: float, aspect: float) -> Image:
    return Image(io.BytesIO(png), width=width, height=width * aspect)


def _te_limits(run: RunData) -> list[float]:
    out = []
    for spec in (run.profile.get("kpis") or {}).values():
        if (isinstance(spec, dict) and spec.get("statistic") == "max_abs" and spec.get("series", "te") == "te"
                and spec.get("unit", "ns") == "ns" and isinstance(spec.get("threshold"), int | float)):
            out.append(float(spec["threshold"]))
    return sorted(set(out))[:1]


def node_section(run: RunData, node: str, frame_w: float, end_s: float) -> list[Flowable]:
    st = styles()
    out: list[Flowable] = [PageBreak(), Paragraph(esc(f"Node {node}: time error and stability"), st["h1"])]
    series = run.node_series(node)
    if series is None:
        out.append(Paragraph(esc(f"No time-error data: this run has no samples.csv, so there is no TE, MTIE or "
                                 f"TDEV plot for {node}. KPIs that need TE samples are NO-DATA, never a pass."),
                             st["missing"]))
    elif series.empty:
        out.append(Paragraph(esc(f"No time-error samples were recorded for node {node}: nothing to plot. KPIs "
                                 "that need TE samples are NO-DATA, never a pass."), st["missing"]))
    else:
        env = envelope(series.t_ns, series.te_ns, bins=TE_BINS)
        spans = paired_spans(run.events, "fault", None, end_s) + paired_spans(run.events, "load", node, end_s)
        title = (f"TE of {node}: {series.t_ns.size} samples" + ("" if env.raw else f", min/max envelope of "
                 f"{env.size} bins") + f"; max|TE| {num(float(abs(series.te_ns).max()), 'ns')}")
        png = plots.te_figure(env, spans, marks(run.events, node), _te_limits(run), title)
        out.append(_image(png, frame_w, 3.0 / 7.2))
        out.append(Paragraph(esc(
            "Shaded: faults (red) and load (purple) from events.jsonl; dotted lines: capture gaps and other "
            "instants. Each bin keeps the minimum and maximum sample, so single-sample spikes remain visible; "
            "when a few excursions (a cold start) dwarf the rest, the y-axis fits the bulk of the data and the "
            "excursions are marked ▲/▼ at the edge with their peak value."), st["small"]))
    outcomes = node_curves(run.profile, run.kpis, node, series)
    out += _curve_grid(outcomes, frame_w)
    return out


def _curve_title(o: CurveOutcome) -> str:
    name = o.kind.upper()
    if o.kpi is None:
        return name
    verdict = o.curve.verdict if o.curve is not None and o.curve.verdict else "no KPI result"
    return f"{name} — KPI {o.kpi}: {verdict}"


def _curve_cell(o: CurveOutcome, width: float) -> list[Flowable]:
    st = styles()
    if o.curve is None:
        return [Paragraph(esc(_curve_title(o)), st["cell_bold"]),
                Paragraph(esc(f"No {o.kind.upper()} plot: {o.missing}"), st["missing"])]
    c = o.curve
    png = plots.curve_figure(c, _curve_title(o))
    fails = int(c.failing.sum())
    text = (f"{c.window}; series {c.series}; {c.judged} τ judged"
            + (f", <b>{fails} over the mask</b>" if fails else (", all within the mask" if c.mask else ""))
            + (f". {c.note}" if c.note else ""))
    return [_image(png, width, 2.9 / 3.55), Paragraph(text.replace("&", "&amp;"), st["small"])]


def _curve_grid(outcomes: list[CurveOutcome], frame_w: float) -> list[Flowable]:
    if not outcomes:
        return []
    half = frame_w / 2 - 4
    cells: list[Any] = [_curve_cell(o, half) for o in outcomes]
    rows = [cells[i:i + 2] + ([[]] if len(cells[i:i + 2]) == 1 else []) for i in range(0, len(cells), 2)]
    t = Table(rows, colWidths=[frame_w / 2, frame_w / 2])
    t.setStyle(table_style([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 2),
                           ("RIGHTPADDING", (0, 0), (-1, -1), 2)]))
    return [KeepTogether([t])]
