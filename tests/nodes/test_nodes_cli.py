"""``bench image build`` and ``bench node manifest`` through the real CLI entry point (exit codes, JSON)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from bench.nodes.kube import validate_manifest
from tests.nodes.podman_env import TEST_IMAGE, require_podman

REPO = Path(__file__).resolve().parents[2]


def bench(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench.cli", *args], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, **(env or {})}, timeout=120)


def test_image_build_json_and_the_image_is_there():
    require_podman()
    r = bench("image", "build", "--tag", TEST_IMAGE, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["tag"] == TEST_IMAGE and out["build_s"] < 30 and "/usr" in out["host_mounts"]
    labels = subprocess.run(["podman", "image", "inspect", TEST_IMAGE, "--format", "{{json .Labels}}"],
                            capture_output=True, text=True, timeout=30).stdout
    assert json.loads(labels)["org.hilbench.python"] == out["python"]


def test_image_build_with_a_bad_connection_is_exit_2_with_one_line():
    r = bench("image", "build", "--connection", "npipe:////./pipe/podman")
    assert r.returncode == 2
    assert r.stderr.startswith("error: --connection: 'npipe:////./pipe/podman': unsupported scheme")
    assert "Traceback" not in r.stderr


def test_node_manifest_writes_valid_pods_per_node(tmp_path):
    r = bench("node", "manifest", "--out", str(tmp_path), "--json", env={"HILBENCH_LAB_DIR": str(tmp_path / "lab")})
    assert r.returncode == 0, r.stderr
    written = json.loads(r.stdout)["manifests"]
    assert [w["node"] for w in written] == ["node1", "node2"]
    for w in written:
        pod = yaml.safe_load(Path(w["path"]).read_text())
        validate_manifest(pod)
        assert pod["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"] == w["http_port"]
    bad = bench("node", "manifest", "--node", "nodeX", env={"HILBENCH_LAB_DIR": str(tmp_path / "lab")})
    assert bad.returncode == 2 and "no node named ['nodeX']" in bad.stderr
