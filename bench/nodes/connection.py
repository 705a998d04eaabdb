"""Reaching a Podman service: ``unix://`` sockets and ``ssh://`` URIs, failing fast and clearly.

Why: podman-py's own ssh transport waits up to 300 s for a tunnel that will never come (a bad
host or key looks like a hang), writes to ``~/.ssh/known_hosts`` and refuses forwarding after a host
key changes. So the bench opens the tunnel itself — ``ssh -N -L local.sock:remote.sock`` with
``BatchMode``, a connect timeout, ``ExitOnForwardFailure`` and a lab-local known_hosts file — records
its pid for teardown, and hands podman-py the forwarded ``unix://`` socket. A Windows host's
``podman machine`` (WSL2) is reached exactly so. Sockets live in a short directory under /tmp
because a unix socket path is limited to 107 bytes.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import shutil
import stat
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import MissingToolError
from bench.lab.resource import pid_alive, spawn, terminate_pid
from bench.nodes.errors import PodmanConnectionError

CONNECT_TIMEOUT_S = 5.0
PODMAN_HINT = "podman is not installed: run .ci/podman-setup.sh as root (or `apt-get install podman runc`)"


@dataclass(frozen=True)
class PodmanURI:
    """A parsed connection URI: ``unix:///path`` or ``ssh://user@host[:port]/path``."""

    scheme: str
    path: str
    user: str | None = None
    host: str | None = None
    port: int = 22

    @property
    def is_ssh(self) -> bool:
        return self.scheme == "ssh"

    @property
    def is_local_host(self) -> bool:
        """True if containers run on this machine (unix socket, or ssh to a loopback address)."""
        if not self.is_ssh:
            return True
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host or "").is_loopback
        except ValueError:
            return False

    def __str__(self) -> str:
        if not self.is_ssh:
            return f"unix://{self.path}"
        user = f"{self.user}@" if self.user else ""
        return f"ssh://{user}{self.host}:{self.port}{self.path}"


def parse_uri(uri: str, where: str = "connection") -> PodmanURI:
    """Validate a Podman connection URI; ``PodmanConnectionError`` says what is wrong and the form."""
    forms = "expected unix:///path/podman.sock or ssh://user@host[:port]/path/podman.sock"
    if not isinstance(uri, str) or not uri.strip():
        raise PodmanConnectionError(f"{where}: empty Podman connection URI; {forms}")
    parsed = urllib.parse.urlsplit(uri.strip())
    if parsed.scheme == "unix":
        path = (parsed.netloc + parsed.path) if parsed.netloc else parsed.path
        if not path.startswith("/"):
            raise PodmanConnectionError(f"{where}: {uri!r}: the socket path must be absolute; {forms}")
        return PodmanURI("unix", path)
    if parsed.scheme == "ssh":
        if not parsed.hostname:
            raise PodmanConnectionError(f"{where}: {uri!r}: no host; {forms}")
        try:
            port = parsed.port or 22
        except ValueError:
            raise PodmanConnectionError(f"{where}: {uri!r}: the port is not a number in 1..65535; {forms}") from None
        if not parsed.path.startswith("/") or parsed.path == "/":
            raise PodmanConnectionError(f"{where}: {uri!r}: no remote socket path "
                                        f"(e.g. /run/podman/podman.sock); {forms}")
        if parsed.password:
            raise PodmanConnectionError(f"{where}: passwords in the URI are not accepted; use identity_env "
                                        "(an environment variable naming an ssh key file)")
        return PodmanURI("ssh", parsed.path, parsed.username, parsed.hostname, port)
    raise PodmanConnectionError(f"{where}: {uri!r}: unsupported scheme {parsed.scheme or '(none)'!r}; {forms} "
                                "(named pipes and tcp:// are not supported)")


def identity_from_env(identity_env: str | None, where: str = "node") -> str | None:
    """The ssh key file named by the environment variable ``identity_env`` (checked, never logged)."""
    if not identity_env:
        return None
    path = os.environ.get(identity_env)
    if not path:
        raise PodmanConnectionError(f"{where}: identity_env {identity_env!r} is not set in the environment "
                                    "(it must hold the path of an ssh private key file)")
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise PodmanConnectionError(f"{where}: the key file named by ${identity_env} cannot be read: "
                                    f"{exc.strerror}") from None
    if not stat.S_ISREG(mode):
        raise PodmanConnectionError(f"{where}: the key file named by ${identity_env} is not a regular file")
    if mode & 0o077:
        raise PodmanConnectionError(f"{where}: the key file named by ${identity_env} is readable by others "
                                    "(ssh refuses it); chmod 600 it")
    return path


def runtime_dir() -> Path:
    """A short private directory for sockets (``/tmp/hilbench-<uid>``)."""
    path = Path(tempfile.gettempdir()) / f"hilbench-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def new_socket_path(prefix: str) -> Path:
    return runtime_dir() / f"{prefix}-{secrets.token_hex(4)}.sock"


def podman_path() -> str:
    path = shutil.which("podman")
    if path is None:
        raise MissingToolError(PODMAN_HINT)
    return path


