"""The ``podman`` node backend: the reference node in a container, driven through podman-py.

Why: the system under test is deployed as a container on the bench host or on a remote Podman host
(a Windows machine's WSL2 ``podman machine`` over ``ssh://``). The container uses host networking
(nodes reach the emulators on 127.0.0.1), gets its serial pty bind-mounted at ``/dev/ttyGNSS0``
(a ``--device`` node would open a different devpts instance: EIO); its config is copied in through
the API (so it works on a remote host too). An
image built by ``bench image build`` names, in labels, the host paths it needs bind-mounted (the
host's Python and the repository); an image with its own Python needs no labels.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any, ClassVar

from bench.nodes.backend import NodeBackend, StartTiming
from bench.nodes.connection import (
    PodmanURI,
    identity_from_env,
    new_socket_path,
    open_client,
    parse_uri,
    podman_path,
    start_tunnel,
    stop_process_socket,
)
from bench.nodes.errors import ImageMissingError, NodeError, PodmanConnectionError
from bench.nodes.health import probe, wait_healthy
from bench.nodes.launch import NodeLaunch

LABEL_PYTHON = "org.hilbench.python"
LABEL_HOST_MOUNTS = "org.hilbench.host-mounts"
LABEL_NODE = "org.hilbench.node"
LABEL_LAB = "org.hilbench.lab"
SERIAL_IN_CONTAINER = "/dev/ttyGNSS0"
CONFIG_IN_CONTAINER = "/tmp/hilbench/config.json"
RUNNING_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 3

# run inside the container when its HTTP port is not reachable from the bench (a remote host)
_EXEC_PROBE = ("import json,sys,urllib.request as u\n"
               "r=u.urlopen(sys.argv[1]+'/health',timeout=2)\n"
               "sys.exit(0 if r.status==200 and json.loads(r.read()).get('ok') is True else 1)")


def config_tar(config: bytes) -> bytes:
    """A tar holding ``hilbench/config.json`` (extracted under ``/tmp`` of the container)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        folder = tarfile.TarInfo("hilbench")
        folder.type, folder.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(folder)
        info = tarfile.TarInfo("hilbench/config.json")
        info.size, info.mode = len(config), 0o644
        tar.addfile(info, io.BytesIO(config))
    return buf.getvalue()


def image_runtime(labels: dict[str, str] | None) -> tuple[str, list[str]]:
    """``(python, host paths to bind read-only)`` from an image's labels (plain ``python3`` if none)."""
    labels = labels or {}
    python = labels.get(LABEL_PYTHON) or "python3"
    raw = labels.get(LABEL_HOST_MOUNTS) or "[]"
    try:
        mounts = json.loads(raw)
    except ValueError:
        raise NodeError(f"image label {LABEL_HOST_MOUNTS} is not a JSON list: {raw[:80]!r}") from None
    if not isinstance(mounts, list) or not all(isinstance(m, str) and m.startswith("/") for m in mounts):
        raise NodeError(f"image label {LABEL_HOST_MOUNTS} must be a JSON list of absolute paths: {raw[:80]!r}")
    return python, mounts


