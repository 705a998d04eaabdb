"""Entry point of ``bench``: finds the nouns, maps errors to exit codes, never shows a traceback.

Exit codes: 0 all passed, 1 a test or KPI failed, 2 the bench could not run (bad input,
unreachable instrument, missing tool). SIGTERM is turned into the same clean shutdown as Ctrl-C.
"""

from __future__ import annotations

import importlib
import pkgutil
import signal
import sys
from types import FrameType

import click

import bench.cli as cli_pkg
from bench import __version__
from bench.errors import EXIT_BENCH_ERROR, BenchError, DriverError


class Terminated(KeyboardInterrupt):
    """SIGTERM received: unwind like Ctrl-C so every ``finally`` tears down."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


def _noun_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(cli_pkg.__path__)
                  if info.name != "main" and not info.name.startswith("_"))


class _Nouns(click.Group):
    """The nouns are the modules of ``bench.cli``, imported only when used: ``bench fuzz`` does not pay
    for scipy, matplotlib and SQLAlchemy (nor does hypothesis then manage numpy's random state for every
    example, which costs the fuzzing campaign a tenth of its throughput)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_noun_modules()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in _noun_modules():
            found = getattr(importlib.import_module(f"{cli_pkg.__name__}.{cmd_name}"), "command", None)
            if isinstance(found, click.Command) and found.name == cmd_name:
                self.add_command(found)
                command = found
        return command


@click.group(cls=_Nouns, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bench")
def cli() -> None:
    """hilbench — hardware-in-the-loop test bench for GPS-disciplined, time-critical systems."""


def main(argv: list[str] | None = None) -> None:
    """Run ``bench``; a ``BenchError`` becomes ``error: ...`` on stderr and exit code 2."""
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        cli.main(args=argv, prog_name="bench", standalone_mode=False)
    except (BenchError, DriverError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("interrupted: lab torn down, data taken so far kept", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_BENCH_ERROR)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    finally:
        signal.signal(signal.SIGTERM, previous)
    sys.exit(0)