def open_client(base_url: str, api_timeout_s: float = CONNECT_TIMEOUT_S, where: str = "podman") -> Any:
    """A podman-py client on ``base_url`` that answered a ping (``PodmanConnectionError`` otherwise)."""
    from podman import PodmanClient

    client = PodmanClient(base_url=base_url, timeout=api_timeout_s)
    try:
        ok = client.ping()
    except Exception as exc:  # noqa: BLE001 - podman-py/requests raise many types; all mean "unreachable"
        client.close()
        raise PodmanConnectionError(f"{where}: the Podman service at {base_url} does not answer: "
                                    f"{type(exc).__name__}: {str(exc)[:200]}") from None
    if not ok:
        client.close()
        raise PodmanConnectionError(f"{where}: the Podman service at {base_url} answered the ping with an error")
    return client


def wait_for_socket(sock: Path, proc: subprocess.Popen[bytes], timeout_s: float, what: str,
                    log: Path | None) -> None:
    """Wait until ``sock`` exists, failing at once if ``proc`` exits (its log tail in the message)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if sock.exists():
            return
        if proc.poll() is not None:
            terminate_pid(proc.pid)
            raise PodmanConnectionError(f"{what} exited with code {proc.returncode}: {_tail(log)}")
        time.sleep(0.02)
    terminate_pid(proc.pid)
    with contextlib.suppress(FileNotFoundError):
        sock.unlink()
    raise PodmanConnectionError(f"{what}: no socket {sock} within {timeout_s:.0f} s: {_tail(log)}")


def _tail(log: Path | None, chars: int = 400) -> str:
    if log is None:
        return "(no log)"
    try:
        text = log.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return "(no log)"
    return text[-chars:] if text else "(no output)"


def start_service(sock: Path, log: Path | None, timeout_s: float = 15.0) -> dict[str, Any]:
    """Start ``podman system service --time=0 unix://sock``; return its state once it answers a ping."""
    sock.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        sock.unlink()
    proc = spawn([podman_path(), "system", "service", "--time=0", f"unix://{sock}"],
                 log_path=str(log) if log else None)
    from bench.lab.resource import process_state

    state = {**process_state(proc), "socket": str(sock), "base_url": f"unix://{sock}"}
    wait_for_socket(sock, proc, timeout_s, "podman system service", log)
    open_client(state["base_url"], where="podman system service").close()
    return state


def start_tunnel(uri: PodmanURI, identity: str | None, sock: Path, known_hosts: Path, log: Path | None,
                 timeout_s: float = CONNECT_TIMEOUT_S) -> dict[str, Any]:
    """Forward ``sock`` to the remote Podman socket over ssh; return state once the service answers."""
    ssh = shutil.which("ssh")
    if ssh is None:
        raise MissingToolError("ssh is not installed: `apt-get install openssh-client`")
    sock.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileNotFoundError):
        sock.unlink()
    known_hosts.parent.mkdir(parents=True, exist_ok=True)
    argv = [ssh, "-N", "-T", "-F", "/dev/null",
            "-o", "BatchMode=yes", "-o", f"ConnectTimeout={max(1, int(timeout_s))}",
            "-o", "ExitOnForwardFailure=yes", "-o", "StrictHostKeyChecking=accept-new",
            "-o", f"UserKnownHostsFile={known_hosts}", "-o", "ServerAliveInterval=5",
            "-o", "ServerAliveCountMax=3", "-o", "StreamLocalBindUnlink=yes", "-o", "LogLevel=ERROR",
            "-p", str(uri.port), "-L", f"{sock}:{uri.path}"]
    if identity:
        argv += ["-o", "IdentitiesOnly=yes", "-i", identity]
    argv.append(f"{uri.user}@{uri.host}" if uri.user else str(uri.host))
    proc = spawn(argv, log_path=str(log) if log else None)
    from bench.lab.resource import process_state

    state = {**process_state(proc), "socket": str(sock), "base_url": f"unix://{sock}", "uri": str(uri)}
    wait_for_socket(sock, proc, timeout_s + 1.0, f"ssh tunnel to {uri}", log)
    try:
        open_client(state["base_url"], where=f"Podman over {uri}").close()
    except PodmanConnectionError as exc:
        stop_process_socket(state)
        raise PodmanConnectionError(f"{exc} (ssh connected, but nothing answers at {uri.path} on {uri.host}: "
                                    "is `podman system service` running there?)") from None
    return state


def stop_process_socket(state: dict[str, Any]) -> None:
    """Stop a service or tunnel process recorded in ``state`` and remove its socket; idempotent."""
    terminate_pid(state.get("pid"), state.get("pid_create_time"))
    sock = state.get("socket")
    if sock:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            Path(sock).unlink()


def socket_health(state: dict[str, Any], what: str) -> tuple[bool, str]:
    pid = state.get("pid")
    if not pid or not pid_alive(pid, state.get("pid_create_time")):
        return False, f"{what} pid {pid} not running"
    try:
        open_client(state["base_url"], api_timeout_s=3.0, where=what).close()
    except PodmanConnectionError as exc:
        return False, str(exc)
    return True, f"{what} pid {pid} at {state['base_url']}"
