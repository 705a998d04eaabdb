"""The ``process`` node backend: the reference node as a child process of the bench.

Why: machines without Podman (or a quick local run) still need real nodes. The child gets its own
session (a terminal's Ctrl-C reaches only the bench, which tears down), its pid and start time are
recorded so another shell can stop it, and it is healthy only once its HTTP endpoint answers.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from pathlib import Path
from typing import Any, ClassVar

from bench.lab.resource import pid_alive, process_state, spawn, terminate_pid
from bench.nodes.backend import NodeBackend, StartTiming
from bench.nodes.errors import NodeError
from bench.nodes.health import probe, wait_healthy
from bench.nodes.launch import NodeLaunch


def tail_file(path: Path, lines: int) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return "".join(deque(fh, maxlen=lines))
    except OSError:
        return ""


class ProcessBackend(NodeBackend):
    """``python -m bench.node ...`` as a child process."""

    backend: ClassVar[str] = "process"

    def __init__(self, launch: NodeLaunch, healthy_timeout_s: float = 30.0, python: str | None = None) -> None:
        super().__init__(launch, healthy_timeout_s)
        self.python = python or sys.executable

    def deploy(self) -> None:
        if not self.launch.config_path.is_file():
            raise NodeError(f"node {self.launch.name}: config {self.launch.config_path} missing "
                            "(call NodeLaunch.prepare first)")
        self.state.update({"http": self.launch.http_url, "log": str(self.launch.log_path),
                           "argv": self.launch.argv(self.python)})

    def start(self) -> StartTiming:
        if self.state.get("pid") and pid_alive(self.state["pid"], self.state.get("pid_create_time")):
            ok, _ = self.health()
            if ok and self.timing is not None:
                return self.timing
        t0 = time.monotonic()
        proc = spawn(list(self.state["argv"]), log_path=str(self.launch.log_path))
        self.state.update(process_state(proc))
        t_running = time.monotonic()

        def running() -> tuple[bool, str]:
            code = proc.poll()
            return (code is None, f"exit code {code}; last output: {self.logs(5).strip()[-400:]}")

        ok, detail = wait_healthy(self.launch.http_url, self.healthy_timeout_s, running)
        if not ok:
            self.stop()
            raise NodeError(f"node {self.launch.name} (process): {detail} (log {self.launch.log_path})")
        self.timing = StartTiming(self.launch.name, self.backend, t_running - t0, time.monotonic() - t_running)
        return self.timing

    def logs(self, tail_lines: int = 200) -> str:
        return tail_file(self.launch.log_path, tail_lines)

    def restart(self) -> StartTiming:
        terminate_pid(self.state.get("pid"), self.state.get("pid_create_time"))
        self.state.pop("pid", None)
        return self.start()

    @classmethod
    def health_state(cls, state: dict[str, Any]) -> tuple[bool, str]:
        pid = state.get("pid")
        if not pid or not pid_alive(pid, state.get("pid_create_time")):
            return False, f"node process pid {pid} not running"
        if not state.get("http"):
            return False, f"pid {pid}; no HTTP endpoint recorded"
        ok, detail = probe(state["http"])
        return ok, f"pid {pid}; {detail}"

    @classmethod
    def stop_state(cls, state: dict[str, Any]) -> None:
        terminate_pid(state.get("pid"), state.get("pid_create_time"))
