"""`bench run` end to end: exit codes, a complete run directory, negative controls, Ctrl-C."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bench.profile.loader import BUILTIN_DIR
from bench.store import read_samples

pytestmark = pytest.mark.slow


def bench_run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench.cli", "run", *args], capture_output=True, text=True,
                          timeout=timeout)


def lab_processes(run_dir: Path) -> list[psutil.Process]:
    """Processes (not zombies) whose command line points into the run's lab directory."""
    out = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        try:
            if proc.info["status"] != psutil.STATUS_ZOMBIE and str(run_dir) in " ".join(proc.info["cmdline"] or []):
                out.append(proc)
        except psutil.NoSuchProcess:
            continue
    return out


def test_emulated_run_passes_and_leaves_a_complete_directory(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    proc = bench_run("--run-dir", str(run_dir), "--json", "--history-url", f"sqlite:///{tmp_path}/h.sqlite")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = json.loads(proc.stdout[proc.stdout.index("{\n"):])
    assert out["verdict"] == "PASS" and out["exit_code"] == 0
    for name in ("profile.json", "environment.json", "events.jsonl", "samples.csv", "kpi_results.json",
                 "tests.json", "junit.xml", "summary.json", "report.pdf"):
        assert (run_dir / name).is_file(), f"{name} missing from the run directory"
    samples = read_samples(run_dir)
    assert set(samples["node"]) == {"node1", "node2"}
    assert len(samples) > 2 * 2000
    kpis = json.loads((run_dir / "kpi_results.json").read_text())
    assert {k["kpi"] for k in kpis} >= {"lock_time", "max_te", "mtie_prtc_a", "tdev_prtc_a", "holdover_drift"}
    assert all(k["verdict"] in ("PASS", "MARGINAL") for k in kpis)
    junit = (run_dir / "junit.xml").read_text()
    assert 'name="seed"' in junit and 'name="idn:gnss"' in junit and "GSG-6" in junit
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["tests"]["passed"] >= 10 and summary["tests"]["failed"] == 0
    assert lab_processes(run_dir) == []


@pytest.mark.parametrize(("profile", "kpi"), [("broken-servo", "lock_time"), ("no-holdover", "holdover_drift")])
def test_negative_controls_fail_naming_the_kpi(tmp_path: Path, profile: str, kpi: str) -> None:
    run_dir = tmp_path / "run"
    proc = bench_run("--profile", profile, "--run-dir", str(run_dir), "--no-report",
                     "--history-url", f"sqlite:///{tmp_path}/h.sqlite")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert f"KPI {kpi} on node1" in proc.stdout
    assert json.loads((run_dir / "summary.json").read_text())["verdict"] == "FAIL"


def test_bad_profile_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[bench]\nname = "x"\n[emulation]\ntime_scale = -3\n')
    proc = bench_run("--profile", str(bad))
    assert proc.returncode == 2
    assert "emulation.time_scale" in proc.stderr and "Traceback" not in proc.stderr


def test_unreachable_instrument_is_exit_2_never_a_pass(tmp_path: Path) -> None:
    profile = tmp_path / "lab.toml"
    profile.write_text(
        '[bench]\nname = "deadlab"\nmode = "lab"\n'
        '[instruments.gnss]\nfamily = "gsg"\naddress = "TCPIP::127.0.0.1::1::SOCKET"\ntimeout_s = 2\n'
        '[instruments.counter]\nfamily = "53230a"\naddress = "TCPIP::127.0.0.1::1::SOCKET"\ntimeout_s = 2\n'
        '[nodes]\ncount = 1\n[nodes.template]\nhttp_url = "http://127.0.0.1:1"\n'
        '[kpis.lock_time]\nseries = "state"\nstatistic = "lock_time"\nthreshold = 60\nunit = "s"\n'
    )
    run_dir = tmp_path / "run"
    proc = bench_run("--profile", str(profile), "--run-dir", str(run_dir), "--no-report", "-k", "cold_start")
    assert proc.returncode == 2, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Connection refused" in proc.stdout and "bench error" in proc.stdout
    assert json.loads((run_dir / "summary.json").read_text())["verdict"] == "ERROR"


def test_ctrl_c_ends_quickly_tears_down_and_keeps_data(tmp_path: Path) -> None:
    slow = tmp_path / "slow.toml"
    text = (BUILTIN_DIR / "emulated.toml").read_text()
    slow.write_text(text.replace('name = "emulated"', 'name = "slow"').replace("time_scale = 1e9", "time_scale = 50.0"))
    run_dir = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "bench.cli", "run", "--profile", str(slow), "--run-dir",
                             str(run_dir), "--no-report", "--history-url", f"sqlite:///{tmp_path}/h.sqlite"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            samples = run_dir / "samples.csv"
            if samples.is_file() and samples.read_text().count("\n") > 200:
                break
            time.sleep(0.2)
        else:
            pytest.fail("no samples were captured within 120 s")
        taken = read_samples(run_dir)
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        proc.wait(timeout=30)
        elapsed = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
    assert elapsed <= 10.0, f"Ctrl-C took {elapsed:.1f} s"
    assert proc.returncode == 130
    assert lab_processes(run_dir) == []
    kept = read_samples(run_dir)
    assert len(kept) >= len(taken)
    assert json.loads((run_dir / "summary.json").read_text())["verdict"] == "INTERRUPTED"


def test_container_nodes_pass_the_smoke_suite_and_leave_nothing(tmp_path: Path) -> None:
    """Three reference nodes in Podman containers lock and pass the smoke KPIs; no container is left."""
    build = subprocess.run([sys.executable, "-m", "bench.cli", "image", "build"], capture_output=True, text=True,
                           timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    run_dir = tmp_path / "run"
    proc = bench_run("--profile", "emulated-podman", "--run-dir", str(run_dir), "--no-report",
                     "--history-url", f"sqlite:///{tmp_path}/h.sqlite")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["nodes"] == ["node1", "node2", "node3"] and summary["verdict"] == "PASS"
    starts = [e for e in map(json.loads, (run_dir / "events.jsonl").read_text().splitlines())
              if e["kind"] == "node_start"]
    assert {e["backend"] for e in starts} == {"podman"} and len(starts) >= 3
    left = subprocess.run(["podman", "ps", "-a", "--format", "{{.Names}}"], capture_output=True, text=True)
    assert not [n for n in left.stdout.split() if "hilbench" in n], left.stdout
    assert lab_processes(run_dir) == []


def test_default_run_directory_under_reports(tmp_path: Path) -> None:
    """Without --run-dir (the README's main job) the run lands in reports/<UTC>-<profile>/."""
    from bench.paths import REPO_ROOT

    before = set((REPO_ROOT / "reports").glob("*-emulated"))
    proc = bench_run("-k", "cold_start", "--no-report", "--json", "--history-url", f"sqlite:///{tmp_path}/h.sqlite")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = json.loads(proc.stdout[proc.stdout.index("{\n"):])
    run_dir = Path(out["run_dir"])
    assert run_dir.parent == REPO_ROOT / "reports" and run_dir not in before
    assert (run_dir / "summary.json").is_file() and (run_dir / "junit.xml").is_file()
