"""``bench lab up|status|down``: bring the profile's lab up, check it, tear it down (from any shell)."""

from __future__ import annotations

import click
from rich.markup import escape

from bench.cli._output import console, print_json
from bench.errors import LabError
from bench.lab import Lab, LabState
from bench.lab.lab import default_lab_dir, teardown_state
from bench.profile import load_profile


@click.group("lab")
def command() -> None:
    """Bring the emulated (or real) lab up, check it, tear it down."""


@command.command("up")
@click.option("--profile", "profile_name", default=None, help="profile name or path (default: emulated)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def up(profile_name: str | None, as_json: bool) -> None:
    """Start every resource of the profile's lab; safe to run twice."""
    profile = load_profile(profile_name)
    lab = Lab(profile)
    state = lab.up()
    ok, rows = Lab.status_of(state)
    if as_json:
        print_json({"profile": state.profile, "lab_dir": str(lab.lab_dir), "healthy": ok,
                    "resources": [dict(zip(("kind", "name", "ok", "detail"), r, strict=True)) for r in rows],
                    "endpoints": state.endpoints})
    else:
        console.print(f"lab [bold]{state.profile}[/] up in {lab.lab_dir} ({len(rows)} resources)")
        _print_rows(rows)
    if not ok:
        raise LabError("the lab came up unhealthy; see the rows above")


@command.command("status")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def status(as_json: bool) -> None:
    """Health of every resource of the lab that is up. Exit 1 if something is unhealthy."""
    lab_dir = default_lab_dir()
    state = LabState.load(lab_dir)
    if state is None:
        if as_json:
            print_json({"up": False, "lab_dir": str(lab_dir)})
        else:
            console.print(f"no lab is up ({lab_dir})")
        raise SystemExit(1)
    ok, rows = Lab.status_of(state)
    if as_json:
        print_json({"up": True, "healthy": ok, "profile": state.profile, "started_utc": state.started_utc,
                    "resources": [dict(zip(("kind", "name", "ok", "detail"), r, strict=True)) for r in rows],
                    "endpoints": state.endpoints})
    else:
        console.print(f"lab [bold]{state.profile}[/] since {state.started_utc}: "
                      + ("[green]healthy[/]" if ok else "[red]UNHEALTHY[/]"))
        _print_rows(rows)
    if not ok:
        raise SystemExit(1)


@command.command("down")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def down(as_json: bool) -> None:
    """Stop everything the lab started (works from any shell); harmless if nothing is up."""
    lab_dir = default_lab_dir()
    state = LabState.load(lab_dir)
    if state is None:
        if as_json:
            print_json({"stopped": 0})
        else:
            console.print("no lab is up")
        return
    errors = teardown_state(state, lab_dir)
    if as_json:
        print_json({"stopped": len(state.resources), "errors": errors})
    else:
        console.print(f"lab [bold]{state.profile}[/] down ({len(state.resources)} resources stopped)")
    if errors:
        raise LabError("; ".join(errors))


def _print_rows(rows: list[tuple[str, str, bool, str]]) -> None:
    for kind, name, ok, detail in rows:
        mark = "[green]ok[/]  " if ok else "[red]FAIL[/]"
        console.print(f"  {mark} {kind:<12} {name:<10} {escape(str(detail))}")
