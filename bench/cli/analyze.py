"""``bench analyze FILE``: TE statistics, MTIE/TDEV/ADEV and mask verdicts for a phase file or a run.

Why: the same analysis the bench applies to its own runs, offered for any data a lab has (a counter's
phase log, a CSV, a run directory), so numbers can be compared across tools. Exit 0 if every mask
asked for passed, 1 if one failed (or had no data to judge), 2 if the input could not be analysed.
"""

from __future__ import annotations

from typing import Any

import click
from rich.table import Table

from bench.analysis.loaders import load_series
from bench.analysis.summary import analyze_series
from bench.analysis.taus import parse_taus
from bench.cli._output import console, print_json


@click.command("analyze")
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--tau0", "tau0_s", type=float, default=None,
              help="sample interval in s (default: from the time column, else 1 s)")
@click.option("--taus", "taus_text", default="octave", show_default=True,
              help="τ grid: octave, decade, all, or a comma-separated list of τ in s")
@click.option("--mask", "masks", multiple=True,
              help="mask family to check, e.g. G.8272-PRTC-A, G.8272.1-ePRTC, G.8273.2-C (repeatable)")
@click.option("--unit", default=None, help="unit of the values when the file does not name it (phase files: s)")
@click.option("--gaps", type=click.Choice(["error", "split"]), default="error", show_default=True,
              help="irregular time base: fail, or analyse the longest gap-free stretch")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def command(file: str, tau0_s: float | None, taus_text: str, masks: tuple[str, ...], unit: str | None,
            gaps: str, as_json: bool) -> None:
    """Analyse FILE: a phase file (s per line, '#' comments, .gz ok), a CSV with a time column, or a run."""
    taus = parse_taus(taus_text)
    results = []
    for series in load_series(file, tau0_s=tau0_s, unit=unit, gaps=gaps):
        summary = analyze_series(series.x_s, series.tau0_s, taus, list(masks))
        results.append({"name": series.name, "note": series.note, **summary})
    passed = all(r["passed"] for r in results)
    if as_json:
        doc: dict[str, Any] = {"file": file, "passed": passed, "series": results}
        if len(results) == 1:
            doc.update({k: results[0][k] for k in ("mtie", "tdev", "adev", "stats", "masks", "tau0_s", "samples")})
        print_json(doc)
    else:
        for r in results:
            _print(r)
        if masks:
            console.print("[bold green]all masks passed[/]" if passed else "[bold red]a mask check failed[/]")
    raise SystemExit(0 if passed else 1)


def _print(r: dict[str, Any]) -> None:
    console.print(f"[bold]{r['name']}[/]: {r['samples']} samples, τ0 = {r['tau0_s']:g} s, "
                  f"{r['duration_s']:g} s" + (f"  ({r['note']})" if r["note"] else ""))
    st = r["stats"]
    stats = Table(title="time error (ns)", show_header=True)
    for col in ("max|TE|", "mean", "RMS", "std", "pk-pk", "p50|TE|", "p95|TE|", "p99|TE|"):
        stats.add_column(col, justify="right")
    keys = ("max_abs_ns", "mean_ns", "rms_ns", "std_ns", "pk_pk_ns", "p50_abs_ns", "p95_abs_ns", "p99_abs_ns")
    stats.add_row(*(f"{st[k]:.4g}" for k in keys))
    console.print(stats)
    curves = Table(title="stability (MTIE, TDEV in ns; overlapping ADEV)", show_header=True)
    for col in ("τ (s)", "MTIE (ns)", "TDEV (ns)", "ADEV"):
        curves.add_column(col, justify="right")
    by_tau: dict[float, dict[str, float]] = {}
    for key in ("mtie", "tdev", "adev"):
        for tau, value in r[key]:
            by_tau.setdefault(tau, {})[key] = value
    for tau in sorted(by_tau):
        row = by_tau[tau]
        curves.add_row(
            f"{tau:g}",
            f"{row['mtie'] * 1e9:.4g}" if "mtie" in row else "",
            f"{row['tdev'] * 1e9:.4g}" if "tdev" in row else "",
            f"{row['adev']:.4g}" if "adev" in row else "",
        )
    console.print(curves)
    if r["masks"]:
        table = Table(title="mask verdicts (worst point; ns, ADEV dimensionless)", show_header=True)
        for col in ("mask", "kind", "series", "verdict", "τ (s)", "value", "limit", "margin"):
            table.add_column(col)
        for m in r["masks"]:
            w = m["worst"]
            scale, unit = (1.0, "") if m["kind"] == "adev" else (1e9, "")
            color = {"PASS": "green", "FAIL": "red"}.get(m["verdict"], "yellow")
            table.add_row(
                m["mask"], m["kind"], m["series"], f"[{color}]{m['verdict']}[/]",
                "" if w is None or w["tau_s"] != w["tau_s"] else f"{w['tau_s']:g}",
                "" if w is None else f"{w['value_s'] * scale:.4g}{unit}",
                "" if w is None else f"{w['limit_s'] * scale:.4g}{unit}",
                "" if w is None else f"{w['margin_s'] * scale:+.4g}{unit}",
            )
        console.print(table)
