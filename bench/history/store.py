"""The run-history store: record a run's summary and KPI values, flag regressions, read trends.

Why: a KPI that still passes but has been getting worse for a week is what a nightly bench exists
to catch. Each recorded run is compared with the last N runs of the same profile (rule in
``regress``); the flags go back to the caller (the run summary) and into the table, so the report
and ``bench history`` show them too. One SQLAlchemy URL: a SQLite file by default, PostgreSQL for a team.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, create_engine, delete, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from bench.history.errors import HistoryError
from bench.history.regress import Regression, baseline, judge, noise_sigma, score_of, worse_by
from bench.history.runfiles import RunRecord, read_run
from bench.history.schema import kpi_values, metadata, runs
from bench.store.rundir import REPO_ROOT

ENV_URL = "HILBENCH_HISTORY_URL"
DEFAULT_DB = REPO_ROOT / "reports" / "history.sqlite"
TREND_RUNS = 14
#: runs whose values are not a baseline: the bench itself failed, or the run was cut short
UNRELIABLE_VERDICTS = ("ERROR", "INTERRUPTED")


def default_url() -> str:
    return f"sqlite:///{DEFAULT_DB}"


def resolve_url(url: str | None = None, profile_url: str | None = None) -> str:
    """The history URL: the one given, else $HILBENCH_HISTORY_URL, else the profile's, else the SQLite default."""
    return url or os.environ.get(ENV_URL) or profile_url or default_url()


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages and reports."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparseable history URL>"


def _sqlite_path(url: str) -> Path | None:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise HistoryError(f"history URL {safe_url(url)!r} is not a SQLAlchemy URL "
                           "(e.g. sqlite:///reports/history.sqlite or postgresql://user@host/db)") from None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def open_engine(url: str, create: bool) -> Engine:
    """An engine for ``url``; with ``create`` the SQLite directory and the tables are made, otherwise a
    missing SQLite file is a HistoryError (nothing was recorded there)."""
    path = _sqlite_path(url)
    if path is not None:
        if create:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise HistoryError(f"history database {path}: cannot create its directory ({exc.strerror})") from None
        elif not path.is_file():
            raise HistoryError(f"no history database at {path} (no run has been recorded there yet; "
                               f"set --db, ${ENV_URL} or run.history_url)")
    try:
        engine = create_engine(url, future=True)
        if create:
            metadata.create_all(engine)
        else:
            with engine.connect() as conn:
                conn.execute(select(runs.c.id).limit(1))
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise HistoryError(f"history URL {safe_url(url)}: unsupported database ({exc})") from None
    except SQLAlchemyError as exc:
        raise HistoryError(f"history database {safe_url(url)}: {_short(exc)}") from None
    return engine


def _short(exc: SQLAlchemyError) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0] if text else type(exc).__name__


@contextmanager
def _guard(url: str) -> Iterator[None]:
    try:
        yield
    except SQLAlchemyError as exc:
        raise HistoryError(f"history database {safe_url(url)}: {_short(exc)}") from None


def record_run(run_dir: Path | str, url: str | None = None, window: int | None = None,
               margin: float | None = None, noise_sigmas: float | None = None) -> list[Regression]:
    """Store ``run_dir``'s summary and KPI values; return the KPIs flagged as regressions.

    ``window`` (runs), ``margin`` (fraction) and ``noise_sigmas`` default to the run's profile
    (run.regression_window, run.regression_margin, run.regression_noise_sigmas). Recording the same run
    again replaces its rows; it is compared only with runs of the same profile that started before it.
    """
    rec = read_run(Path(run_dir))
    db_url = resolve_url(url, rec.history_url)
    n = window if window is not None else rec.regression_window
    frac = margin if margin is not None else rec.regression_margin
    k = noise_sigmas if noise_sigmas is not None else rec.regression_noise_sigmas
    if n < 1 or frac < 0 or k < 0:
        raise HistoryError(f"regression window must be ≥ 1 run, margin and noise sigmas ≥ 0; got {n}, {frac}, {k}")
    engine = open_engine(db_url, create=True)
    try:
        with _guard(db_url), engine.begin() as conn:
            old = conn.execute(select(runs.c.id).where(runs.c.run_id == rec.run_id)).scalars().all()
            if old:
                conn.execute(delete(kpi_values).where(kpi_values.c.run_pk.in_(old)))
                conn.execute(delete(runs).where(runs.c.id.in_(old)))
            flags, rows = _judge_all(conn, rec, n, frac, k)
            run_pk = conn.execute(insert(runs).values(
                run_id=rec.run_id, profile=rec.profile, verdict=rec.verdict, started_utc=rec.started_utc,
                finished_utc=rec.finished_utc, wall_s=rec.wall_s, sim_s=rec.sim_s, seed=rec.seed,
                git_revision=rec.git_revision, run_dir=str(rec.run_dir),
                recorded_utc=datetime.now(UTC).replace(tzinfo=None), regressions=len(flags),
            )).inserted_primary_key[0]
            if rows:
                conn.execute(insert(kpi_values), [{**r, "run_pk": run_pk} for r in rows])
    finally:
        engine.dispose()
    return flags


