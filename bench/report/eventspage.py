"""The events page: a timeline of faults, load and lock states, and the event list.

Why: a verdict is only interpretable with what happened during the run — when GNSS was lost, when a
node was in holdover, when the capture missed samples. The chart shows the lanes; the table lists the
events with simulated and wall time (capped, with the count of what is left out).
"""

from __future__ import annotations

import io

from reportlab.platypus import Flowable, Image, PageBreak, Paragraph, Table

from bench.report import plots
from bench.report.fmt import esc
from bench.report.rundata import RunData
from bench.report.style import GRID, HEADER_BG, styles, table_style
from bench.report.timeline import describe, format_sim, paired_spans, state_spans

MAX_ROWS = 250


def events_section(run: RunData, frame_w: float, end_s: float) -> list[Flowable]:
    st = styles()
    out: list[Flowable] = [PageBreak(), Paragraph("Events timeline", st["h1"])]
    if not run.events:
        out.append(Paragraph("No events were recorded (events.jsonl missing or empty): faults, load and lock "
                             "states of this run are unknown.", st["missing"]))
        return out
    lanes: list[tuple[str, list[plots.Span]]] = [("faults", paired_spans(run.events, "fault", None, end_s))]
    for node in run.nodes:
        lanes.append((f"{node} state", state_spans(run.events, node, end_s)))
        node_load = [s for s in paired_spans(run.events, "load", node, end_s)]
        if node_load:
            lanes.append((f"{node} load", node_load))
    if any(spans for _, spans in lanes):
        png = plots.timeline_figure(lanes, end_s)
        height = 0.9 + 0.32 * len(lanes)
        out.append(Image(io.BytesIO(png), width=frame_w, height=frame_w * height / 7.2))
    else:
        out.append(Paragraph("No fault, load or lock-state event carries a simulated time: no timeline to draw.",
                             st["missing"]))
    rows = run.events[:MAX_ROWS]
    data = [[Paragraph(h, st["cell_bold"]) for h in ("sim time", "wall (UTC)", "kind", "node", "details")]]
    for e in rows:
        t = e.get("sim_time_ns")
        data.append([
            Paragraph(esc(format_sim(t / 1e9 if isinstance(t, int | float) else None)), st["cell"]),
            Paragraph(esc(str(e.get("wall_utc", ""))[11:23]), st["cell"]),
            Paragraph(esc(e.get("kind")), st["cell"]),
            Paragraph(esc(e.get("node") or ""), st["cell"]),
            Paragraph(esc(describe(e)[:300]), st["cell"]),
        ])
    table = Table(data, colWidths=[w * frame_w for w in (0.13, 0.13, 0.17, 0.09, 0.48)], repeatRows=1)
    table.setStyle(table_style([("GRID", (0, 0), (-1, -1), 0.25, GRID), ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 1),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    out += [Paragraph(f"{len(run.events)} events", st["h2"]), table]
    if len(run.events) > MAX_ROWS:
        out.append(Paragraph(esc(f"{len(run.events) - MAX_ROWS} more events are not listed here; all are in "
                                 "events.jsonl of the run directory."), st["small"]))
    return out
