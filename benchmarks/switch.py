"""Forwarding rate of the emulated TSN switch (target: >= 20 000 frames/s on a 2-core machine).

Starts the switch as the lab does (its own process), attaches tunnel endpoints, and pushes
minimum-size frames at line rate from two ports to two others through an 802.1Qbv schedule, one
simulated cycle per window. Prints frames/s of wall time (end to end, the traffic endpoints share
the machine), frames per CPU-second of the switch process alone, and the ratios to the target and
to real time. Run: ``.venv/bin/python benchmarks/switch.py [--cycles N]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import psutil

from bench.lab.switch import SwitchResource, connect_switch
from bench.tsn.traffic import CriticalFlow, LoadFlow, TrafficRun
from drivers.tsn_netconf import GateControlEntry, GateControlList

TARGET_FPS = 20_000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cycles", type=int, default=40, help="1 ms cycles to simulate (default 40)")
    ap.add_argument("--rate-bps", type=int, default=1_000_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        res = SwitchResource("bench-switch", Path(tmp), ports=4, rate_bps=args.rate_bps)
        res.create()
        res.start()
        try:
            sw = connect_switch(res.endpoint)
            gcl = GateControlList((GateControlEntry(0x80, 20_000), GateControlEntry(0x7F, 980_000)), 1_000_000)
            for port in ("port2", "port4"):
                sw.set_gate_control_list(port, gcl)
            sw.close()
            tr = TrafficRun(res.endpoint["udp_ports"], link_rate_bps=args.rate_bps)
            mac = [f"02:00:00:00:00:0{i}" for i in range(5)]
            tr.add_critical(CriticalFlow("crit", 1, 2, mac[1], mac[2]))
            tr.add_load(LoadFlow("load-a", 3, 2, mac[3], mac[2], share=0.95, frame_len=64))
            tr.add_load(LoadFlow("load-b", 1, 4, mac[1], mac[4], share=0.95, frame_len=64))
            proc = psutil.Process(res.state["pid"])
            cpu0 = sum(proc.cpu_times()[:2])
            t0 = time.perf_counter()
            out = tr.run(args.cycles, drain_cycles=2)
            wall_s = time.perf_counter() - t0
            cpu_s = sum(proc.cpu_times()[:2]) - cpu0
        finally:
            res.stop()
    sent = sum(out.load_sent.values()) + args.cycles
    received = sum(out.load_received.values()) + sum(1 for r in out.records["crit"] if r.arrival_ns is not None)
    sim_s = (out.end_ns - out.start_ns) / 1e9
    fps = received / wall_s
    print(f"frames sent {sent}, forwarded and received {received} in {wall_s:.3f} s wall "
          f"({sim_s * 1e3:.0f} ms simulated)")
    print(f"forwarding rate end to end     : {fps:10.0f} frames/s   ratio to target {fps / TARGET_FPS:5.2f}")
    print(f"switch process alone           : {received / max(cpu_s, 1e-9):10.0f} frames per CPU-second "
          f"({cpu_s:.3f} CPU-s)")
    print(f"simulated time / wall time     : {sim_s / wall_s:10.3f}")


if __name__ == "__main__":
    main()
