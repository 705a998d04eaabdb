"""The appendix: the resolved profile, the environment, and every test with its outcome.

Why: a report must be reproducible from itself — which settings (with defaults filled in), which
software versions on which host, which tests ran and how each ended. Secrets are masked.
"""

from __future__ import annotations

from typing import Any

from reportlab.platypus import Flowable, PageBreak, Paragraph, Table

from bench.report.fmt import esc, flatten
from bench.report.rundata import RunData
from bench.report.style import GRID, HEADER_BG, styles, table_style

OUTCOME_COLOURS = {"passed": "#1e7d32", "failed": "#c62828", "error": "#6a1b9a", "skipped": "#8d6e63"}


def appendix(run: RunData, frame_w: float) -> list[Flowable]:
    st = styles()
    out: list[Flowable] = [PageBreak(), Paragraph("Appendix A — tests", st["h1"])]
    if run.tests is None:
        out.append(Paragraph("tests.json is missing: the outcomes of the tests of this run are unknown.",
                             st["missing"]))
    elif not run.tests:
        out.append(Paragraph("No test ran in this run.", st["missing"]))
    else:
        data = [[Paragraph(h, st["cell_bold"]) for h in ("test", "outcome", "duration", "message")]]
        for t in run.tests:
            outcome = str(t.get("outcome"))
            colour = OUTCOME_COLOURS.get(outcome, "#000000")
            dur = t.get("duration_s")
            data.append([
                Paragraph(_nodeid(t.get("nodeid")), st["cell"]),
                Paragraph(f"<font color='{colour}'><b>{esc(outcome.upper())}</b></font>", st["cell"]),
                Paragraph(f"{dur:.1f} s" if isinstance(dur, int | float) else "—", st["cell"]),
                Paragraph(esc(str(t.get("message") or "")[:400]), st["cell"]),
            ])
        out.append(_table(data, frame_w, (0.34, 0.1, 0.11, 0.45)))
    out += [Paragraph("Appendix B — resolved profile", st["h1"])]
    if run.profile:
        out.append(_kv(flatten(run.profile), frame_w))
        if run.profile_toml is not None:
            out.append(Paragraph("The profile file as written is kept beside this report as profile.toml.",
                                 st["small"]))
    else:
        out.append(Paragraph("profile.json is missing: the settings of this run are unknown.", st["missing"]))
    out += [Paragraph("Appendix C — environment", st["h1"])]
    if run.environment:
        out.append(_kv(flatten(run.environment), frame_w))
    else:
        out.append(Paragraph("environment.json is missing: host and software versions are unknown.",
                             st["missing"]))
    return out


def _nodeid(nodeid: Any) -> str:
    module, sep, name = str(nodeid or "").rpartition("::")
    if not sep:
        return esc(name)
    return f"<b>{esc(name)}</b><br/><font size=6>{esc(module)}</font>"


def _kv(pairs: list[tuple[str, Any]], frame_w: float) -> Table:
    st = styles()
    data = [[Paragraph(esc(k), st["mono"]), Paragraph(esc(_show(v)), st["mono"])] for k, v in pairs]
    return _table(data, frame_w, (0.45, 0.55), header=False)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "[]"
    return str(value)


def _table(data: list[list[Any]], frame_w: float, widths: tuple[float, ...], header: bool = True) -> Table:
    t = Table(data, colWidths=[w * frame_w for w in widths], repeatRows=1 if header else 0)
    style = [("GRID", (0, 0), (-1, -1), 0.25, GRID), ("VALIGN", (0, 0), (-1, -1), "TOP"),
             ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEADER_BG))
    t.setStyle(table_style(style))
    return t
