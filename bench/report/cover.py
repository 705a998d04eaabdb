"""The cover page: the overall verdict, large, and what was tested with what.

Why: the first page is what an auditor reads — verdict, profile, date (UTC), durations, revision,
instruments' ``*IDN?`` answers, nodes, seed and the standards cited — and whatever is missing from the
run, said plainly.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib import colors
from reportlab.platypus import Flowable, Paragraph, Spacer, Table

from bench.report.fmt import duration, esc, num
from bench.report.rundata import RunData
from bench.report.style import BOLD, GRID, HEADER_BG, styles, table_style, verdict_colour


def cover(run: RunData, frame_w: float, regressions: int) -> list[Flowable]:
    st = styles()
    verdict, why = run.verdict
    s = run.summary
    bench = run.profile.get("bench") or {}
    profile_name = s.get("profile") or bench.get("name") or "unknown"
    out: list[Flowable] = [
        Paragraph("Timing compliance report", st["title"]),
        Paragraph(esc(f"hilbench run {run.path.name}"), st["subtitle"]),
    ]
    box = Table([[Paragraph(esc(verdict), st["verdict"])], [Paragraph(esc(why), st["verdict_note"])]],
                colWidths=[frame_w], rowHeights=[80, None])
    box.setStyle(table_style([
        ("BACKGROUND", (0, 0), (-1, -1), verdict_colour(verdict)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BOTTOMPADDING", (0, 1), (-1, 1), 8),
    ]))
    out += [box, Spacer(1, 10)]
    kpi_counts = s.get("kpis") if isinstance(s.get("kpis"), dict) else _count(run.kpis, "verdict")
    test_counts = s.get("tests") if isinstance(s.get("tests"), dict) else _count(run.tests or [], "outcome")
    rows: list[tuple[str, str]] = [
        ("Profile", f"{profile_name} — {bench.get('description', '')}".rstrip(" —")),
        ("Mode", str(bench.get("mode", "—"))),
        ("Started (UTC)", str(s.get("started_utc") or run.environment.get("started_utc") or "—")),
        ("Finished (UTC)", str(s.get("finished_utc") or "—")),
        ("Wall duration", duration(s.get("wall_s"))),
        ("Simulated duration", duration(s.get("sim_s")) + (f"  ({num(s.get('sim_s'), 's')})" if s.get("sim_s")
                                                            else "")),
        ("Git revision", str(s.get("git_revision") or run.environment.get("git_revision") or "—")),
        ("Seed", str(s.get("seed")) if s.get("seed") is not None else "— (not emulated)"),
        ("Nodes", ", ".join(run.nodes) or "—"),
        ("Standards cited", "; ".join(_standards(run)) or "—"),
        ("Tests", _counts_text(test_counts)),
        ("KPI results", _counts_text(kpi_counts)),
        ("Regressions vs history", str(regressions) if regressions else "none flagged"),
    ]
    out.append(_kv_table(rows, frame_w))
    instruments = s.get("instruments") or {}
    out += [Paragraph("Instruments (*IDN?)", st["h2"])]
    if instruments:
        out.append(_kv_table([(str(k), str(v)) for k, v in instruments.items()], frame_w, mono=True))
    else:
        out.append(Paragraph("No instrument identities were recorded for this run.", st["body"]))
    errors = s.get("bench_errors") or []
    if errors:
        out.append(Paragraph("Bench errors", st["h2"]))
        out += [Paragraph(esc(e), st["small"]) for e in errors]
    if run.notes:
        out.append(Paragraph("Missing data", st["h2"]))
        out += [Paragraph(esc(n), st["missing"]) for n in run.notes]
    return out


def _standards(run: RunData) -> list[str]:
    """The run's declared standards, then any other a KPI result cites."""
    out = [str(x) for x in run.summary.get("standards") or (run.profile.get("bench") or {}).get("standards") or []]
    for k in run.kpis:
        std = k.get("standard")
        if std and str(std) not in out:
            out.append(str(std))
    return out


def _count(items: list[dict[str, Any]], key: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for it in items:
        out[str(it.get(key))] = out.get(str(it.get(key)), 0) + 1
    return out


def _counts_text(counts: dict[str, Any]) -> str:
    parts = [f"{v} {k}" for k, v in counts.items() if v]
    return ", ".join(parts) if parts else "none recorded"


def _kv_table(rows: list[tuple[str, str]], frame_w: float, mono: bool = False) -> Table:
    st = styles()
    value_style = st["mono"] if mono else st["body"]
    data = [[Paragraph(esc(k), st["cell_bold"]), Paragraph(esc(v), value_style)] for k, v in rows]
    t = Table(data, colWidths=[0.26 * frame_w, 0.74 * frame_w])
    t.setStyle(table_style([
        ("GRID", (0, 0), (-1, -1), 0.3, GRID),
        ("BACKGROUND", (0, 0), (0, -1), HEADER_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), BOLD),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("TEXTCOLOR", (0, 0), (-1, -1), colors.black),
    ]))
    return t
