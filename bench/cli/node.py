"""``bench node manifest``: a validated Kubernetes pod manifest per node of a profile.

Why: the same node definition runs under ``podman kube play`` here and on a real cluster; users get
the YAML without bringing a lab up (addresses come from the running lab when there is one).
"""

from __future__ import annotations

from pathlib import Path

import click

from bench.cli._output import console, print_json
from bench.errors import InputError
from bench.lab import LabState
from bench.lab.lab import default_lab_dir
from bench.nodes.image import host_runtime
from bench.nodes.kube import pod_manifest, write_manifest
from bench.nodes.launch import NodeLaunch, node_config
from bench.nodes.resources import lab_tag
from bench.profile import load_profile


@click.group("node")
def command() -> None:
    """Nodes under test: deployment manifests."""


@command.command("manifest")
@click.option("--profile", "profile_name", default=None, help="profile name or path (default: emulated)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="directory for <node>.yaml (default: <lab dir>/manifests)")
@click.option("--node", "only", multiple=True, help="only these nodes (repeatable)")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def manifest(profile_name: str | None, out_dir: Path | None, only: tuple[str, ...], as_json: bool) -> None:
    """Write one pod manifest per node, validated against the Kubernetes schema."""
    profile = load_profile(profile_name)
    lab_dir = default_lab_dir()
    state = LabState.load(lab_dir)
    endpoints = state.endpoints if state is not None and state.profile == profile.bench.name else {}
    out = out_dir or lab_dir / "manifests"
    python, mounts, _ = host_runtime()
    specs = profile.nodes.resolved()
    unknown = set(only) - {s.name for s in specs}
    if unknown:
        raise InputError(f"--node: no node named {sorted(unknown)} in profile {profile.bench.name!r}; "
                         f"nodes: {[s.name for s in specs]}")
    written = []
    for index, spec in enumerate(specs, start=1):
        assert spec.name is not None
        if (only and spec.name not in only) or spec.pps_replay_file or spec.backend == "external":
            continue
        running = endpoints.get("nodes", {}).get(spec.name, {})
        serial = spec.serial_device or endpoints.get("serial", {}).get(spec.name, {}).get("node") \
            or str(lab_dir / "dev" / f"{spec.name}-node")
        port = int(running["http"].rsplit(":", 1)[1]) if running.get("http") else 0
        launch = NodeLaunch(spec.name, index, serial, node_config(profile, spec, index),
                            lab_dir / "nodes" / spec.name, http_port=port, kernel=running.get("kernel", ""))
        launch.prepare(endpoints)
        path = write_manifest(pod_manifest(launch, spec.image, python, mounts, lab_tag(lab_dir)),
                              out / f"{spec.name}.yaml")
        written.append({"node": spec.name, "path": str(path), "http_port": launch.http_port, "kernel": launch.kernel})
    if as_json:
        print_json({"manifests": written})
    else:
        for w in written:
            console.print(f"{w['node']}: {w['path']} (valid Kubernetes Pod)")