class PodmanBackend(NodeBackend):
    """One node container on the Podman service at ``base_url`` (a local or ssh-forwarded socket)."""

    backend: ClassVar[str] = "podman"

    def __init__(self, launch: NodeLaunch, base_url: str, image: str, *, connection: str | None = None,
                 identity_env: str | None = None, lab_tag: str = "lab", healthy_timeout_s: float = 30.0,
                 api_timeout_s: float = 10.0, health_via: str | None = None,
                 known_hosts: str | None = None) -> None:
        super().__init__(launch, healthy_timeout_s)
        self.base_url = base_url
        self.image = image
        self.uri: PodmanURI = parse_uri(connection or base_url, where=f"node {launch.name}")
        self.api_timeout_s = api_timeout_s
        self.health_via = health_via or ("http" if self.uri.is_local_host else "exec")
        self.container_name = f"hilbench-{lab_tag}-{launch.name}"
        self._client: Any = None
        self._container: Any = None
        self._create_s = 0.0
        self.state.update({"base_url": base_url, "connection": connection, "identity_env": identity_env,
                           "image": image, "container_name": self.container_name, "http": launch.http_url,
                           "health_via": self.health_via, "local_host": self.uri.is_local_host,
                           "known_hosts": known_hosts})

    # -- lifecycle -------------------------------------------------------------------------
    def client(self) -> Any:
        if self._client is None:
            self._client = open_client(self.base_url, self.api_timeout_s, where=f"node {self.launch.name}")
        return self._client

    def deploy(self) -> None:
        from podman.errors import APIError

        client = self.client()
        name = self.launch.name
        try:
            if not client.images.exists(self.image):
                raise ImageMissingError(
                    f"node {name}: image {self.image!r} not found on the Podman service at {self.uri}; "
                    "build it with `bench image build` (images cannot be pulled here)")
            python, host_mounts = image_runtime(client.images.get(self.image).labels)
            with contextlib.suppress(Exception):  # a container left by a crashed run: same name
                client.containers.get(self.container_name).remove(force=True)
            serial = os.path.realpath(self.launch.serial_path) if self.uri.is_local_host else self.launch.serial_path
            mounts = [{"type": "bind", "source": p, "target": p, "read_only": True} for p in host_mounts]
            mounts.append({"type": "bind", "source": serial, "target": SERIAL_IN_CONTAINER})
            argv = self.launch.argv(python, serial=SERIAL_IN_CONTAINER, config=CONFIG_IN_CONTAINER)
            t0 = time.monotonic()
            container = client.containers.create(
                self.image, command=argv, name=self.container_name, network_mode="host", mounts=mounts,
                environment={"PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1", "HOME": "/tmp"},
                labels={LABEL_NODE: name, LABEL_LAB: str(self.launch.work_dir.parent)},
                stop_signal=15, stop_timeout=STOP_TIMEOUT_S,  # SIGTERM
            )
            # the config goes in through the API (works on a remote host, where our paths do not exist)
            if not container.put_archive("/tmp", config_tar(self.launch.config_path.read_bytes())):
                raise NodeError(f"node {name}: could not copy its config into container {self.container_name}")
            self._create_s = time.monotonic() - t0
        except APIError as exc:
            raise NodeError(f"node {name}: Podman at {self.uri} refused to create the container: "
                            f"{exc.explanation or exc}") from None
        self._container = container
        self.state.update({"container_id": container.id, "argv": argv})

    def _wait_running(self, t0: float) -> float:
        deadline = t0 + RUNNING_TIMEOUT_S
        while True:
            self._container.reload()
            status = self._container.status
            if status == "running":
                return time.monotonic()
            if status in ("exited", "stopped", "dead") or time.monotonic() > deadline:
                raise NodeError(f"node {self.launch.name}: container {self.container_name} is {status!r} instead of "
                                f"running; its output: {self._exit_output()}")
            time.sleep(0.01)

    def _container_alive(self) -> tuple[bool, str]:
        try:
            self._container.reload()
        except Exception as exc:  # noqa: BLE001
            return False, f"container gone ({type(exc).__name__})"
        status = self._container.status
        if status == "running":
            return True, "container running"
        return False, f"container {status}; output: {self._exit_output()}"

    def _exit_output(self) -> str:
        """The last output of a container that stopped (its log may lag the exit by a moment)."""
        text = ""
        for _ in range(25):
            text = self.logs(10).strip()
            if text:
                break
            time.sleep(0.02)
        return text[-600:] or "(none)"

    def _wait_healthy(self) -> float:
        t_running = time.monotonic()
        if self.health_via == "http":
            ok, detail = wait_healthy(self.launch.http_url, self.healthy_timeout_s, self._container_alive)
        else:
            ok, detail = self._wait_healthy_exec()
        if not ok:
            raise NodeError(f"node {self.launch.name} (podman, {self.container_name}): {detail}")
        return time.monotonic() - t_running

    def _wait_healthy_exec(self) -> tuple[bool, str]:
        deadline = time.monotonic() + self.healthy_timeout_s
        detail = ""
        while time.monotonic() < deadline:
            ok, detail = exec_probe(self._container, self.state)
            if ok:
                return True, detail
            alive, why = self._container_alive()
            if not alive:
                return False, f"node exited before it was healthy: {why}"
            time.sleep(0.1)
        return False, f"not healthy within {self.healthy_timeout_s:.0f} s ({detail})"

    def start(self) -> StartTiming:
        if self._container is None:
            raise NodeError(f"node {self.launch.name}: start before deploy")
        from podman.errors import APIError

        t0 = time.monotonic()
        try:
            self._container.start()
            t_running = self._wait_running(t0)
            healthy_s = self._wait_healthy()
        except (APIError, NodeError) as exc:
            msg = str(exc) if isinstance(exc, NodeError) else f"Podman refused to start it: {exc.explanation or exc}"
            self.stop()
            raise NodeError(msg if isinstance(exc, NodeError) else f"node {self.launch.name}: {msg}") from None
        self.timing = StartTiming(self.launch.name, self.backend, self._create_s + (t_running - t0), healthy_s)
        return self.timing

    def restart(self) -> StartTiming:
        """Restart the container (SIGTERM, then start again); returns when ``/health`` is ok."""
        if self._container is None:
            raise NodeError(f"node {self.launch.name}: restart of a node that was never started")
        t0 = time.monotonic()
        self._container.restart(timeout=STOP_TIMEOUT_S)
        t_running = self._wait_running(t0)
        healthy_s = self._wait_healthy()
        return StartTiming(self.launch.name, self.backend, t_running - t0, healthy_s)

    def logs(self, tail_lines: int = 200) -> str:
        if self._container is None:
            return ""
        try:
            out = self._container.logs(stdout=True, stderr=True, tail=tail_lines, stream=False)
        except Exception:  # noqa: BLE001 - logs are best effort
            return ""
        if isinstance(out, bytes | bytearray):
            return out.decode("utf-8", "replace")
        return b"".join(out).decode("utf-8", "replace")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def stop(self) -> None:
        self.stop_state(self.state)
        self._container = None
        self.close()

    # -- from recorded state ---------------------------------------------------------------
    @classmethod
    def health_state(cls, state: dict[str, Any]) -> tuple[bool, str]:
        cid = state.get("container_id")
        if not cid:
            return False, "no container recorded"
        try:
            client = open_client(state["base_url"], 3.0, where=f"node {state.get('node')}")
        except PodmanConnectionError as exc:
            return False, str(exc)
        try:
            container = client.containers.get(cid)
            if container.status != "running":
                return False, f"container {state.get('container_name')} is {container.status}"
            if state.get("health_via") == "exec":
                ok, detail = exec_probe(container, state)
            else:
                ok, detail = probe(state["http"])
            return ok, f"container {state.get('container_name')}; {detail}"
        except Exception as exc:  # noqa: BLE001
            return False, f"container {state.get('container_name')}: {type(exc).__name__}: {str(exc)[:160]}"
        finally:
            client.close()

    @classmethod
    def stop_state(cls, state: dict[str, Any]) -> None:
        """Stop and remove the container: through its service, else a fresh tunnel, else the local CLI."""
        cid = state.get("container_id") or state.get("container_name")
        if not cid:
            return
        client, tunnel = _reconnect(state)
        try:
            if client is not None:
                try:
                    container = client.containers.get(cid)
                except Exception:  # noqa: BLE001 - NotFound: already gone
                    return
                with contextlib.suppress(Exception):
                    container.stop(timeout=STOP_TIMEOUT_S)
                container.remove(force=True)
                return
            if state.get("local_host", True):
                subprocess.run([podman_path(), "rm", "-f", "-t", str(STOP_TIMEOUT_S), cid], check=False,
                               capture_output=True, timeout=30)
                return
            raise NodeError(f"node {state.get('node')}: cannot reach {state.get('connection')} to remove "
                            f"container {state.get('container_name')}; remove it there by hand")
        finally:
            if client is not None:
                client.close()
            if tunnel is not None:
                stop_process_socket(tunnel)


