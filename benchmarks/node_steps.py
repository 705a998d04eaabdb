"""How much faster than real time the reference node's per-step work runs (target: a 1-hour scenario at
time_scale 60 must fit in 90 s wall, i.e. >= 40 simulated seconds per wall second for the whole lab).

Runs the node's logic in-process (real NMEA bytes built with pynmea2 through the team's parser, the
servo and the clock model) for N simulated seconds and prints simulated seconds per wall second and
per CPU second, and the ratio of the per-step cost to the 1 s a real node has for it.
Run: ``.venv/bin/python benchmarks/node_steps.py [--seconds N]``.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pynmea2

from bench.node.config import parse_config
from bench.node.core import ReferenceNode

NS = 1_000_000_000
TARGET_RATIO = 3600 / 90


def second_bytes(when: datetime) -> bytes:
    hhmmss = when.strftime("%H%M%S") + ".00"
    rmc = pynmea2.RMC("GP", "RMC", (hhmmss, "A", "4807.038", "N", "01131.000", "E", "0.0", "0.0",
                                    when.strftime("%d%m%y"), "", "", "A"))
    gga = pynmea2.GGA("GP", "GGA", (hhmmss, "4807.038", "N", "01131.000", "E", "1", "08", "0.9", "545.4", "M",
                                    "46.9", "M", "", ""))
    zda = pynmea2.ZDA("GP", "ZDA", (hhmmss, when.strftime("%d"), when.strftime("%m"), when.strftime("%Y"),
                                    "00", "00"))
    return b"".join(str(s).encode() + b"\r\n" for s in (rmc, gga, zda))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=int, default=3600, help="simulated seconds to run (default 3600)")
    args = ap.parse_args()
    start = datetime(2026, 6, 1, tzinfo=UTC)
    node = ReferenceNode("bench", parse_config({"seed": 1, "node_index": 0, "start_utc": start.isoformat()}))
    rng = np.random.default_rng(1)
    data = [second_bytes(start + timedelta(seconds=k)) for k in range(args.seconds)]
    edges = [k * NS + int(rng.integers(-2, 3)) for k in range(args.seconds)]
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for k in range(args.seconds):
        node.step(k, k * NS, [edges[k]], data[k])
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(f"node steps: {args.seconds} simulated s in {wall:.3f} s wall ({cpu:.3f} s CPU); final state "
          f"{node.servo.state.value}")
    print(f"simulated s per wall s: {args.seconds / wall:,.0f}  (ratio to the lab's need of {TARGET_RATIO:.0f}: "
          f"{args.seconds / wall / TARGET_RATIO:,.0f}x)")
    print(f"per-step cost: {wall / args.seconds * 1e6:.1f} us = {wall / args.seconds:.2e} of the 1 s a real node has")


if __name__ == "__main__":
    main()
