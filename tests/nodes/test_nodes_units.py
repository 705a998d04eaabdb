"""Unit tests of the node package's pure parts: URIs, identity files, percentiles, manifests, config."""

from __future__ import annotations

import io
import json
import math
import tarfile
from pathlib import Path

import pytest

from bench.nodes.backend import StartTiming
from bench.nodes.connection import identity_from_env, parse_uri
from bench.nodes.errors import NodeError, PodmanConnectionError
from bench.nodes.kpi import latency_summary, percentile
from bench.nodes.kube import pod_manifest, pod_name, validate_manifest
from bench.nodes.launch import NodeLaunch, node_config
from bench.nodes.podman import LABEL_HOST_MOUNTS, LABEL_PYTHON, config_tar, image_runtime
from bench.profile.loader import parse_profile


@pytest.mark.parametrize(("uri", "scheme", "user", "host", "port", "path", "local"), [
    ("unix:///run/podman/podman.sock", "unix", None, None, 22, "/run/podman/podman.sock", True),
    ("ssh://bench@192.0.2.30:2222/run/user/1000/podman/podman.sock", "ssh", "bench", "192.0.2.30", 2222,
     "/run/user/1000/podman/podman.sock", False),
    ("ssh://root@127.0.0.1/run/podman/podman.sock", "ssh", "root", "127.0.0.1", 22, "/run/podman/podman.sock", True),
    ("ssh://wsl-host/run/podman/podman.sock", "ssh", None, "wsl-host", 22, "/run/podman/podman.sock", False),
])
def test_good_uris_parse(uri, scheme, user, host, port, path, local):
    u = parse_uri(uri)
    assert (u.scheme, u.user, u.host, u.port, u.path, u.is_local_host) == (scheme, user, host, port, path, local)
    assert parse_uri(str(u)) == u


@pytest.mark.parametrize(("uri", "why"), [
    ("", "empty"),
    ("npipe:////./pipe/podman-machine-default", "unsupported scheme 'npipe'"),
    ("tcp://127.0.0.1:8080", "unsupported scheme 'tcp'"),
    ("/run/podman/podman.sock", "unsupported scheme '\\(none\\)'"),
    ("ssh:///run/podman.sock", "no host"),
    ("ssh://bench@host:99999/run/podman.sock", "port is not a number"),
    ("ssh://bench@host:22", "no remote socket path"),
    ("ssh://bench:secret@host/run/podman.sock", "passwords in the URI"),
    ("unix://relative.sock", "must be absolute"),
])
def test_bad_uris_are_named_errors(uri, why):
    with pytest.raises(PodmanConnectionError, match=why) as info:
        parse_uri(uri, where="nodes.node[0].connection")
    assert "nodes.node[0].connection" in str(info.value)
    assert "secret" not in str(info.value)


def test_identity_env_checks_without_revealing_the_path(tmp_path, monkeypatch):
    assert identity_from_env(None) is None
    monkeypatch.delenv("HB_TEST_KEY", raising=False)
    with pytest.raises(PodmanConnectionError, match="HB_TEST_KEY.*not set"):
        identity_from_env("HB_TEST_KEY")
    key = tmp_path / "secret-key-name"
    monkeypatch.setenv("HB_TEST_KEY", str(key))
    with pytest.raises(PodmanConnectionError, match="cannot be read") as info:
        identity_from_env("HB_TEST_KEY")
    assert "secret-key-name" not in str(info.value)
    key.write_text("k")
    key.chmod(0o644)
    with pytest.raises(PodmanConnectionError, match="chmod 600"):
        identity_from_env("HB_TEST_KEY")
    key.chmod(0o600)
    assert identity_from_env("HB_TEST_KEY") == str(key)


def test_percentile_interpolates_and_summary_has_p50_p99():
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([0.0, 10.0], 99) == pytest.approx(9.9)
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile([1.0], 101)
    timings = [StartTiming(f"n{i}", "podman", 0.1 * i, 0.2) for i in range(1, 11)]
    s = latency_summary(timings)
    assert s["count"] == 10
    assert s["create_to_running_s"]["p50"] == pytest.approx(0.55)
    assert s["create_to_running_s"]["p99"] == pytest.approx(0.991)
    assert s["create_to_healthy_s"]["max"] == pytest.approx(1.2)


