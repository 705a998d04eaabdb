"""Fonts, paragraph styles and verdict colours of the report.

Why: a compliance document must render the same on any reader and print legibly in black and white.
DejaVu (the system's fonts-dejavu-core, else the copy matplotlib ships) is embedded as TrueType so
every glyph used (τ, µ, ≤, ▲) is in the file; verdicts carry colour *and* text.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import matplotlib
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import TableStyle

from bench.report.errors import ReportError

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path(matplotlib.get_data_path()) / "fonts" / "ttf",
)
FONT_FILES = {
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
    "DejaVuSansMono": "DejaVuSansMono.ttf",
}
BODY, BOLD, MONO = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSansMono"

VERDICT_COLOURS = {
    "PASS": colors.HexColor("#1e7d32"),
    "MARGINAL": colors.HexColor("#c77700"),
    "FAIL": colors.HexColor("#c62828"),
    "NO-DATA": colors.HexColor("#616161"),
    "ERROR": colors.HexColor("#6a1b9a"),
    "INTERRUPTED": colors.HexColor("#455a64"),
    "INCOMPLETE": colors.HexColor("#455a64"),
}
VERDICT_BG = {
    "PASS": colors.HexColor("#c8e6c9"),
    "MARGINAL": colors.HexColor("#ffe0b2"),
    "FAIL": colors.HexColor("#ffcdd2"),
    "NO-DATA": colors.HexColor("#e0e0e0"),
}
GRID = colors.HexColor("#9e9e9e")
HEADER_BG = colors.HexColor("#eceff1")


def verdict_colour(verdict: str) -> colors.Color:
    return VERDICT_COLOURS.get(verdict.upper(), colors.HexColor("#455a64"))


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """Register the DejaVu TrueType fonts with reportlab (once); ReportError if none is found."""
    for name, file in FONT_FILES.items():
        path = next((d / file for d in FONT_DIRS if (d / file).is_file()), None)
        if path is None:
            raise ReportError(f"font {file} not found in {', '.join(str(d) for d in FONT_DIRS)}; install "
                              "fonts-dejavu-core (the report embeds DejaVu so it renders the same everywhere)")
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(BODY, normal=BODY, bold=BOLD, italic=BODY, boldItalic=BOLD)


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    """The report's paragraph styles by name."""
    register_fonts()
    base = ParagraphStyle("body", fontName=BODY, fontSize=9, leading=11.5)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=BOLD, fontSize=7.5, leading=9),
        "mono": ParagraphStyle("mono", parent=base, fontName=MONO, fontSize=6.5, leading=8),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=20, leading=24, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=14, textColor=colors.HexColor(
            "#455a64"), spaceAfter=10),
        "h1": ParagraphStyle("h1", parent=base, fontName=BOLD, fontSize=14, leading=18, spaceBefore=6, spaceAfter=6),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4),
        "verdict": ParagraphStyle("verdict", parent=base, fontName=BOLD, fontSize=54, leading=62,
                                  alignment=TA_CENTER, textColor=colors.white),
        "verdict_note": ParagraphStyle("verdict_note", parent=base, fontSize=9, leading=12, alignment=TA_CENTER,
                                       textColor=colors.white),
        "missing": ParagraphStyle("missing", parent=base, fontName=BOLD, fontSize=10, leading=13,
                                  textColor=colors.HexColor("#b71c1c"), borderColor=colors.HexColor("#b71c1c"),
                                  borderWidth=0.8, borderPadding=6, spaceBefore=8, spaceAfter=10,
                                  backColor=colors.HexColor("#fff3f3")),
    }


def table_style(commands: list[tuple[Any, ...]]) -> TableStyle:
    """A TableStyle whose cells default to the embedded body font (reportlab's default is Helvetica)."""
    register_fonts()
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), BODY), *commands])
