"""Virtual serial port pairs: two linked ptys made by socat, one per node.

The emulated GNSS receiver writes NMEA at one end (``a``); the node reads its serial device at the
other (``b``) exactly as it would read ``/dev/ttyUSB0``. A pty ignores the baud rate, so pacing is
the writer's job. The resource waits until both links exist before it reports started.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any, ClassVar

from bench.errors import LabError, MissingToolError
from bench.lab.resource import Resource, pid_alive, process_state, spawn, terminate_pid

SOCAT_HINT = "socat is not installed: run `apt-get install socat` (or `bench doctor` for everything missing)"


def socat_path() -> str:
    path = shutil.which("socat")
    if path is None:
        raise MissingToolError(SOCAT_HINT)
    return path


class SerialPair(Resource):
    """A socat pty pair with stable link names ``link_a`` and ``link_b``."""

    kind: ClassVar[str] = "serial_pair"

    def __init__(self, name: str, link_a: Path, link_b: Path, log_dir: Path | None = None,
                 start_timeout_s: float = 5.0) -> None:
        super().__init__(name)
        self.link_a = Path(link_a)
        self.link_b = Path(link_b)
        self.log_dir = log_dir
        self.start_timeout_s = start_timeout_s
        self.state = {"link_a": str(self.link_a), "link_b": str(self.link_b)}

    def create(self) -> None:
        socat_path()
        self.link_a.parent.mkdir(parents=True, exist_ok=True)
        self.link_b.parent.mkdir(parents=True, exist_ok=True)
        for link in (self.link_a, self.link_b):
            if link.is_symlink() or link.exists():
                link.unlink()

    def start(self) -> None:
        if self.state.get("pid") and pid_alive(self.state["pid"], self.state.get("pid_create_time")):
            return
        argv = [
            socat_path(), "-d", "-d",
            f"pty,raw,echo=0,link={self.link_a}",
            f"pty,raw,echo=0,link={self.link_b}",
        ]
        log = str(self.log_dir / f"socat-{self.name}.log") if self.log_dir else None
        proc = spawn(argv, log_path=log)
        self.state.update(process_state(proc))
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self.link_a.exists() and self.link_b.exists():
                return
            if proc.poll() is not None:
                self.stop()
                raise LabError(f"serial pair {self.name}: socat exited with code {proc.returncode}"
                               + (f" (see {log})" if log else ""))
            time.sleep(0.01)
        self.stop()
        raise LabError(f"serial pair {self.name}: links {self.link_a} and {self.link_b} did not appear "
                       f"within {self.start_timeout_s:.0f} s")

    def health(self) -> tuple[bool, str]:
        return self.health_state(self.state)

    @classmethod
    def health_state(cls, state: dict[str, Any]) -> tuple[bool, str]:
        alive = pid_alive(state.get("pid", -1), state.get("pid_create_time")) if state.get("pid") else False
        links = all(os.path.exists(state[k]) for k in ("link_a", "link_b"))
        ok = alive and links
        detail = f"socat pid {state.get('pid')} {'running' if alive else 'not running'}; " \
                 f"links {'present' if links else 'missing'} ({state['link_a']} <-> {state['link_b']})"
        return ok, detail

    @classmethod
    def stop_state(cls, state: dict[str, Any]) -> None:
        terminate_pid(state.get("pid"), state.get("pid_create_time"))
        for key in ("link_a", "link_b"):
            link = Path(state[key])
            if link.is_symlink() or link.exists():
                try:
                    link.unlink()
                except FileNotFoundError:
                    pass
