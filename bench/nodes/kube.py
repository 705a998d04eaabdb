"""A Kubernetes pod manifest per node, validated, and run or removed with ``podman kube play``/``down``.

Why: the same node definition must run under ``podman kube play`` on a bench host and on a real
cluster (design.md §6). The pod uses the host network (the emulators listen on 127.0.0.1), mounts the
node's serial pty and config directory and the image's host paths with ``hostPath`` volumes, and has
a readiness probe on ``/health``. Every manifest is checked against the Kubernetes schema
(kubernetes-validate) before it is used.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import yaml

from bench.nodes.backend import StartTiming
from bench.nodes.connection import podman_path
from bench.nodes.errors import NodeError
from bench.nodes.health import probe
from bench.nodes.launch import NodeLaunch
from bench.nodes.podman import SERIAL_IN_CONTAINER

K8S_VERSION = "1.30.0"
CONFIG_DIR_IN_POD = "/etc/hilbench"
_DNS1123 = re.compile(r"[^a-z0-9-]+")


def pod_name(node: str, lab_tag: str) -> str:
    """A DNS-1123 pod name for ``node`` (lowercase, ``-`` only, at most 63 characters)."""
    base = _DNS1123.sub("-", f"hilbench-{lab_tag}-{node}".lower()).strip("-")
    return base[:63].rstrip("-")


def pod_manifest(launch: NodeLaunch, image: str, python: str, host_mounts: list[str], lab_tag: str) -> dict[str, Any]:
    """The pod for one node (call ``launch.prepare`` first: it fixes the HTTP port and kernel)."""
    name = pod_name(launch.name, lab_tag)
    volumes: list[dict[str, Any]] = []
    mounts: list[dict[str, Any]] = []
    for i, path in enumerate(host_mounts):
        volumes.append({"name": f"host-{i}", "hostPath": {"path": path, "type": "Directory"}})
        mounts.append({"name": f"host-{i}", "mountPath": path, "readOnly": True})
    volumes.append({"name": "config", "hostPath": {"path": str(launch.work_dir), "type": "Directory"}})
    mounts.append({"name": "config", "mountPath": CONFIG_DIR_IN_POD, "readOnly": True})
    # a plain hostPath (no type): a bind mount of the pty itself; a CharDevice would be a new device node,
    # which opens another devpts instance (EIO)
    volumes.append({"name": "serial", "hostPath": {"path": os.path.realpath(launch.serial_path)}})
    mounts.append({"name": "serial", "mountPath": SERIAL_IN_CONTAINER})
    argv = launch.argv(python, serial=SERIAL_IN_CONTAINER, config=f"{CONFIG_DIR_IN_POD}/{launch.config_path.name}")
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": "hilbench-node",
                                              "app.kubernetes.io/part-of": "hilbench",
                                              "hilbench.org/node": _DNS1123.sub("-", launch.name.lower())}},
        "spec": {
            "hostNetwork": True,
            "restartPolicy": "Never",
            "terminationGracePeriodSeconds": 5,
            "containers": [{
                "name": "node",
                "image": image,
                "imagePullPolicy": "Never",
                "command": argv,
                "env": [{"name": "PYTHONDONTWRITEBYTECODE", "value": "1"},
                        {"name": "PYTHONUNBUFFERED", "value": "1"}, {"name": "HOME", "value": "/tmp"}],
                "volumeMounts": mounts,
                "readinessProbe": {"httpGet": {"host": "127.0.0.1", "path": "/health", "port": launch.http_port},
                                   "periodSeconds": 2},
            }],
            "volumes": volumes,
        },
    }


def validate_manifest(manifest: dict[str, Any], k8s_version: str = K8S_VERSION) -> None:
    """Check ``manifest`` against the Kubernetes schema (strict: unknown fields are errors)."""
    import kubernetes_validate

    try:
        kubernetes_validate.validate(manifest, k8s_version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        where = ".".join(str(p) for p in exc.path) or "(top level)"
        raise NodeError(f"pod manifest {manifest.get('metadata', {}).get('name')}: not a valid Kubernetes "
                        f"{k8s_version} Pod at {where}: {exc.message}") from None
    except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as exc:
        raise NodeError(f"pod manifest: no usable Kubernetes {k8s_version} schema: {exc}") from None


def write_manifest(manifest: dict[str, Any], path: Path) -> Path:
    validate_manifest(manifest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
    return path


def _podman(base_url: str, args: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    argv = [podman_path(), "--url", base_url, *args]
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise NodeError(f"`podman {' '.join(args)}` did not finish within {timeout_s:.0f} s") from None


def kube_play(base_url: str, manifest_path: Path, http_url: str, healthy_timeout_s: float = 30.0,
              node: str = "node") -> StartTiming:
    """``podman kube play --replace`` the manifest; return when the node's ``/health`` is ok."""
    t0 = time.monotonic()
    result = _podman(base_url, ["kube", "play", "--replace", str(manifest_path)], 60.0)
    if result.returncode != 0:
        raise NodeError(f"podman kube play {manifest_path}: {(result.stderr or result.stdout).strip()[-400:]}")
    t_running = time.monotonic()
    deadline = t_running + healthy_timeout_s
    detail = ""
    while time.monotonic() < deadline:
        ok, detail = probe(http_url)
        if ok:
            return StartTiming(node, "podman-kube", t_running - t0, time.monotonic() - t_running)
        time.sleep(0.02)
    kube_down(base_url, manifest_path)
    raise NodeError(f"pod from {manifest_path} not healthy within {healthy_timeout_s:.0f} s ({detail})")


def kube_down(base_url: str, manifest_path: Path) -> None:
    """``podman kube down``: stop and remove the pod and its containers; harmless if already gone."""
    result = _podman(base_url, ["kube", "down", str(manifest_path)], 60.0)
    if result.returncode != 0 and "no such pod" not in (result.stderr or "").lower():
        raise NodeError(f"podman kube down {manifest_path}: {(result.stderr or result.stdout).strip()[-400:]}")
