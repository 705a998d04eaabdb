"""``bench fuzz``: the NMEA fuzzing campaign; ``bench fuzz replay FILE`` re-runs a saved failure.

Why: CI runs the properties briefly through pytest; this command runs them as long as asked (profile
``nightly``: 100 000 examples per property, example database kept in ``reports/.hypothesis``), prints
the in-process throughput, and leaves every minimal failing input in the run directory as a JSON file
that one command replays. Exit 0 = no failure, 1 = a property failed, 2 = the campaign could not run.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from bench.cli._output import console, err_console, print_json
from bench.nmea.campaign import run_campaign
from bench.nmea.profiles import PROFILES
from bench.nmea.properties import PROPERTIES, PropertyFailure, check_case, load_case


@click.group("fuzz", invoke_without_command=True)
@click.option("--examples", type=int, default=None,
              help="examples per property (default: the profile's; ci 200, nightly 100000)")
@click.option("--profile", type=click.Choice(list(PROFILES)), default="ci", show_default=True,
              help="hypothesis settings profile")
@click.option("--run-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="where to write fuzz.json and failures (default: a new reports/<time>-fuzz-<profile>/)")
@click.option("--database", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="hypothesis example database directory (default: nightly reports/.hypothesis, ci none); "
                   "what failed before is tried first")
@click.option("--property", "properties", multiple=True, type=click.Choice(list(PROPERTIES)),
              help="run only this property (repeatable; default: all)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
@click.pass_context
def command(ctx: click.Context, examples: int | None, profile: str, run_dir: Path | None, database: Path | None,
            properties: tuple[str, ...], as_json: bool) -> None:
    """Fuzz the NMEA parser in-process with hypothesis; print throughput; save failing examples."""
    if ctx.invoked_subcommand is not None:
        return
    result = run_campaign(profile=profile, examples=examples, run_dir=run_dir, properties=list(properties) or None,
                          progress=_show_progress, database=database)
    if as_json:
        print_json(result.as_dict())
    else:
        table = Table(title=f"NMEA fuzzing, profile {profile}", show_header=True)
        for col in ("property", "examples", "s", "examples/s", "examples/CPU-s", "result"):
            table.add_column(col, justify="left" if col in ("property", "result") else "right")
        for r in result.results:
            table.add_row(r.name, str(r.examples), f"{r.seconds:.2f}", f"{r.examples_per_s:.0f}",
                          f"{r.examples_per_cpu_s:.0f}", "[green]pass[/]" if r.failure is None else "[red]FAIL[/]")
        table.add_row("all", str(result.examples), f"{result.seconds:.2f}", f"{result.examples_per_s:.0f}",
                      f"{result.examples_per_cpu_s:.0f}", "[green]pass[/]" if result.passed else "[red]FAIL[/]")
        console.print(table)
        for r in result.results:
            if r.failure is not None:
                console.print(f"[red]{r.name}[/]: {escape(r.failure)}", highlight=False)
                if r.saved is not None:
                    console.print(f"  saved: {r.saved}\n  replay: bench fuzz replay {r.saved}", highlight=False)
        console.print(f"run directory: {result.run_dir}", highlight=False)
    raise SystemExit(0 if result.passed else 1)


def _show_progress(name: str, done: int, target: int | None, seconds: float, finished: bool) -> None:
    """One line on stderr per property, and every few seconds while a long one runs (stdout stays JSON)."""
    rate = done / seconds if seconds > 0 else 0.0
    of = f"/{target}" if target and not finished else ""
    err_console.print(f"  {name:<18} {done}{of} examples, {seconds:.1f} s ({rate:.0f}/s){' done' if finished else ''}",
                      highlight=False)


@command.command("replay")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def replay(file: Path, as_json: bool) -> None:
    """Re-run a saved failing example (failure-*.json); exit 1 if it still fails, 0 if it passes now."""
    case = load_case(file)
    try:
        check_case(case)
    except PropertyFailure as exc:
        if as_json:
            print_json({"file": str(file), "property": case.prop, "passed": False, "failure": str(exc)})
        else:
            console.print(f"[red]still failing[/] ({case.prop}): {escape(str(exc))}", highlight=False)
        raise SystemExit(1) from None
    if as_json:
        print_json({"file": str(file), "property": case.prop, "passed": True, "failure": None})
    else:
        console.print(f"[green]passes now[/] ({case.prop}): {file}", highlight=False)
    raise SystemExit(0)
