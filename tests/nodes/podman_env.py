"""Shared helpers and fixtures of the node tests (imported by the test modules, not a conftest)."""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.lab.serial_pair import SerialPair
from bench.nodes.connection import new_socket_path, open_client, start_service, stop_process_socket
from bench.nodes.image import build_image

TEST_IMAGE = "localhost/hilbench-node-test:latest"


@functools.cache
def podman_unusable_reason() -> str | None:
    """None if podman can run a container on this machine, else why not (the skip reason)."""
    podman = shutil.which("podman")
    if podman is None:
        return "podman is not installed (run .ci/podman-setup.sh as root)"
    with tempfile.TemporaryDirectory() as rootfs:
        for d in ("usr", "proc", "sys", "dev", "tmp", "etc"):
            Path(rootfs, d).mkdir()
        for name in ("bin", "lib", "lib64"):
            if Path("/", name).is_symlink():
                Path(rootfs, name).symlink_to(f"usr/{name}")
        try:
            r = subprocess.run([podman, "run", "--rm", "--network", "host", "-v", "/usr:/usr:ro", "--rootfs",
                                rootfs, "/usr/bin/true"], capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            return "podman run timed out"
    if r.returncode != 0:
        return f"podman cannot run containers here (run .ci/podman-setup.sh): {r.stderr.strip()[-300:]}"
    return None


def require_podman() -> None:
    reason = podman_unusable_reason()
    if reason:
        pytest.skip(reason)


def hilbench_containers() -> list[str]:
    out = subprocess.run(["podman", "ps", "-a", "--filter", "label=org.hilbench.node", "--format", "{{.Names}}"],
                         capture_output=True, text=True, timeout=30).stdout
    return [x for x in out.split() if x]


@pytest.fixture(scope="module")
def podman_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A ``podman system service`` on a private socket, with the test node image built on it."""
    require_podman()
    log = tmp_path_factory.mktemp("podman") / "service.log"
    state = start_service(new_socket_path("test"), log)
    try:
        client = open_client(state["base_url"], 60)
        try:
            state["image"] = build_image(client, TEST_IMAGE)
        finally:
            client.close()
        yield state
    finally:
        stop_process_socket(state)


@pytest.fixture
def serial_pair(tmp_path) -> Iterator[SerialPair]:
    pair = SerialPair("t", tmp_path / "dev" / "gnss", tmp_path / "dev" / "node")
    pair.create()
    pair.start()
    try:
        yield pair
    finally:
        pair.stop()


@pytest.fixture
def lab_dir(tmp_path, monkeypatch):
    d = tmp_path / "lab"
    monkeypatch.setenv("HILBENCH_LAB_DIR", str(d))
    return d
