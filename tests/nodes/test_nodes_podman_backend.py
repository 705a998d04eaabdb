"""The ``podman`` backend for real: container nodes via podman-py on a private service, start latency,
restart as a fault, fast clear errors, pod manifests under ``podman kube play``/``down``, no leftovers."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from bench.nodes.connection import open_client
from bench.nodes.errors import ImageMissingError, NodeError, PodmanConnectionError
from bench.nodes.image import host_runtime
from bench.nodes.kpi import latency_summary, restart_fault
from bench.nodes.kube import kube_down, kube_play, pod_manifest, write_manifest
from bench.nodes.launch import NodeLaunch
from bench.nodes.podman import SERIAL_IN_CONTAINER, PodmanBackend
from bench.store.events import EventLog, read_events
from tests.nodes.podman_env import (  # noqa: F401 - fixtures
    TEST_IMAGE,
    hilbench_containers,
    podman_service,
    serial_pair,
)

CONFIG = {"seed": 3, "node_index": 1, "start_utc": "2026-06-01T00:00:00+00:00"}


def _backend(tmp_path, service, serial, name="c1", image=TEST_IMAGE, **kw):
    launch = NodeLaunch(name, 1, str(serial), CONFIG, tmp_path / name)
    launch.prepare({})
    return PodmanBackend(launch, service["base_url"], image, lab_tag="test", **kw)


def test_container_node_reads_its_pty_is_healthy_restarts_and_leaves_nothing(tmp_path, podman_service,  # noqa: F811
                                                                             serial_pair):  # noqa: F811
    node = _backend(tmp_path, podman_service, serial_pair.link_b)
    node.deploy()
    try:
        timing = node.start()
        assert node.health()[0]
        assert "status on http://127.0.0.1" in node.logs()
        # the pty is the node's serial device inside the container: bytes written at the receiver end arrive
        code, out = node._container.exec_run(["/usr/bin/stat", "-c", "%F", SERIAL_IN_CONTAINER])
        assert code == 0 and b"character special file" in out
        events = EventLog(tmp_path / "events.jsonl")
        again = restart_fault(node, events)
        assert again.create_to_healthy_s < 10 and node.health()[0]
        assert [e["kind"] for e in read_events(tmp_path)] == ["fault", "node_start", "fault"]
        state = json.loads(json.dumps(node.state))
    except BaseException:
        node.stop()
        raise
    assert timing.create_to_healthy_s < 10
    PodmanBackend.stop_state(state)  # from recorded state only, as `bench lab down` does
    node.close()
    assert "hilbench-test-c1" not in hilbench_containers()
    assert PodmanBackend.health_state(state)[0] is False
    PodmanBackend.stop_state(state)  # idempotent


@pytest.mark.slow
def test_start_latency_p50_within_2_s(tmp_path, podman_service, serial_pair):  # noqa: F811
    timings = []
    for i in range(5):
        node = _backend(tmp_path, podman_service, serial_pair.link_b, name=f"lat{i}")
        node.deploy()
        try:
            timings.append(node.start())
        finally:
            node.stop()
    summary = latency_summary(timings)
    print("container start latency:", json.dumps(summary))
    assert summary["create_to_healthy_s"]["p50"] <= 2.0
    assert not [c for c in hilbench_containers() if "-lat" in c]


def test_missing_image_is_a_fast_clear_error(tmp_path, podman_service, serial_pair):  # noqa: F811
    t0 = time.monotonic()
    node = _backend(tmp_path, podman_service, serial_pair.link_b, image="localhost/no-such-image:1")
    with pytest.raises(ImageMissingError, match=r"image 'localhost/no-such-image:1' not found.*bench image build"):
        node.deploy()
    node.close()
    assert time.monotonic() - t0 < 10


@pytest.mark.parametrize("uri", [
    "unix:///nonexistent/podman.sock",
    "ssh://nobody@127.0.0.1:1/run/podman/podman.sock",
    "ftp://host/podman.sock",
])
def test_bad_connection_is_a_fast_clear_error(tmp_path, uri):
    from bench.nodes.session import podman_session

    t0 = time.monotonic()
    with pytest.raises(PodmanConnectionError) as info:
        with podman_session(uri):
            pass
    assert time.monotonic() - t0 < 10
    assert uri.split("/")[0] in str(info.value) or "does not answer" in str(info.value)


def test_a_node_that_cannot_start_in_its_container_is_named_with_its_output(tmp_path, podman_service,  # noqa: F811
                                                                            serial_pair):  # noqa: F811
    node = _backend(tmp_path, podman_service, serial_pair.link_b, name="bad")
    node.launch.config_path.write_text('{"seed": "x"}')
    node.deploy()
    with pytest.raises(NodeError, match=r"node bad.*(exited|is 'exited').*seed"):
        node.start()
    assert "hilbench-test-bad" not in hilbench_containers()


def test_pod_manifest_runs_under_kube_play_and_down_removes_it(tmp_path, podman_service, serial_pair):  # noqa: F811
    launch = NodeLaunch("k1", 1, str(serial_pair.link_b), CONFIG, tmp_path / "k1")
    launch.prepare({})
    python, mounts, _ = host_runtime()
    path = write_manifest(pod_manifest(launch, TEST_IMAGE, python, mounts, "test"), tmp_path / "k1" / "pod.yaml")
    try:
        timing = kube_play(podman_service["base_url"], path, launch.http_url, node="k1")
        assert timing.create_to_healthy_s < 10
        client = open_client(podman_service["base_url"])
        try:
            assert client.pods.exists("hilbench-test-k1")
        finally:
            client.close()
    finally:
        kube_down(podman_service["base_url"], path)
    pods = subprocess.run(["podman", "pod", "ps", "--format", "{{.Name}}"], capture_output=True, text=True).stdout
    assert "hilbench-test-k1" not in pods
    kube_down(podman_service["base_url"], path)  # already gone: harmless


def test_image_has_labels_the_backend_needs(podman_service):  # noqa: F811
    result = podman_service["image"]
    assert result.size_bytes < 1_000_000 and result.build_s < 30
    assert "/usr" in result.host_mounts and Path(result.python).is_absolute()
