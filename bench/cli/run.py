"""``bench run``: the main job — run the HIL suite on a profile and leave a complete run directory."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from bench.cli._output import console, print_json
from bench.runner.run import run_suite

VERDICT_STYLE = {"PASS": "green", "MARGINAL": "yellow", "FAIL": "red", "NO-DATA": "red", "ERROR": "red",
                 "INTERRUPTED": "yellow"}


@click.command("run")
@click.option("--profile", "profile_name", default=None, help="profile name or path (default: emulated)")
@click.option("--suite", type=click.Choice(["smoke", "nightly"]), default=None,
              help="which suite (default: the profile's run.suite)")
@click.option("-k", "keyword", default=None, help="only tests matching this pytest -k expression")
@click.option("--run-dir", type=click.Path(path_type=Path), default=None, help="write the run here")
@click.option("--no-report", is_flag=True, help="skip the PDF report")
@click.option("--history-url", default=None, help="SQLAlchemy URL of the run history (default: reports/history.sqlite)")
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON at the end")
def command(profile_name: str | None, suite: str | None, keyword: str | None, run_dir: Path | None,
            no_report: bool, history_url: str | None, as_json: bool) -> None:
    """Run the suite; exit 0 all passed, 1 a test or KPI failed, 2 the bench could not run."""
    outcome = run_suite(profile_name, suite=suite, keyword=keyword, run_dir=run_dir,
                        make_report=not no_report, console=console, history_url=history_url)
    if as_json:
        print_json({"run_dir": str(outcome.run_dir), "exit_code": outcome.exit_code, **outcome.summary,
                    "kpi_results": outcome.kpis,
                    "report": str(outcome.report_pdf) if outcome.report_pdf else None})
    else:
        _print_table(outcome.kpis)
        for err in outcome.summary.get("bench_errors", []):
            console.print(f"[red]bench error:[/] {escape(str(err))}")
        for reg in outcome.summary.get("regressions", []):
            text = reg.get("message", str(reg)) if isinstance(reg, dict) else str(reg)
            console.print(f"[yellow]regression:[/] {escape(text)}")
        style = VERDICT_STYLE.get(outcome.verdict, "white")
        console.print(f"[bold {style}]{outcome.verdict}[/] — {outcome.run_dir}"
                      + (f" (report: {outcome.report_pdf})" if outcome.report_pdf else ""))
    raise SystemExit(outcome.exit_code)


def _print_table(kpis: list[dict]) -> None:
    if not kpis:
        console.print("no KPI was evaluated")
        return
    table = Table(title="KPI verdicts")
    for col in ("node", "KPI", "value", "limit", "margin", "verdict"):
        table.add_column(col)
    for k in kpis:
        unit = k.get("unit") or ""
        value = k.get("value")
        limit = k.get("limit")
        margin = k.get("margin")
        table.add_row(
            str(k.get("node", "")), str(k.get("kpi", "")),
            "-" if value is None else f"{value:.4g} {unit}",
            "-" if limit is None else f"{limit:.4g} {unit}",
            "-" if margin is None else f"{margin:+.4g} {unit}",
            f"[{VERDICT_STYLE.get(k.get('verdict', ''), 'white')}]{k.get('verdict')}[/]",
        )
    console.print(table)
