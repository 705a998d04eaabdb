"""What every backend needs to launch one reference node: its command line, config file and ports.

Why: the node program has one fixed command line
(``python -m bench.node --name --serial --kernel --http-port --config``); the process and Podman
backends differ only in where that runs and which paths it sees, so the command is built here once.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.nodes.errors import NodeError
from bench.profile.models import NodeSpec, Profile


def node_config(profile: Profile, spec: NodeSpec, node_index: int) -> dict[str, Any]:
    """The node's config JSON: seed, index (1-based, profile order), start UTC, oscillator and servo."""
    emu = profile.emulation
    oscillator = spec.oscillator if spec.oscillator is not None else emu.oscillator
    return {
        "seed": emu.seed,
        "node_index": node_index,
        "start_utc": emu.start_utc.isoformat(),
        "oscillator": oscillator.model_dump(),
        "servo": emu.servo.model_dump(),
    }


def free_tcp_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the node binds it moments later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kernel_address(endpoints: dict[str, Any]) -> str:
    """``HOST:PORT`` of the simulation kernel's node channel.

    While no lab server is planned, nothing listens at the returned address and the node keeps
    retrying the connection (so a node can still be deployed and health-checked on its own).
    """
    kernel = endpoints.get("kernel")
    if kernel:
        return f"{kernel['host']}:{int(kernel['port'])}"
    return f"127.0.0.1:{free_tcp_port()}"


@dataclass
class NodeLaunch:
    """One node, ready to launch: name, serial device, config and the directory its files live in."""

    name: str
    node_index: int
    serial_path: str
    config: dict[str, Any]
    work_dir: Path
    http_port: int = 0
    kernel: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def config_path(self) -> Path:
        return self.work_dir / "config.json"

    @property
    def log_path(self) -> Path:
        return self.work_dir / "node.log"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def prepare(self, endpoints: dict[str, Any]) -> None:
        """Write the config file, pick the HTTP port and resolve the kernel address (at deploy time)."""
        try:
            self.work_dir.mkdir(parents=True, exist_ok=True)
            self.config_path.write_text(json.dumps(self.config, indent=2), encoding="utf-8")
        except OSError as exc:
            raise NodeError(f"node {self.name}: cannot write {self.config_path}: {exc.strerror}") from None
        if not self.http_port:
            self.http_port = free_tcp_port()
        if not self.kernel:
            self.kernel = kernel_address(endpoints)

    def argv(self, python: str, *, serial: str | None = None, config: str | None = None) -> list[str]:
        """The node's command line; ``serial``/``config`` override the host paths (inside a container)."""
        return [
            python, "-m", "bench.node",
            "--name", self.name,
            "--serial", serial or self.serial_path,
            "--kernel", self.kernel,
            "--http-port", str(self.http_port),
            "--config", config or str(self.config_path),
        ]
