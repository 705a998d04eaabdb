"""The trend page: each KPI over the last 14 recorded runs of this profile, regressions ringed.

Why: a pass that is drifting towards its limit is the early warning a nightly bench exists for. Values
come from the run history (``bench.history.trend``) up to this run; when a KPI was judged by several
tests in a run the worst value is shown; mask KPIs are shown as the fraction of the mask used
(value / limit at the worst τ), which is also what the regression rule compares.
"""

from __future__ import annotations

import io
import statistics
from collections import defaultdict
from datetime import datetime

from reportlab.platypus import Flowable, Image, PageBreak, Paragraph, Table

from bench.history import HistoryError, TrendPoint, resolve_url, safe_url, trend
from bench.history.regress import CURVE_STATISTICS
from bench.report import plots
from bench.report.fmt import esc, num
from bench.report.rundata import RunData
from bench.report.style import GRID, HEADER_BG, styles, table_style

LAST_RUNS = 14
PANELS_PER_FIGURE = 6


def _score(p: TrendPoint) -> float | None:
    if p.value is None:
        return None
    if p.statistic in CURVE_STATISTICS:
        return p.value / p.limit if p.limit else None
    return p.value


def _started(run: RunData) -> datetime | None:
    text = run.summary.get("started_utc")
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def trend_section(run: RunData, frame_w: float, history_url: str | None) -> list[Flowable]:
    st = styles()
    out: list[Flowable] = [PageBreak(), Paragraph(f"Trend over the last {LAST_RUNS} runs", st["h1"])]
    url = resolve_url(history_url, (run.profile.get("run") or {}).get("history_url"))
    profile = run.summary.get("profile") or (run.profile.get("bench") or {}).get("name")
    try:
        points = trend(url, profile=profile, last=LAST_RUNS, until_utc=_started(run))
    except HistoryError as exc:
        out.append(Paragraph(esc(f"No trend: {exc}"), st["missing"]))
        return out
    if not points:
        out.append(Paragraph(esc(f"No trend: the history {safe_url(url)} holds no run of profile {profile}."),
                             st["missing"]))
        return out
    run_ids = sorted({(p.started_utc, p.run_id) for p in points})
    index = {rid: i for i, (_, rid) in enumerate(run_ids)}
    labels = [t.strftime("%m-%d %H:%M") for t, _ in run_ids]
    # (kpi, node) -> run index -> (worst score, regression)
    grouped: dict[str, dict[str, dict[int, tuple[float, bool]]]] = defaultdict(lambda: defaultdict(dict))
    meta: dict[str, tuple[str, float | None, str]] = {}
    for p in points:
        score = _score(p)
        if score is None:
            continue
        curve = p.statistic in CURVE_STATISTICS
        meta[p.kpi] = ("fraction of mask used" if curve else p.unit, 1.0 if curve else p.limit, p.direction)
        slot = grouped[p.kpi][p.node]
        i = index[p.run_id]
        old = slot.get(i)
        if old is None:
            slot[i] = (score, p.regression)
        else:
            worse = score > old[0] if p.direction == "max" else score < old[0]
            slot[i] = (score if worse else old[0], p.regression or old[1])
    out.append(Paragraph(esc(f"History: {safe_url(url)}; profile {profile}; {len(run_ids)} run(s) shown, "
                             "oldest left. Red rings: regressions flagged when that run was recorded."),
                         st["small"]))
    panels = []
    for kpi in sorted(grouped):
        unit, limit, _ = meta[kpi]
        series = []
        for node in sorted(grouped[kpi]):
            pts = sorted(grouped[kpi][node].items())
            series.append(plots.TrendSeries(node, [i for i, _ in pts], [v for _, (v, _) in pts],
                                            [r for _, (_, r) in pts]))
        panels.append((kpi, unit, limit, series))
    for start in range(0, len(panels), PANELS_PER_FIGURE):
        chunk = panels[start:start + PANELS_PER_FIGURE]
        png = plots.trend_figure(chunk, labels)
        nrows = (len(chunk) + 1) // 2
        out.append(Image(io.BytesIO(png), width=frame_w, height=frame_w * (2.0 * nrows + 0.3) / 7.2))
    out.append(_summary_table(grouped, meta, frame_w))
    return out


def _summary_table(grouped: dict[str, dict[str, dict[int, tuple[float, bool]]]],
                   meta: dict[str, tuple[str, float | None, str]], frame_w: float) -> Table:
    st = styles()
    data = [[Paragraph(h, st["cell_bold"]) for h in ("KPI", "node", "runs", "median", "latest", "unit",
                                                         "flagged")]]
    for kpi in sorted(grouped):
        unit = meta[kpi][0]
        for node in sorted(grouped[kpi]):
            vals = [v for _, (v, _) in sorted(grouped[kpi][node].items())]
            regs = sum(r for _, (_, r) in grouped[kpi][node].items())
            data.append([Paragraph(esc(c), st["cell"]) for c in (
                kpi, node, str(len(vals)), num(statistics.median(vals)), num(vals[-1]), unit, str(regs))])
    t = Table(data, colWidths=[w * frame_w for w in (0.22, 0.12, 0.08, 0.14, 0.14, 0.18, 0.12)], repeatRows=1)
    t.setStyle(table_style([("GRID", (0, 0), (-1, -1), 0.25, GRID), ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
                           ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return t
