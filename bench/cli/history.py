"""``bench history``: the trend of KPI values over the recorded runs, with regressions marked.

Why: the question after a nightly is "is this getting worse?" — one line per KPI and node with the
last values (oldest first), their median and the regression flags, or with ``--kpi`` the runs one by
one. Exit 0 when shown, 2 when the history database cannot be read.
"""

from __future__ import annotations

import statistics
from collections import defaultdict

import click
from rich.table import Table

from bench.cli._output import console, print_json
from bench.history import TrendPoint, resolve_url, safe_url, trend
from bench.history.regress import CURVE_STATISTICS

SPARK = "▁▂▃▄▅▆▇█"


def _value(p: TrendPoint) -> float | None:
    if p.value is None:
        return None
    if p.statistic in CURVE_STATISTICS and p.limit:
        return p.value / p.limit
    return p.value


def sparkline(values: list[float]) -> str:
    """Unicode block sparkline of ``values``."""
    if not values:
        return ""
    lo, hi = min(values), max(values)
    if hi == lo:
        return SPARK[0] * len(values)
    return "".join(SPARK[min(len(SPARK) - 1, int((v - lo) / (hi - lo) * len(SPARK)))] for v in values)


@click.command("history")
@click.option("--kpi", default=None, help="only this KPI (then every run is listed)")
@click.option("--profile", "profile_name", default=None, help="only runs of this profile")
@click.option("--node", default=None, help="only this node")
@click.option("--last", "last", type=click.IntRange(min=1), default=14, show_default=True,
              help="runs per KPI and node")
@click.option("--db", "db_url", default=None, metavar="URL",
              help="history database (default: $HILBENCH_HISTORY_URL, else reports/history.sqlite)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def command(kpi: str | None, profile_name: str | None, node: str | None, last: int, db_url: str | None,
            as_json: bool) -> None:
    """Show KPI values of the last runs recorded in the history, oldest first."""
    url = resolve_url(db_url)
    points = trend(url, kpi=kpi, profile=profile_name, node=node, last=last)
    if as_json:
        print_json({"history": safe_url(url), "points": [p.to_dict() for p in points]})
        return
    if not points:
        console.print(f"no recorded KPI values in {safe_url(url)}"
                      + "".join(f" for {k} {v}" for k, v in (("KPI", kpi), ("profile", profile_name), ("node", node))
                                if v))
        return
    if kpi:
        _per_run(points)
    else:
        _overview(points)


def _overview(points: list[TrendPoint]) -> None:
    groups: dict[tuple[str, str, str], list[TrendPoint]] = defaultdict(list)
    for p in points:
        groups[(p.profile, p.kpi, p.node)].append(p)
    table = Table(title="KPI trend (oldest → newest; mask KPIs as fraction of the mask used)")
    for col in ("profile", "KPI", "node", "runs", "trend", "median", "latest", "limit", "unit", "verdict", "regr."):
        table.add_column(col, justify="left" if col in ("profile", "KPI", "node", "trend", "unit") else "right",
                         no_wrap=col in ("KPI", "node"))
    for (profile, kpi, node), pts in sorted(groups.items()):
        vals = [v for p in pts if (v := _value(p)) is not None]
        last = pts[-1]
        curve = last.statistic in CURVE_STATISTICS
        regs = sum(p.regression for p in pts)
        table.add_row(
            profile, kpi, node, str(len({p.run_id for p in pts})), sparkline(vals),
            f"{statistics.median(vals):.4g}" if vals else "—", f"{vals[-1]:.4g}" if vals else "—",
            "1" if curve else (f"{last.limit:.4g}" if last.limit is not None else "—"),
            "of mask" if curve else last.unit, last.verdict, f"[red]{regs}[/]" if regs else "0",
        )
    console.print(table)


def _per_run(points: list[TrendPoint]) -> None:
    table = Table(title=f"KPI {points[0].kpi} per run")
    for col in ("started (UTC)", "profile", "run verdict", "node", "test", "value", "limit", "unit", "verdict", ""):
        table.add_column(col, no_wrap=col in ("node", "value"))
    for p in points:
        table.add_row(
            p.started_utc.strftime("%Y-%m-%d %H:%M:%S"), p.profile, p.run_verdict, p.node,
            p.test.rsplit("::", 1)[-1], f"{p.value:.4g}" if p.value is not None else "—",
            f"{p.limit:.4g}" if p.limit is not None else "—", p.unit, p.verdict,
            "[red]▲ regression[/]" if p.regression else "",
        )
    console.print(table)
