"""Nodes and their Podman connections as lab resources (kinds ``podman_service``,
``podman_ssh_tunnel``, ``node_process``, ``node_podman``), and the plan that adds them to a lab.

Why: the lab starts and stops everything through one lifecycle and tears it down from its state
file. Start order: one local ``podman system service`` (if any node uses Podman without a
connection URI) and one ssh tunnel per distinct ``ssh://`` URI, then the nodes; teardown runs in
reverse, so a node's container is removed while its service is still there.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, ClassVar

from bench.lab.resource import Resource
from bench.nodes.backend import NodeBackend, StartTiming
from bench.nodes.connection import (
    identity_from_env,
    new_socket_path,
    parse_uri,
    socket_health,
    start_service,
    start_tunnel,
    stop_process_socket,
)
from bench.nodes.errors import NodeError
from bench.nodes.kpi import record_start
from bench.nodes.launch import NodeLaunch, node_config
from bench.nodes.podman import PodmanBackend
from bench.nodes.process import ProcessBackend
from bench.profile.models import NodeSpec, Profile
from bench.store.events import EventLog


class _SocketProcess(Resource):
    """A process serving the Podman API on a private unix socket: healthy while it runs and answers."""

    @classmethod
    def describe(cls, state: dict[str, Any]) -> str:
        raise NotImplementedError

    def health(self) -> tuple[bool, str]:
        return self.health_state(self.state)

    @property
    def base_url(self) -> str:
        return str(self.state["base_url"])

    @classmethod
    def health_state(cls, state: dict[str, Any]) -> tuple[bool, str]:
        return socket_health(state, cls.describe(state))

    @classmethod
    def stop_state(cls, state: dict[str, Any]) -> None:
        stop_process_socket(state)


class PodmanService(_SocketProcess):
    """``podman system service --time=0`` on a private unix socket (the local nodes' API)."""

    kind: ClassVar[str] = "podman_service"

    def __init__(self, name: str, log_dir: Path | None = None) -> None:
        super().__init__(name)
        self.log_dir = log_dir

    def start(self) -> None:
        if self.state.get("pid") and self.health()[0]:
            return
        log = self.log_dir / f"podman-service-{self.name}.log" if self.log_dir else None
        self.state.update(start_service(new_socket_path("svc"), log))

    @classmethod
    def describe(cls, state: dict[str, Any]) -> str:
        return "podman service"


class PodmanTunnel(_SocketProcess):
    """An ssh tunnel forwarding a local socket to a remote Podman socket (``ssh://`` URI)."""

    kind: ClassVar[str] = "podman_ssh_tunnel"

    def __init__(self, name: str, uri: str, identity_env: str | None, lab_dir: Path,
                 log_dir: Path | None = None) -> None:
        super().__init__(name)
        self.uri = parse_uri(uri, where=f"podman connection {name}")
        self.identity_env = identity_env
        self.lab_dir = Path(lab_dir)
        self.log_dir = log_dir
        self.known_hosts = self.lab_dir / "ssh_known_hosts"
        self.state = {"uri": str(self.uri), "identity_env": identity_env}

    def create(self) -> None:
        identity_from_env(self.identity_env, where=f"podman connection {self.uri}")

    def start(self) -> None:
        if self.state.get("pid") and self.health()[0]:
            return
        log = self.log_dir / f"ssh-tunnel-{self.name}.log" if self.log_dir else None
        identity = identity_from_env(self.identity_env, where=f"podman connection {self.uri}")
        self.state.update(start_tunnel(self.uri, identity, new_socket_path("tun"), self.known_hosts, log))

    @classmethod
    def describe(cls, state: dict[str, Any]) -> str:
        return f"ssh tunnel to {state.get('uri')}"


class ExistingService:
    """A Podman service someone else runs (a ``unix://`` connection URI in the profile): used, not managed."""

    def __init__(self, uri: str) -> None:
        self.base_url = str(parse_uri(uri))


class _NodeResource(Resource):
    """A node: a ``NodeLaunch`` plus a backend; records its endpoint and start timing."""

    backend_cls: ClassVar[type[NodeBackend]]

    def __init__(self, launch: NodeLaunch, endpoints: dict[str, Any], events: EventLog | None = None) -> None:
        super().__init__(launch.name)
        self.launch = launch
        self.endpoints = endpoints
        self.events = events
        self.backend: NodeBackend | None = None

    def _make_backend(self) -> NodeBackend:
        raise NotImplementedError

    def create(self) -> None:
        self.launch.prepare(self.endpoints)
        self.backend = self._make_backend()
        self.state = self.backend.state
        self.backend.deploy()

    def start(self) -> None:
        if self.backend is None:
            self.create()
        assert self.backend is not None
        timing = self.backend.start()
        self.state["timing"] = timing.as_dict()
        record_start(self.events, timing)
        entry = {"http": self.launch.http_url, "backend": self.backend.backend, "kernel": self.launch.kernel,
                 "serial": self.launch.serial_path, "config": str(self.launch.config_path)}
        if "container_name" in self.state:
            entry["container"] = self.state["container_name"]
        self.endpoints.setdefault("nodes", {})[self.name] = entry

    def health(self) -> tuple[bool, str]:
        return self.health_state(self.state)

    def stop(self) -> None:
        if self.backend is not None:
            self.backend.stop()
        else:
            self.stop_state(self.state)

    @classmethod
    def health_state(cls, state: dict[str, Any]) -> tuple[bool, str]:
        return cls.backend_cls.health_state(state)

    @classmethod
    def stop_state(cls, state: dict[str, Any]) -> None:
        cls.backend_cls.stop_state(state)


class ProcessNode(_NodeResource):
    kind: ClassVar[str] = "node_process"
    backend_cls: ClassVar[type[NodeBackend]] = ProcessBackend

    def _make_backend(self) -> NodeBackend:
        return ProcessBackend(self.launch)


class PodmanNode(_NodeResource):
    kind: ClassVar[str] = "node_podman"
    backend_cls: ClassVar[type[NodeBackend]] = PodmanBackend

    def __init__(self, launch: NodeLaunch, endpoints: dict[str, Any],
                 connection: PodmanService | PodmanTunnel | ExistingService, spec: NodeSpec, lab_tag: str,
                 events: EventLog | None = None) -> None:
        super().__init__(launch, endpoints, events)
        self.connection = connection
        self.spec = spec
        self.lab_tag = lab_tag

    def _make_backend(self) -> NodeBackend:
        return PodmanBackend(self.launch, self.connection.base_url, self.spec.image, connection=self.spec.connection,
                             identity_env=self.spec.identity_env, lab_tag=self.lab_tag,
                             known_hosts=str(self.connection.known_hosts)
                             if isinstance(self.connection, PodmanTunnel) else None)


def lab_tag(lab_dir: Path) -> str:
    """A short stable tag for container names, unique per lab directory."""
    return hashlib.sha1(str(Path(lab_dir).resolve()).encode()).hexdigest()[:8]


def plan_nodes(profile: Profile, lab_dir: Path, endpoints: dict[str, Any],
               events: EventLog | None = None) -> list[Resource]:
    """Podman connections, then one node resource per node that runs a node program (not replayed)."""
    lab_dir = Path(lab_dir)
    logs = lab_dir / "logs"
    serial = endpoints.get("serial", {})
    tag = lab_tag(lab_dir)
    connections: dict[str, PodmanService | PodmanTunnel] = {}
    nodes: list[Resource] = []
    for index, spec in enumerate(profile.nodes.resolved(), start=1):
        assert spec.name is not None
        if spec.pps_replay_file or spec.backend == "external":
            continue
        serial_path = spec.serial_device or serial.get(spec.name, {}).get("node")
        if not serial_path:
            raise NodeError(f"node {spec.name}: no serial device (no serial pair planned and no serial_device)")
        launch = NodeLaunch(name=spec.name, node_index=index, serial_path=serial_path,
                            config=node_config(profile, spec, index), work_dir=lab_dir / "nodes" / spec.name)
        if spec.backend == "process":
            nodes.append(ProcessNode(launch, endpoints, events))
            continue
        if spec.connection and not parse_uri(spec.connection, where=f"node {spec.name}").is_ssh:
            nodes.append(PodmanNode(launch, endpoints, ExistingService(spec.connection), spec, tag, events))
            continue
        key = spec.connection or "local"
        if key not in connections:
            if spec.connection:
                tunnels = sum(isinstance(c, PodmanTunnel) for c in connections.values())
                connections[key] = PodmanTunnel(f"tunnel{tunnels + 1}", spec.connection,
                                                spec.identity_env, lab_dir, logs)
            else:
                connections[key] = PodmanService("podman", logs)
        nodes.append(PodmanNode(launch, endpoints, connections[key], spec, tag, events))
    return [*connections.values(), *nodes]


def node_start_timings(resource_states: list[Any]) -> list[StartTiming]:
    """Start timings recorded in a lab state (``LabState.resources``) for every node resource."""
    out: list[StartTiming] = []
    for rs in resource_states:
        if rs.kind in (ProcessNode.kind, PodmanNode.kind) and "timing" in rs.data:
            t = rs.data["timing"]
            out.append(StartTiming(t["node"], t["backend"], t["create_to_running_s"], t["running_to_healthy_s"]))
    return out


def node_backend(resources: list[Resource], name: str) -> NodeBackend:
    """The backend of the running node ``name`` among a lab's resources (``Lab.resources``), e.g. to
    restart it as a fault with ``bench.nodes.kpi.restart_fault``."""
    for resource in resources:
        if isinstance(resource, _NodeResource) and resource.name == name and resource.backend is not None:
            return resource.backend
    raise NodeError(f"no running node named {name!r} in this lab (nodes: "
                    f"{[r.name for r in resources if isinstance(r, _NodeResource)]})")
