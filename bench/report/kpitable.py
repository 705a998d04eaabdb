"""The KPI tables, one per node: KPI, statistic, limit, measured, margin, verdict, regression.

Why: this is the page a customer checks line by line against the standard. Every KPI result of the
run is a row (none is summarised away); verdicts are coloured *and* written out; mask KPIs show the
worst point's τ; NO-DATA rows say why; regressions against the history are marked.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.platypus import Flowable, Paragraph, Table

from bench.report.fmt import esc, num, short_test
from bench.report.rundata import RunData
from bench.report.style import GRID, HEADER_BG, VERDICT_BG, styles, table_style, verdict_colour

RegressionKeys = set[tuple[str, str, str]]
COLS = ("KPI / test", "statistic", "limit", "measured", "margin", "verdict", "history")
WIDTHS = (0.27, 0.10, 0.16, 0.11, 0.13, 0.09, 0.14)


def is_regression(row: dict[str, Any], keys: RegressionKeys) -> bool:
    kpi, node, test = str(row.get("kpi")), str(row.get("node")), str(row.get("test") or "")
    return (kpi, node, test) in keys or (kpi, node, "*") in keys


def kpi_section(run: RunData, frame_w: float, regressions: RegressionKeys) -> list[Flowable]:
    st = styles()
    out: list[Flowable] = [Paragraph("KPI results per node", st["h1"])]
    if not run.kpis:
        out.append(Paragraph("No KPI results were recorded for this run (kpi_results.json missing or empty): "
                             "nothing was judged against a limit, so nothing here is a pass.", st["missing"]))
        return out
    for node in run.nodes:
        rows = run.kpis_of(node)
        out.append(Paragraph(esc(f"Node {node}"), st["h2"]))
        if not rows:
            out.append(Paragraph(esc(f"No KPI result for node {node}."), st["missing"]))
            continue
        out.append(_table(rows, frame_w, regressions))
    unassigned = [k for k in run.kpis if not k.get("node")]
    if unassigned:
        out += [Paragraph("Run-wide KPIs (no node)", st["h2"]), _table(unassigned, frame_w, regressions)]
    return out


def _limit_text(row: dict[str, Any]) -> str:
    unit = str(row.get("unit") or "")
    mask = row.get("mask")
    mask_name = mask.get("name") if isinstance(mask, dict) else mask
    worst = row.get("worst") if isinstance(row.get("worst"), dict) else None
    if mask_name:
        where = f" (τ = {worst['tau_s']:g} s)" if worst and isinstance(worst.get("tau_s"), int | float) else ""
        return f"{num(row.get('limit'), unit)}{where}, mask {mask_name}"
    return num(row.get("limit"), unit)


def _table(rows: list[dict[str, Any]], frame_w: float, regressions: RegressionKeys) -> Table:
    st = styles()
    data: list[list[Any]] = [[Paragraph(c, st["cell_bold"]) for c in COLS]]
    styling: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.3, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for i, r in enumerate(rows, start=1):
        verdict = str(r.get("verdict") or "NO-DATA")
        unit = str(r.get("unit") or "")
        first = f"<b>{esc(r.get('kpi'))}</b><br/><font size=6.5>{esc(short_test(r.get('test')))}</font>"
        detail = str(r.get("detail") or "")
        if detail and (verdict in ("FAIL", "NO-DATA") or r.get("mask")):
            first += f"<br/><font size=6 color='#424242'>{esc(detail)}</font>"
        margin = num(r.get("margin"), unit, signed=True)
        if isinstance(r.get("margin_pct"), int | float):
            margin += f" ({r['margin_pct']:+.0f} %)"
        measured = num(r.get("value"), unit) if r.get("value") is not None else "no data"
        reg = is_regression(r, regressions)
        data.append([
            Paragraph(first, st["cell"]),
            Paragraph(esc(r.get("statistic")), st["cell"]),
            Paragraph(esc(_limit_text(r)), st["cell"]),
            Paragraph(esc(measured), st["cell"]),
            Paragraph(esc(margin), st["cell"]),
            Paragraph(f"<font color='#{verdict_colour(verdict).hexval()[2:]}'><b>{esc(verdict)}</b></font>",
                      st["cell"]),
            Paragraph("<font size=6.5 color='#c62828'><b>▲ REGRESSION</b></font>" if reg else "—", st["cell"]),
        ])
        styling.append(("BACKGROUND", (5, i), (5, i), VERDICT_BG.get(verdict, colors.white)))
        if reg:
            styling.append(("BACKGROUND", (6, i), (6, i), colors.HexColor("#ffebee")))
    t = Table(data, colWidths=[w * frame_w for w in WIDTHS], repeatRows=1)
    t.setStyle(table_style(styling))
    return t