def _judge_all(conn: Any, rec: RunRecord, window: int, margin: float,
               noise_sigmas: float) -> tuple[list[Regression], list[dict[str, Any]]]:
    flags: list[Regression] = []
    rows: list[dict[str, Any]] = []
    for k in rec.kpis:
        kpi, node = str(k.get("kpi") or ""), str(k.get("node") or "")
        if not kpi:
            continue
        test = str(k.get("test") or "")
        statistic = str(k.get("statistic") or "")
        direction = "max" if statistic in ("mtie", "tdev", "adev") else rec.directions.get(kpi, "max")
        score = score_of(k)
        history = _previous_scores(conn, rec, kpi, node, test, window)
        flagged, median = judge(score, history, direction, margin, window, noise_sigmas)
        if flagged and score is not None and median is not None:
            worse = worse_by(score, median, direction)
            flags.append(Regression(
                kpi=kpi, node=node, test=test, statistic=statistic, value=float(k["value"]),
                unit=str(k.get("unit") or ""), score=score, baseline_median=median,
                worse_by_fraction=worse / abs(median) if median else float("inf"),
                runs_compared=min(len(history), window), direction=direction, margin=margin,
                noise_sigma=noise_sigma(baseline(history, window)), noise_sigmas=noise_sigmas,
            ))
        value, limit = k.get("value"), k.get("limit")
        rows.append({
            "kpi": kpi, "node": node, "test": test, "statistic": statistic,
            "value": float(value) if isinstance(value, int | float) else None,
            "limit_value": float(limit) if isinstance(limit, int | float) else None,
            "unit": str(k.get("unit") or ""), "direction": direction, "score": score,
            "verdict": str(k.get("verdict") or "NO-DATA"), "baseline": median, "regression": flagged,
        })
    return flags, rows


def _previous_scores(conn: Any, rec: RunRecord, kpi: str, node: str, test: str, window: int) -> list[float]:
    q = (
        select(kpi_values.c.score)
        .select_from(kpi_values.join(runs, kpi_values.c.run_pk == runs.c.id))
        .where(and_(runs.c.profile == rec.profile, runs.c.started_utc < rec.started_utc,
                    runs.c.verdict.not_in(UNRELIABLE_VERDICTS),
                    kpi_values.c.kpi == kpi, kpi_values.c.node == node, kpi_values.c.test == test,
                    kpi_values.c.score.is_not(None)))
        .order_by(runs.c.started_utc.desc(), kpi_values.c.id.desc())
        .limit(window)
    )
    return [float(s) for s in conn.execute(q).scalars().all()]


@dataclass(frozen=True)
class TrendPoint:
    """One KPI value of one recorded run."""

    run_id: str
    profile: str
    started_utc: datetime
    run_verdict: str
    kpi: str
    node: str
    test: str
    statistic: str
    value: float | None
    limit: float | None
    unit: str
    direction: str
    verdict: str
    regression: bool

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["started_utc"] = self.started_utc.replace(tzinfo=UTC).isoformat()
        return out


def trend(url: str | None = None, kpi: str | None = None, profile: str | None = None, node: str | None = None,
          last: int = TREND_RUNS, until_utc: datetime | None = None) -> list[TrendPoint]:
    """KPI values of the last ``last`` recorded runs per (profile, KPI, node), oldest first.

    ``until_utc`` (naive or aware UTC) keeps only runs started at or before it (a report of an old run
    shows the history up to that run).
    """
    if last < 1:
        raise HistoryError(f"--last must be at least 1, got {last}")
    db_url = resolve_url(url)
    engine = open_engine(db_url, create=False)
    q = (
        select(runs.c.run_id, runs.c.profile, runs.c.started_utc, runs.c.verdict, kpi_values.c.kpi,
               kpi_values.c.node, kpi_values.c.test, kpi_values.c.statistic, kpi_values.c.value,
               kpi_values.c.limit_value, kpi_values.c.unit, kpi_values.c.direction, kpi_values.c.verdict,
               kpi_values.c.regression)
        .select_from(kpi_values.join(runs, kpi_values.c.run_pk == runs.c.id))
        .order_by(runs.c.started_utc.desc(), kpi_values.c.id)
    )
    if kpi:
        q = q.where(kpi_values.c.kpi == kpi)
    if profile:
        q = q.where(runs.c.profile == profile)
    if node:
        q = q.where(kpi_values.c.node == node)
    if until_utc is not None:
        cut = until_utc.astimezone(UTC).replace(tzinfo=None) if until_utc.tzinfo else until_utc
        q = q.where(runs.c.started_utc <= cut)
    try:
        with _guard(db_url), engine.connect() as conn:
            result = conn.execute(q).all()
    finally:
        engine.dispose()
    seen: dict[tuple[str, str, str], list[str]] = {}
    out: list[TrendPoint] = []
    for r in result:
        key = (r[1], r[4], r[5])
        ids = seen.setdefault(key, [])
        if r[0] not in ids:
            if len(ids) >= last:
                continue
            ids.append(r[0])
        out.append(TrendPoint(
            run_id=r[0], profile=r[1], started_utc=r[2], run_verdict=r[3], kpi=r[4], node=r[5], test=r[6],
            statistic=r[7], value=r[8], limit=r[9], unit=r[10], direction=r[11], verdict=r[12],
            regression=bool(r[13]),
        ))
    out.sort(key=lambda p: (p.started_utc, p.profile, p.kpi, p.node))
    return out


def run_regressions(run_id_prefix: str, url: str | None = None) -> list[tuple[str, str, str]]:
    """(kpi, node, test) flagged as regressions for the run whose id starts with ``run_id_prefix``."""
    db_url = resolve_url(url)
    engine = open_engine(db_url, create=False)
    q = (select(kpi_values.c.kpi, kpi_values.c.node, kpi_values.c.test)
         .select_from(kpi_values.join(runs, kpi_values.c.run_pk == runs.c.id))
         .where(and_(runs.c.run_id.startswith(run_id_prefix, autoescape=True), kpi_values.c.regression.is_(True))))
    try:
        with _guard(db_url), engine.connect() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute(q).all()]
    finally:
        engine.dispose()
