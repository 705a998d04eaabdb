"""``build_report(run_dir)``: the run directory in, ``run_dir/report.pdf`` out.

Why one entry point: ``bench run`` calls it at the end of every run and ``bench report`` calls it to
rebuild, so both give the same document from the same stored data. The PDF is written to a temporary
file and renamed, so a crash never leaves a half report that looks whole.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate

from bench.history import HistoryError, resolve_url, run_regressions
from bench.report.appendix import appendix
from bench.report.cover import cover
from bench.report.eventspage import events_section
from bench.report.kpitable import RegressionKeys, kpi_section
from bench.report.nodepages import node_section
from bench.report.rundata import RunData, load_run
from bench.report.style import BODY, register_fonts
from bench.report.timeline import run_end_s
from bench.report.trendpage import trend_section

REPORT_FILE = "report.pdf"
MARGIN = 15 * mm


def regression_keys(run: RunData, history_url: str | None) -> RegressionKeys:
    """(kpi, node, test) flagged in summary.json, plus those the history flagged for this run."""
    keys: RegressionKeys = set()
    for r in run.summary.get("regressions") or []:
        if isinstance(r, dict) and r.get("kpi"):
            keys.add((str(r["kpi"]), str(r.get("node")), str(r["test"]) if "test" in r else "*"))
    started = run.summary.get("started_utc")
    if started:
        from bench.history.runfiles import parse_utc

        try:
            when = parse_utc(started, "summary.json started_utc")
            url = resolve_url(history_url, (run.profile.get("run") or {}).get("history_url"))
            keys |= set(run_regressions(f"{run.path.name}@{when.isoformat() if when else ''}", url))
        except HistoryError:
            pass  # no history here: the summary's flags are all there is
    return keys


@dataclass(frozen=True)
class ReportInfo:
    """What was built: the file, the verdict on its cover, its page count and size, and how long it took."""

    path: Path
    verdict: str
    pages: int
    size_bytes: int
    build_s: float

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "verdict": self.verdict, "pages": self.pages,
                "size_bytes": self.size_bytes, "build_s": round(self.build_s, 3)}


def build_report(run_dir: Path | str, history_url: str | None = None) -> Path:
    """Build ``run_dir/report.pdf`` from the run directory and the run history; return its path."""
    return build_report_info(run_dir, history_url).path


def build_report_info(run_dir: Path | str, history_url: str | None = None) -> ReportInfo:
    """Like :func:`build_report`, returning what was built."""
    started = time.perf_counter()
    register_fonts()
    run = load_run(run_dir)
    target = run.path / REPORT_FILE
    tmp = run.path / (REPORT_FILE + ".tmp")
    regs = regression_keys(run, history_url)
    last_sample_s = max((float(s.t_ns[-1]) / 1e9 for s in (run.series or {}).values() if not s.empty), default=0.0)
    end_s = run_end_s(run.events, last_sample_s, _float(run.summary.get("sim_s")))
    verdict, _ = run.verdict
    profile_name = run.summary.get("profile") or (run.profile.get("bench") or {}).get("name") or "unknown"
    doc = SimpleDocTemplate(
        str(tmp), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN + 4 * mm,
        bottomMargin=MARGIN, title=f"hilbench report {run.path.name}: {verdict}",
        author="hilbench", subject=f"timing compliance, profile {profile_name}", creator="hilbench bench report",
        initialFontName=BODY, initialFontSize=9,  # else Helvetica is referenced, unembedded
    )
    frame_w = doc.width
    story: list[Flowable] = []
    story += cover(run, frame_w, len(regs))
    story += kpi_section(run, frame_w, regs)
    for node in run.nodes:
        story += node_section(run, node, frame_w, end_s)
    story += events_section(run, frame_w, end_s)
    story += trend_section(run, frame_w, history_url)
    story += appendix(run, frame_w)
    header = f"hilbench — {profile_name} — {run.path.name} — verdict {verdict}"

    def decorate(canvas: Canvas, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(BODY, 7)
        canvas.drawString(MARGIN, A4[1] - MARGIN + 2 * mm, header)
        canvas.drawRightString(A4[0] - MARGIN, MARGIN - 6 * mm, f"page {document.page}")
        canvas.restoreState()

    try:
        doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return ReportInfo(target, verdict, int(doc.page), target.stat().st_size, time.perf_counter() - started)


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else None
