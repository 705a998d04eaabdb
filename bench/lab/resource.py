"""One lifecycle for every lab resource: create, start, health check, stop.

Every resource (a socat serial pair, an emulator, a node, a switch port) implements the same four
steps. ``stop`` is idempotent and must work from the resource's recorded ``state`` alone, so that
``bench lab down`` in another shell (a different process) can tear down what ``bench lab up``
started: whatever is needed to find the resource again (pids, paths, container ids) goes into
``state``, which the lab keeps in its state file.
"""

from __future__ import annotations

import abc
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import psutil

from bench.errors import LabError


@dataclass
class ResourceState:
    """What the lab state file keeps of one resource."""

    kind: str
    name: str
    data: dict[str, Any] = field(default_factory=dict)


class Resource(abc.ABC):
    """A lab resource. Subclasses set ``kind`` and implement the lifecycle."""

    kind: ClassVar[str] = "resource"
    registry: ClassVar[dict[str, type[Resource]]] = {}

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if cls.kind != "resource":
            Resource.registry[cls.kind] = cls

    def __init__(self, name: str) -> None:
        self.name = name
        self.state: dict[str, Any] = {}

    def create(self) -> None:  # noqa: B027 - optional step
        """Prepare (allocate ports, write config). Default: nothing to prepare."""

    @abc.abstractmethod
    def start(self) -> None:
        """Start it; return when it is usable (or raise ``LabError``)."""

    @abc.abstractmethod
    def health(self) -> tuple[bool, str]:
        """``(ok, detail)`` — is it alive and answering?"""

    def stop(self) -> None:
        """Stop it; idempotent; never raises for something already gone."""
        self.stop_state(self.state)

    @classmethod
    @abc.abstractmethod
    def stop_state(cls, state: dict[str, Any]) -> None:
        """Tear down a resource described only by its recorded state (used by ``lab down``)."""

    @classmethod
    def health_state(cls, state: dict[str, Any]) -> tuple[bool, str]:
        """Health from recorded state only (used by ``lab status`` in another process)."""
        pid = state.get("pid")
        if pid is None:
            return False, "no process recorded"
        return (pid_alive(pid, state.get("pid_create_time")), f"pid {pid}")

    def record(self) -> ResourceState:
        return ResourceState(kind=self.kind, name=self.name, data=dict(self.state))


def pid_alive(pid: int, create_time: float | None = None) -> bool:
    """True if ``pid`` runs and (when given) is the same process that was started (not a reused pid)."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        if create_time is not None and abs(proc.create_time() - create_time) > 0.05:
            return False
        return True
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def spawn(
    argv: list[str], *, log_path: str | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a child in its own session (so a terminal's Ctrl-C reaches only the bench, which tears down)."""
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        return subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True, env=env, close_fds=True,
        )
    except FileNotFoundError as exc:
        raise LabError(f"cannot start {argv[0]}: {exc.strerror}") from None
    finally:
        if log_path:
            out.close()  # type: ignore[union-attr]


def process_state(proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    """The state needed to find ``proc`` again from another process."""
    try:
        ctime = psutil.Process(proc.pid).create_time()
    except psutil.NoSuchProcess:
        ctime = None
    return {"pid": proc.pid, "pid_create_time": ctime}


def terminate_pid(pid: int | None, create_time: float | None = None, timeout_s: float = 5.0) -> None:
    """SIGTERM the process group of ``pid``, then SIGKILL after ``timeout_s``; reap if it is our child."""
    if pid is None or not pid_alive(pid, create_time):
        _reap(pid)
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                break
        deadline = time.monotonic() + (timeout_s if sig == signal.SIGTERM else 2.0)
        while time.monotonic() < deadline:
            _reap(pid)
            if not pid_alive(pid, create_time):
                return
            time.sleep(0.02)
    _reap(pid)


def _reap(pid: int | None) -> None:
    if pid is None:
        return
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
