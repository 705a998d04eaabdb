"""Text formatting for the report: numbers with units, durations, safe markup, redaction.

Why: every number in the document is read by someone deciding pass/fail, so each is shown the same way
(4 significant digits with its unit, signed margins), and text from files is escaped before it goes into
reportlab's mini-markup. Settings that may hold a secret are masked before they are printed.
"""

from __future__ import annotations

import math
import re
from typing import Any
from xml.sax.saxutils import escape

SECRET_KEY = re.compile(r"(password|passwd|secret|token|api_key)(?!_env)", re.IGNORECASE)


def esc(text: Any) -> str:
    """``text`` safe for a reportlab Paragraph."""
    return escape(str(text))


def num(value: Any, unit: str = "", signed: bool = False) -> str:
    """``12.35 ns``; ``—`` when there is no finite value."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        return "—"
    text = f"{value:+.4g}" if signed else f"{value:.4g}"
    return f"{text} {unit}".strip()


def duration(seconds: Any) -> str:
    """``1 h 02 min 05 s`` style; ``—`` when unknown."""
    if not isinstance(seconds, int | float) or not math.isfinite(seconds):
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    total = int(round(seconds))
    d, rest = divmod(total, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    parts = ([f"{d} d"] if d else []) + ([f"{h} h"] if h or d else []) + [f"{m:02d} min", f"{s:02d} s"]
    return " ".join(parts)


def redact(key: str, value: Any) -> Any:
    """``value`` unless ``key`` names a secret (then ``***``) or a database URL (then its password is masked)."""
    if SECRET_KEY.search(key) and value not in (None, ""):
        return "***"
    if key.endswith("history_url") and isinstance(value, str) and value:
        from bench.history import safe_url

        return safe_url(value)
    return value


def flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested dicts as ``(dotted.key, value)`` pairs (lists of dicts indexed), secrets redacted."""
    out: list[tuple[str, Any]] = []
    if isinstance(data, dict):
        for k, v in data.items():
            out += flatten(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        for i, v in enumerate(data):
            out += flatten(v, f"{prefix}[{i}]")
    else:
        out.append((prefix, redact(prefix.rsplit(".", 1)[-1], data)))
    return out


def short_test(nodeid: Any) -> str:
    """``test_steady_state_prtc_a`` from ``tests/hil/test_timing.py::test_steady_state_prtc_a``."""
    return str(nodeid or "").rsplit("::", 1)[-1]
