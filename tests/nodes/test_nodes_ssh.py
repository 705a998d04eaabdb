"""The ``ssh://`` Podman path for real: OpenSSH on loopback, a generated key, podman-py over the tunnel."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import psutil
import pytest

from bench.lab.resource import pid_alive
from bench.nodes.errors import PodmanConnectionError
from bench.nodes.launch import NodeLaunch
from bench.nodes.podman import PodmanBackend
from bench.nodes.resources import PodmanTunnel
from tests.nodes.podman_env import (  # noqa: F401 - fixtures
    TEST_IMAGE,
    hilbench_containers,
    podman_service,
    serial_pair,
)
from tests.nodes.sshd_env import sshd  # noqa: F401 - fixture


def _ssh_tunnels_to(port: int) -> list[int]:
    return [p.pid for p in psutil.process_iter(["cmdline"])
            if (p.info["cmdline"] or [])[:2] and p.info["cmdline"][0].endswith("ssh") and str(port) in p.info["cmdline"]
            and p.status() != psutil.STATUS_ZOMBIE]


CONFIG = {"seed": 5, "node_index": 1, "start_utc": "2026-06-01T00:00:00+00:00"}


@pytest.mark.parametrize("health_via", ["http", "exec"])
def test_node_container_over_ssh_and_teardown_leaves_nothing(tmp_path, monkeypatch, sshd, podman_service,  # noqa: F811
                                                             serial_pair, health_via):  # noqa: F811
    monkeypatch.setenv("HB_TEST_PODMAN_KEY", str(sshd.user_key))
    uri = f"ssh://root@127.0.0.1:{sshd.port}{podman_service['socket']}"
    tunnel = PodmanTunnel("t1", uri, "HB_TEST_PODMAN_KEY", tmp_path)
    tunnel.create()
    tunnel.start()
    try:
        assert tunnel.health()[0]
        assert str(sshd.user_key) not in json.dumps(tunnel.state)  # the key's path comes from the env only
        launch = NodeLaunch(f"s-{health_via}", 1, str(serial_pair.link_b), CONFIG, tmp_path / "n")
        launch.prepare({})
        node = PodmanBackend(launch, tunnel.base_url, TEST_IMAGE, connection=uri, identity_env="HB_TEST_PODMAN_KEY",
                             lab_tag="ssh", health_via=health_via)
        node.deploy()
        try:
            node.start()
            ok, detail = node.health()
            assert ok, detail
            assert ("in container" in detail) == (health_via == "exec")
            state = json.loads(json.dumps(node.state))
        finally:
            node.stop()
        assert f"hilbench-ssh-s-{health_via}" not in hilbench_containers()
    finally:
        tunnel.stop()
    assert not pid_alive(tunnel.state["pid"], tunnel.state["pid_create_time"])
    assert not Path(tunnel.state["socket"]).exists()
    PodmanBackend.stop_state(state)  # tunnel gone: reconnects (new tunnel) and finds nothing to remove


def test_stop_from_state_reopens_the_tunnel_when_the_old_one_is_gone(tmp_path, monkeypatch, sshd,  # noqa: F811
                                                                     podman_service, serial_pair):  # noqa: F811
    monkeypatch.setenv("HB_TEST_PODMAN_KEY", str(sshd.user_key))
    uri = f"ssh://root@127.0.0.1:{sshd.port}{podman_service['socket']}"
    tunnel = PodmanTunnel("t2", uri, "HB_TEST_PODMAN_KEY", tmp_path)
    tunnel.create()
    tunnel.start()
    launch = NodeLaunch("reopen", 1, str(serial_pair.link_b), CONFIG, tmp_path / "n")
    launch.prepare({})
    node = PodmanBackend(launch, tunnel.base_url, TEST_IMAGE, connection=uri, identity_env="HB_TEST_PODMAN_KEY",
                         lab_tag="ssh")
    try:
        node.deploy()
        node.start()
        state = json.loads(json.dumps(node.state))
        node.close()
    finally:
        tunnel.stop()  # as if the shell that held the tunnel died
    before = set(os.listdir(Path(tunnel.state["socket"]).parent))
    PodmanBackend.stop_state(state)
    assert "hilbench-ssh-reopen" not in hilbench_containers()
    assert set(os.listdir(Path(tunnel.state["socket"]).parent)) <= before  # the temporary tunnel's socket is gone


def test_ssh_errors_are_fast_and_clear(tmp_path, monkeypatch, sshd, podman_service):  # noqa: F811
    monkeypatch.setenv("HB_TEST_PODMAN_KEY", str(sshd.user_key))
    cases = [
        (f"ssh://root@127.0.0.1:{sshd.port}/nonexistent/podman.sock", "nothing answers at /nonexistent"),
        (f"ssh://nobody@127.0.0.1:{sshd.port}{podman_service['socket']}", "ssh tunnel.*exited with code 255"),
    ]
    for uri, why in cases:
        tunnel = PodmanTunnel("bad", uri, "HB_TEST_PODMAN_KEY", tmp_path)
        t0 = time.monotonic()
        with pytest.raises(PodmanConnectionError, match=why):
            tunnel.start()
        assert time.monotonic() - t0 < 10
        tunnel.stop()
        assert not _ssh_tunnels_to(sshd.port)  # the failed ssh client was stopped, not left behind
    monkeypatch.delenv("HB_TEST_PODMAN_KEY")
    with pytest.raises(PodmanConnectionError, match="HB_TEST_PODMAN_KEY.*not set"):
        PodmanTunnel("nokey", cases[0][0], "HB_TEST_PODMAN_KEY", tmp_path).create()
