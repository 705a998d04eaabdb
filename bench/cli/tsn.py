"""``bench tsn status|run``: look at the lab's TSN switch and run the deadline check through it.

Why: a user bringing up the emulated lab (or pointing a profile at a real switch) needs a quick
answer to "is the switch configured as I think, and does critical traffic meet its deadline under
load?" without writing a test. ``run`` exits 0 when every cycle met its deadline, 1 when not (a
KPI failed), 2 when the bench could not run (no switch, NETCONF refused the schedule, ...).
"""

from __future__ import annotations

from typing import Any

import click

from bench.cli._output import console, print_json
from bench.errors import LabError
from bench.lab.lab import LabState, default_lab_dir
from bench.lab.switch import connect_switch
from bench.tsn.kpi import traffic_kpis
from bench.tsn.traffic import CriticalFlow, LoadFlow, TrafficRun
from drivers.tsn_netconf import GateControlEntry, GateControlList


def _endpoint(name: str) -> dict[str, Any]:
    state = LabState.load(default_lab_dir())
    if state is None:
        raise LabError(f"no lab is up in {default_lab_dir()}; run `bench lab up` first")
    ep = state.endpoints.get(name)
    if not isinstance(ep, dict) or "netconf_port" not in ep:
        raise LabError(f"the lab in {default_lab_dir()} has no TSN switch named {name!r} "
                       "(the profile needs an instrument with family \"netconf\")")
    return ep


@click.group("tsn")
def command() -> None:
    """The TSN switch: status, and a deadline check with best-effort load."""


@command.command("status")
@click.option("--switch", "name", default="switch", show_default=True, help="switch endpoint name in the lab")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def status(name: str, as_json: bool) -> None:
    """Port state, gate schedule and counters of every switch port."""
    ep = _endpoint(name)
    with connect_switch(ep) as sw:
        rows = []
        for port in sw.interfaces():
            st = sw.status(port)
            gcl = sw.gate_control_list(port, oper=True)
            rows.append({"port": port, "enabled": st.enabled, "oper_up": st.oper_up,
                         "gates": [[e.gate_states, e.interval_ns] for e in gcl.entries] if gcl.enabled else "all open",
                         "cycle_ns": gcl.cycle_time_ns if gcl.enabled else None,
                         "in_frames": st.in_frames, "out_frames": st.out_frames, "out_discards": st.out_discards,
                         "lost_frames": st.lost_frames, "sim_time_ns": st.current_time_ns})
    if as_json:
        print_json({"switch": name, "ports": rows})
        return
    for r in rows:
        console.print(f"{r['port']}: {'up' if r['oper_up'] else 'DOWN'} gates={r['gates']} in={r['in_frames']} "
                      f"out={r['out_frames']} discards={r['out_discards']} lost={r['lost_frames']}")


@command.command("run")
@click.option("--switch", "name", default="switch", show_default=True)
@click.option("--cycles", default=200, show_default=True, type=click.IntRange(1))
@click.option("--cycle-ns", default=1_000_000, show_default=True, type=click.IntRange(1))
@click.option("--deadline-ns", default=50_000, show_default=True, type=click.IntRange(1))
@click.option("--window-ns", default=30_000, show_default=True, type=click.IntRange(1),
              help="exclusive class-7 window at each cycle start")
@click.option("--load", "load_share", default=0.9, show_default=True, type=click.FloatRange(0, 1),
              help="best-effort share of line rate (0: none)")
@click.option("--gates/--no-gates", default=True, show_default=True, help="--no-gates: negative control")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def run(name: str, cycles: int, cycle_ns: int, deadline_ns: int, window_ns: int, load_share: float, gates: bool,
        as_json: bool) -> None:
    """Critical frames port1 -> port2 each cycle, best-effort load port3 -> port2; exit 1 on a missed deadline."""
    ep = _endpoint(name)
    if len(ep["udp_ports"]) < 3:
        raise LabError(f"switch {name} has {len(ep['udp_ports'])} ports; the check needs 3")
    if window_ns >= cycle_ns:
        raise click.BadParameter(f"--window-ns {window_ns} must be shorter than --cycle-ns {cycle_ns}")
    names = ep["port_names"]
    with connect_switch(ep) as sw:
        sw.reset_ports(names[:3])
        if gates:
            sw.set_gate_control_list(names[1], GateControlList(
                (GateControlEntry(0x80, window_ns), GateControlEntry(0x7F, cycle_ns - window_ns)), cycle_ns))
    tr = TrafficRun(ep["udp_ports"], cycle_ns=cycle_ns, deadline_ns=deadline_ns, link_rate_bps=ep["rate_bps"])
    tr.add_critical(CriticalFlow("critical", 1, 2, "02:00:00:00:00:01", "02:00:00:00:00:02"))
    if load_share > 0:
        tr.add_load(LoadFlow("best-effort", 3, 2, "02:00:00:00:00:03", "02:00:00:00:00:02", share=load_share,
                             frame_len=500))
    k = traffic_kpis(tr.run(cycles))["critical"]
    passed = k.deadline_adherence_pct == 100.0
    if as_json:
        print_json({"passed": passed, "gates": gates, "load_share": load_share, "kpis": k.as_dict()})
    else:
        console.print(f"deadline adherence {k.deadline_adherence_pct:.2f} % over {k.cycles} cycles; latency "
                      f"p50 {k.latency_p50_ns} ns, p99 {k.latency_p99_ns} ns, max {k.latency_max_ns} ns; "
                      f"jitter {k.jitter_ns} ns; lost {k.frames_lost} -> {'PASS' if passed else 'FAIL'}")
    if not passed:
        raise SystemExit(1)
