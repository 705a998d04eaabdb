"""``bench tsn`` commands against a lab state holding a real emulated switch, and the KPI arithmetic."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest

from bench.errors import InputError
from bench.lab.lab import LabState
from bench.lab.switch import SwitchResource
from bench.tsn.kpi import flow_kpis, statistic
from bench.tsn.traffic import CycleRecord


@pytest.fixture(scope="module")
def lab_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("tsncli")
    eps: dict = {}
    res = SwitchResource("switch", d, ports=4, rate_bps=100_000_000, endpoints=eps)
    res.create()
    res.start()
    LabState(profile="tsn", started_utc=datetime.now(UTC).isoformat(), owner_pid=os.getpid(),
             resources=[res.record()], endpoints=eps).save(d)
    yield d
    res.stop()


def bench(lab_dir, *args):
    env = dict(os.environ, HILBENCH_LAB_DIR=str(lab_dir))
    return subprocess.run([sys.executable, "-m", "bench.cli", "tsn", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_run_passes_with_gates_and_fails_without(lab_dir):
    ok = bench(lab_dir, "run", "--cycles", "100", "--json")
    assert ok.returncode == 0, ok.stderr
    doc = json.loads(ok.stdout)
    assert doc["passed"] and doc["kpis"]["deadline_adherence_pct"] == 100.0
    bad = bench(lab_dir, "run", "--cycles", "100", "--no-gates")
    assert bad.returncode == 1, bad.stderr
    assert "FAIL" in bad.stdout


def test_status_json_and_secrets_stay_out_of_state_and_logs(lab_dir):
    st = bench(lab_dir, "status", "--json")
    assert st.returncode == 0, st.stderr
    ports = json.loads(st.stdout)["ports"]
    assert [p["port"] for p in ports] == ["port1", "port2", "port3", "port4"]
    password = (lab_dir / "switch" / "netconf.password").read_text().strip()
    assert (lab_dir / "switch" / "netconf.password").stat().st_mode & 0o077 == 0
    for f in [lab_dir / "state.json", lab_dir / "switch" / "switch.log", lab_dir / "switch" / "config.json"]:
        assert password not in f.read_text()
    assert password not in st.stdout


def test_no_switch_in_lab_is_exit_2(tmp_path):
    r = bench(tmp_path, "status")
    assert r.returncode == 2
    assert "no lab is up" in r.stderr + r.stdout


def rec(k, arrival, send=0, deadline=100):
    return CycleRecord("f", k, send, deadline, None if arrival is None else arrival - 1, arrival)


def test_kpis_from_records():
    recs = [rec(0, 40), rec(1, 60), rec(2, None), rec(3, None), rec(4, 150), rec(5, None), rec(6, 90)]
    k = flow_kpis("f", recs)
    assert (k.cycles, k.received, k.frames_lost, k.deadline_met) == (7, 4, 3, 3)
    assert k.deadline_adherence_pct == pytest.approx(300 / 7)
    assert (k.latency_min_ns, k.latency_p50_ns, k.latency_max_ns, k.jitter_ns) == (40, 60, 150, 110)
    assert k.latency_p99_ns == 150
    assert (k.longest_outage_cycles, k.first_outage_cycle) == (2, 2)
    assert statistic(k, "frames_lost") == 3
    with pytest.raises(InputError, match="unknown TSN statistic"):
        statistic(k, "mtie")
    with pytest.raises(InputError, match="no cycles recorded"):
        flow_kpis("f", [])


def test_flow_kpis_feed_the_kpi_engine():
    import numpy as np

    from bench.analysis.kpi import KpiInput, evaluate
    from bench.profile.models import KpiSpec

    good = flow_kpis("f", [rec(0, 40), rec(1, 60)])
    late = flow_kpis("f", [rec(0, 40), rec(1, 160)])
    spec = KpiSpec(statistic="deadline_adherence", threshold=100, unit="%", direction="min")
    p99 = KpiSpec(statistic="latency_p99", threshold=100, unit="ns")

    def judge(s, k):
        return evaluate(s, "tsn", KpiInput("node1", np.array([], dtype=np.int64), np.array([]), extra=k.extras()))

    assert judge(spec, good).verdict == "PASS"
    assert judge(spec, late).verdict == "FAIL"
    assert judge(p99, late).value == 160
    assert judge(spec, flow_kpis("f", [rec(0, None)])).verdict == "FAIL"  # all lost: 0 % adherence
