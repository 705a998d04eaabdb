"""``bench report RUN_DIR``: (re)build the PDF compliance report of a run directory.

Why: ``bench run`` writes the report at the end of every run; this rebuilds it — after a fix to the
report, with a different history database, or for a run that was killed before its report. Exit 0
when the report was written (whatever the run's verdict: that is on the cover and in ``--json``),
2 when the directory is not a run or cannot be read.
"""

from __future__ import annotations

import click

from bench.cli._output import console, print_json
from bench.report import build_report_info


@click.command("report")
@click.argument("run_dir", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--db", "db_url", default=None, metavar="URL",
              help="history database for the trend page (default: $HILBENCH_HISTORY_URL, the profile's "
                   "run.history_url, else reports/history.sqlite)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def command(run_dir: str, db_url: str | None, as_json: bool) -> None:
    """Build RUN_DIR/report.pdf from the run's stored data and the run history."""
    info = build_report_info(run_dir, history_url=db_url)
    if as_json:
        print_json(info.to_dict())
        return
    style = {"PASS": "green", "FAIL": "red"}.get(info.verdict, "yellow")
    console.print(f"report [bold]{info.path}[/]: verdict [bold {style}]{info.verdict}[/], {info.pages} pages, "
                  f"{info.size_bytes / 1e6:.2f} MB, built in {info.build_s:.1f} s")
