"""``bench doctor``: is this machine ready to run the bench, and what to install if not."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Callable

import click
from rich.markup import escape

from bench.cli._output import console, print_json


def _which(tool: str, package: str) -> Callable[[], tuple[bool, str]]:
    def check() -> tuple[bool, str]:
        path = shutil.which(tool)
        return (True, path) if path else (False, f"missing: apt-get install {package}")
    return check


def _podman() -> tuple[bool, str]:
    path = shutil.which("podman")
    if not path:
        return False, "missing: apt-get install podman runc (nodes then need the `process` backend)"
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"podman does not run: {exc}"
    return out.returncode == 0, out.stdout.strip() or out.stderr.strip()


def _visa() -> tuple[bool, str]:
    try:
        import pyvisa

        rm = pyvisa.ResourceManager("@py")
        info = f"pyvisa {pyvisa.__version__}, backend {rm.visalib}"
        rm.close()
        return True, info
    except Exception as exc:  # noqa: BLE001 - any failure means the backend is unusable
        return False, f"VISA backend unusable: {exc} (pip install pyvisa-py)"


def _loopback() -> tuple[bool, str]:
    ports = []
    try:
        for _ in range(8):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            ports.append(s)
        return True, f"{len(ports)} free loopback ports bound and released"
    except OSError as exc:
        return False, f"cannot bind loopback ports: {exc}"
    finally:
        for s in ports:
            s.close()


CHECKS: list[tuple[str, bool, Callable[[], tuple[bool, str]]]] = [
    ("socat", True, _which("socat", "socat")),
    ("visa", True, _visa),
    ("loopback", True, _loopback),
    ("podman", False, _podman),
    ("runc", False, _which("runc", "runc")),
    ("sshd", False, _which("sshd", "openssh-server")),
    ("pdftoppm", False, _which("pdftoppm", "poppler-utils")),
]


@click.command("doctor")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def command(as_json: bool) -> None:
    """Check socat, podman, the VISA backend and loopback ports; say what to install. Exit 2 if a must is missing."""
    results = []
    for name, required, check in CHECKS:
        ok, detail = check()
        results.append({"check": name, "required": required, "ok": ok, "detail": detail})
    missing = [r for r in results if r["required"] and not r["ok"]]
    if as_json:
        print_json({"ok": not missing, "checks": results})
    else:
        for r in results:
            mark = "[green]ok[/]  " if r["ok"] else ("[red]FAIL[/]" if r["required"] else "[yellow]warn[/]")
            console.print(f"{mark} {r['check']:<9} {escape(str(r['detail']))}")
    if missing:
        raise SystemExit(2)
