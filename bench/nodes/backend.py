"""The one interface every node backend implements: deploy, start, health, stop, logs (and restart).

Why: tests, fixtures and the lab handle nodes without knowing whether a node is a child process, a
local container or a container on a remote Podman host. ``stop_state``/``health_state`` work from the
recorded ``state`` alone so ``bench lab down`` in another shell can tear a node down.
"""

from __future__ import annotations

import abc
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from bench.nodes.launch import NodeLaunch

DEFAULT_HEALTHY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class StartTiming:
    """How long one node took to come up, wall clock (a KPI: container start latency).

    ``create_to_running_s``: from the create request (or spawn) until the process/container runs;
    ``running_to_healthy_s``: from running until ``/health`` answered ok.
    """

    node: str
    backend: str
    create_to_running_s: float
    running_to_healthy_s: float

    @property
    def create_to_healthy_s(self) -> float:
        return self.create_to_running_s + self.running_to_healthy_s

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "create_to_healthy_s": self.create_to_healthy_s}


class NodeBackend(abc.ABC):
    """One node under one backend. ``state`` holds whatever is needed to find it again."""

    backend: ClassVar[str] = "abstract"

    def __init__(self, launch: NodeLaunch, healthy_timeout_s: float = DEFAULT_HEALTHY_TIMEOUT_S) -> None:
        self.launch = launch
        self.healthy_timeout_s = healthy_timeout_s
        self.state: dict[str, Any] = {"backend": self.backend, "node": launch.name}
        self.timing: StartTiming | None = None

    @abc.abstractmethod
    def deploy(self) -> None:
        """Make the node ready to start (config written, container created); fail fast and clearly."""

    @abc.abstractmethod
    def start(self) -> StartTiming:
        """Start it and return once ``/health`` is ok (``NodeError`` otherwise, after cleaning up)."""

    def health(self) -> tuple[bool, str]:
        return self.health_state(self.state)

    def stop(self) -> None:
        """Stop and remove it; idempotent."""
        self.stop_state(self.state)

    @abc.abstractmethod
    def logs(self, tail_lines: int = 200) -> str:
        """The node's recent output (stdout and stderr)."""

    @abc.abstractmethod
    def restart(self) -> StartTiming:
        """Restart the running node (a fault); return when healthy again, with the timing."""

    @classmethod
    @abc.abstractmethod
    def health_state(cls, state: dict[str, Any]) -> tuple[bool, str]:
        """Health from recorded state only."""

    @classmethod
    @abc.abstractmethod
    def stop_state(cls, state: dict[str, Any]) -> None:
        """Tear down from recorded state only; never raises for something already gone."""