def test_image_labels_give_python_and_mounts():
    assert image_runtime(None) == ("python3", [])
    labels = {LABEL_PYTHON: "/opt/py/bin/python", LABEL_HOST_MOUNTS: json.dumps(["/usr", "/opt/py"])}
    assert image_runtime(labels) == ("/opt/py/bin/python", ["/usr", "/opt/py"])
    with pytest.raises(NodeError, match="JSON list"):
        image_runtime({LABEL_HOST_MOUNTS: "/usr"})
    with pytest.raises(NodeError, match="absolute paths"):
        image_runtime({LABEL_HOST_MOUNTS: '["usr"]'})


def test_config_tar_holds_the_config():
    with tarfile.open(fileobj=io.BytesIO(config_tar(b'{"seed": 1}'))) as tar:
        assert tar.extractfile("hilbench/config.json").read() == b'{"seed": 1}'


def _profile():
    return parse_profile({
        "bench": {"name": "u"},
        "emulation": {"seed": 7, "start_utc": "2026-06-01T00:00:00Z", "oscillator": {"freq_offset_ppb": 12.0}},
        "nodes": {"node": [{"name": "a"}, {"name": "B_2", "oscillator": {"freq_offset_ppb": -3.0}}]},
    }, Path("inline"))


def test_node_config_is_what_the_node_program_accepts():
    from bench.node.config import parse_config

    prof = _profile()
    a, b = prof.nodes.resolved()
    ca, cb = node_config(prof, a, 1), node_config(prof, b, 2)
    assert ca["oscillator"]["freq_offset_ppb"] == 12.0 and cb["oscillator"]["freq_offset_ppb"] == -3.0
    assert parse_config(json.loads(json.dumps(cb))).node_index == 2


def test_pod_manifest_validates_and_a_broken_one_is_named(tmp_path):
    launch = NodeLaunch("B_2", 2, "/dev/ttyUSB0", {"seed": 1}, tmp_path / "B_2", http_port=8123,
                        kernel="127.0.0.1:7001")
    m = pod_manifest(launch, "localhost/hilbench-node:latest", "/usr/bin/python3", ["/usr", "/opt/x"], "abc")
    assert m["metadata"]["name"] == pod_name("B_2", "abc") == "hilbench-abc-b-2"
    assert m["spec"]["hostNetwork"] is True
    c = m["spec"]["containers"][0]
    assert c["command"][:3] == ["/usr/bin/python3", "-m", "bench.node"]
    assert c["readinessProbe"]["httpGet"]["port"] == 8123
    validate_manifest(m)
    c["volumeMounts"][0]["readonly"] = True  # a typo of readOnly
    with pytest.raises(NodeError, match="not a valid Kubernetes"):
        validate_manifest(m)
    assert len(pod_name("x" * 100, "abc")) <= 63


def test_plan_nodes_groups_connections_and_skips_external_and_replayed(tmp_path, monkeypatch):
    from bench.nodes.resources import PodmanNode, PodmanService, PodmanTunnel, ProcessNode, node_backend, plan_nodes

    uri = "ssh://bench@192.0.2.30:22/run/podman/podman.sock"
    prof = parse_profile({
        "bench": {"name": "plan"},
        "nodes": {"node": [
            {"name": "p", "backend": "process"},
            {"name": "l1", "backend": "podman"}, {"name": "l2", "backend": "podman"},
            {"name": "r1", "backend": "podman", "connection": uri, "identity_env": "K"},
            {"name": "r2", "backend": "podman", "connection": uri, "identity_env": "K"},
            {"name": "ext", "backend": "external"},
            {"name": "rep", "pps_replay_file": "x.txt"},
        ]},
    }, Path("inline"))
    serial = {n.name: {"node": f"/dev/pts/{i}"} for i, n in enumerate(prof.nodes.resolved())}
    res = plan_nodes(prof, tmp_path, {"serial": serial})
    assert [(type(r).__name__, r.name) for r in res] == [
        ("PodmanService", "podman"), ("PodmanTunnel", "tunnel1"), ("ProcessNode", "p"), ("PodmanNode", "l1"),
        ("PodmanNode", "l2"), ("PodmanNode", "r1"), ("PodmanNode", "r2")]
    assert isinstance(res[0], PodmanService) and isinstance(res[1], PodmanTunnel) and isinstance(res[2], ProcessNode)
    assert res[5].connection is res[6].connection is res[1] and isinstance(res[3], PodmanNode)
    assert [r.launch.node_index for r in res[2:]] == [1, 2, 3, 4, 5]
    with pytest.raises(NodeError, match="no running node named 'p'"):
        node_backend(res, "p")  # planned, not started
    with pytest.raises(NodeError, match="node p: no serial device"):
        plan_nodes(prof, tmp_path, {"serial": {}})
