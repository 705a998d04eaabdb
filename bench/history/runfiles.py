"""What the history needs from a run directory: the summary, the KPI rows and the KPI directions.

Why separate: the history must not depend on the report builder (the report reads the history), so
it reads the few files it needs itself, with a typed error naming the file when one is unusable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.history.errors import HistoryError


@dataclass
class RunRecord:
    """A run as the history stores it."""

    run_id: str
    run_dir: Path
    profile: str
    verdict: str
    started_utc: datetime
    finished_utc: datetime | None
    wall_s: float | None
    sim_s: float | None
    seed: int | None
    git_revision: str | None
    kpis: list[dict[str, Any]] = field(default_factory=list)
    directions: dict[str, str] = field(default_factory=dict)
    history_url: str | None = None
    regression_window: int = 7
    regression_margin: float = 0.2
    regression_noise_sigmas: float = 3.0


def _json(path: Path, required: bool) -> Any:
    if not path.is_file():
        if required:
            raise HistoryError(f"{path.parent}: no {path.name} — not a finished run directory, nothing to record")
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise HistoryError(f"{path}: unreadable JSON ({exc})") from None


def parse_utc(text: Any, what: str) -> datetime | None:
    """An ISO 8601 time as a timezone-naive UTC datetime (how the tables store it)."""
    if text in (None, ""):
        return None
    try:
        when = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise HistoryError(f"{what}: {text!r} is not an ISO 8601 time") from None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def read_run(run_dir: Path) -> RunRecord:
    """Summary, KPI results and profile settings of ``run_dir``; HistoryError if it is not a run."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise HistoryError(f"{run_dir}: not a directory")
    summary = _json(run_dir / "summary.json", required=True)
    if not isinstance(summary, dict):
        raise HistoryError(f"{run_dir / 'summary.json'}: expected a JSON object")
    kpis = _json(run_dir / "kpi_results.json", required=False) or []
    if not isinstance(kpis, list) or not all(isinstance(k, dict) for k in kpis):
        raise HistoryError(f"{run_dir / 'kpi_results.json'}: expected a list of KPI result objects")
    profile = _json(run_dir / "profile.json", required=False) or {}
    started = parse_utc(summary.get("started_utc"), f"{run_dir / 'summary.json'} started_utc")
    if started is None:
        raise HistoryError(f"{run_dir / 'summary.json'}: no started_utc")
    name = summary.get("profile") or (profile.get("bench") or {}).get("name")
    if not name:
        raise HistoryError(f"{run_dir / 'summary.json'}: no profile name")
    run_cfg = profile.get("run") or {}
    directions = {k: str(v.get("direction", "max")) for k, v in (profile.get("kpis") or {}).items()
                  if isinstance(v, dict)}
    seed = summary.get("seed")
    return RunRecord(
        run_id=f"{run_dir.name}@{started.isoformat()}",
        run_dir=run_dir.resolve(),
        profile=str(name),
        verdict=str(summary.get("verdict") or "UNKNOWN"),
        started_utc=started,
        finished_utc=parse_utc(summary.get("finished_utc"), f"{run_dir / 'summary.json'} finished_utc"),
        wall_s=_num(summary.get("wall_s")),
        sim_s=_num(summary.get("sim_s")),
        seed=int(seed) if isinstance(seed, int) and not isinstance(seed, bool) else None,
        git_revision=summary.get("git_revision"),
        kpis=kpis,
        directions=directions,
        history_url=run_cfg.get("history_url"),
        regression_window=int(run_cfg.get("regression_window") or 7),
        regression_margin=float(run_cfg.get("regression_margin") if run_cfg.get("regression_margin") is not None
                                else 0.2),
        regression_noise_sigmas=float(run_cfg.get("regression_noise_sigmas")
                                      if run_cfg.get("regression_noise_sigmas") is not None else 3.0),
    )