def exec_probe(container: Any, state: dict[str, Any]) -> tuple[bool, str]:
    """Health from inside the container (its loopback), for nodes on a remote host."""
    argv = state.get("argv") or []
    python = argv[0] if argv else "python3"
    try:
        code, _ = container.exec_run([python, "-c", _EXEC_PROBE, state["http"]], stdout=True, stderr=True)
    except Exception as exc:  # noqa: BLE001
        return False, f"exec probe failed: {type(exc).__name__}"
    return code == 0, f"{state['http']}/health (in container): {'ok' if code == 0 else f'exit {code}'}"


def _reconnect(state: dict[str, Any]) -> tuple[Any, dict[str, Any] | None]:
    """A client for the node's service: its recorded socket, or a new ssh tunnel (another shell)."""
    with contextlib.suppress(PodmanConnectionError):
        return open_client(state["base_url"], 5.0), None
    conn = state.get("connection")
    if conn and conn.startswith("ssh://"):
        try:
            uri = parse_uri(conn)
            sock = new_socket_path("tun")
            # the lab's known_hosts (the host key seen at `lab up`); else trust on first use, in a fresh file
            known = Path(state["known_hosts"]) if state.get("known_hosts") else sock.with_suffix(".known_hosts")
            try:
                tunnel = start_tunnel(uri, identity_from_env(state.get("identity_env")), sock, known, None)
            finally:
                if not state.get("known_hosts"):
                    known.unlink(missing_ok=True)
            return open_client(tunnel["base_url"], 5.0), tunnel
        except PodmanConnectionError:
            return None, None
    return None, None
