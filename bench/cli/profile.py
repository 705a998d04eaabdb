"""``bench profile show|validate|list``: inspect and check bench profiles."""

from __future__ import annotations

import click

from bench.cli._output import console, print_json
from bench.profile import builtin_profiles, load_profile


@click.group("profile")
def command() -> None:
    """Show, validate and list bench profiles."""


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def list_(as_json: bool) -> None:
    """List the built-in profiles."""
    rows = {name: str(path) for name, path in builtin_profiles().items()}
    if as_json:
        print_json(rows)
        return
    for name, path in rows.items():
        console.print(f"[bold]{name}[/]  {path}")


@command.command("validate")
@click.argument("profile", required=False)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def validate(profile: str | None, as_json: bool) -> None:
    """Validate PROFILE (a name or a path; default: emulated). Exit 2 with the reasons if invalid."""
    p = load_profile(profile)
    if as_json:
        print_json({"profile": p.bench.name, "source": str(p.source), "valid": True})
    else:
        console.print(f"[green]valid[/]: {p.source} (profile {p.bench.name!r}, mode {p.bench.mode}, "
                      f"{len(p.nodes.resolved())} node(s), {len(p.kpis)} KPI(s))")


@command.command("show")
@click.argument("profile", required=False)
@click.option("--json", "as_json", is_flag=True, help="print the resolved profile as JSON")
def show(profile: str | None, as_json: bool) -> None:
    """Show PROFILE resolved (defaults filled in, nodes expanded)."""
    p = load_profile(profile)
    data = p.model_dump(mode="json")
    data["nodes"]["resolved"] = [n.model_dump(mode="json") for n in p.nodes.resolved()]
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{p.bench.name}[/] ({p.bench.mode}) from {p.source}")
    if p.bench.description:
        console.print(p.bench.description)
    console.print_json(data=data)
