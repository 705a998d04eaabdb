"""Container nodes in the emulated lab: three Podman nodes lock to GNSS; `lab down` from another shell and
Ctrl-C leave no container, pod, process or socket behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bench.lab import Lab, LabState
from bench.lab.resource import pid_alive
from bench.nodes.resources import node_start_timings
from bench.profile.loader import parse_profile
from drivers.gnss import open_gnss_simulator
from tests.nodes.podman_env import TEST_IMAGE, hilbench_containers, lab_dir, podman_service  # noqa: F401

REPO = Path(__file__).resolve().parents[2]


def _profile_dict(count: int) -> dict:
    return {
        "bench": {"name": "podman-nodes"},
        "emulation": {"time_scale": 1e9, "start_utc": "2026-06-01T00:00:00Z"},
        "instruments": {"gnss": {"family": "gsg", "options": {"join_wait_s": 20}}},
        "nodes": {"count": count, "template": {"backend": "podman", "image": TEST_IMAGE}},
    }


def _leftovers(state_resources: list) -> list[str]:
    out = list(hilbench_containers())
    for rs in state_resources:
        for key in ("socket",):
            if rs.data.get(key) and Path(rs.data[key]).exists():
                out.append(rs.data[key])
        if rs.data.get("pid") and pid_alive(rs.data["pid"], rs.data.get("pid_create_time")):
            out.append(f"{rs.kind} pid {rs.data['pid']}")
    pods = subprocess.run(["podman", "pod", "ps", "--format", "{{.Name}}"], capture_output=True, text=True).stdout
    out += [p for p in pods.split() if p.startswith("hilbench-")]
    return out


@pytest.mark.slow
def test_three_container_nodes_lock_to_gnss(lab_dir, podman_service):  # noqa: F811
    lab = Lab(parse_profile(_profile_dict(3), Path("inline")), lab_dir)
    state = lab.up()
    try:
        kinds = [r.kind for r in state.resources]
        assert kinds.count("node_podman") == 3 and "podman_service" in kinds
        nodes = state.endpoints["nodes"]
        assert sorted(nodes) == ["node1", "node2", "node3"] and {n["backend"] for n in nodes.values()} == {"podman"}
        timings = node_start_timings(state.resources)
        assert len(timings) == 3 and all(t.create_to_healthy_s < 10 for t in timings)
        with open_gnss_simulator("gsg", state.endpoints["gnss"]["address"], 5) as gsg:
            gsg.start()
            deadline = time.monotonic() + 90
            while gsg.sim_step() < 120 and time.monotonic() < deadline:
                time.sleep(0.1)
            states = {n: json.loads(urllib.request.urlopen(e["http"] + "/state", timeout=5).read())
                      for n, e in nodes.items()}
            gsg.stop()
        assert {s["state"] for s in states.values()} == {"locked"}, states
        assert all(abs(s["offset_ns"]) < 100 for s in states.values())
    finally:
        lab.down()
    assert _leftovers(state.resources) == []


def _run(args: list[str], env: dict[str, str], timeout_s: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench.cli", *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=timeout_s)


@pytest.mark.slow
def test_lab_down_from_another_shell_and_ctrl_c_leave_nothing(tmp_path, lab_dir, podman_service):  # noqa: F811
    import tomllib  # noqa: F401 - the profile below is TOML

    profile = tmp_path / "p.toml"
    profile.write_text(
        '[bench]\nname = "podman-nodes"\n[instruments.gnss]\nfamily = "gsg"\n'
        f'[nodes]\ncount = 2\n[nodes.template]\nbackend = "podman"\nimage = "{TEST_IMAGE}"\n')
    env = {**os.environ, "HILBENCH_LAB_DIR": str(lab_dir)}
    up = _run(["lab", "up", "--profile", str(profile), "--json"], env)
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout)["healthy"] is True
    state = LabState.load(lab_dir)
    assert state is not None and len(hilbench_containers()) >= 2
    status = _run(["lab", "status", "--json"], env)
    assert status.returncode == 0 and json.loads(status.stdout)["healthy"] is True
    down = _run(["lab", "down", "--json"], env)
    assert down.returncode == 0, down.stderr
    assert _leftovers(state.resources) == []

    # Ctrl-C while a lab is running in a bench process: everything is torn down
    script = ("import sys,time; from pathlib import Path; from bench.lab import Lab; "
              "from bench.profile import load_profile; lab = Lab(load_profile(sys.argv[1]), Path(sys.argv[2]))\n"
              "with lab.running():\n    print('up', flush=True)\n    time.sleep(120)\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(profile), str(lab_dir)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
        state = LabState.load(lab_dir)
        assert state is not None
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _leftovers(state.resources) == []
    assert not (lab_dir / "state.json").exists()
