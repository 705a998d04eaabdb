"""A stand-alone counter emulator with its own simulated clock: ``python -m bench.emu.counter ...``.

Why: the lab runs counters inside the lab server, fed by the kernel; this entry point runs one counter
alone — its reference PPS at exact seconds and its node PPS from a phase file or a fixed offset — as a
process that tests and benchmarks can kill and restart, and that a user can point a driver at to try
it. Prints ``READY <VISA address>`` once it serves.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from bench.emu.counter.device import CounterEmulator
from bench.emu.counter.replay import PS_PER_S, PhaseReplay
from bench.emu.scpi import ScpiServer
from bench.errors import BenchError


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.emu.counter", description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = any free one)")
    ap.add_argument("--node", default="node1")
    ap.add_argument("--node-index", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--noise-ps", type=float, default=10.0, help="counter noise RMS in ps")
    ap.add_argument("--replay", help="phase file (seconds per line) for the node PPS")
    ap.add_argument("--offset-ns", type=float, default=0.0, help="fixed node PPS offset if no --replay")
    ap.add_argument("--start-k", type=int, default=0, help="first simulated second to run")
    ap.add_argument("--steps-per-s", type=float, default=1.0, help="simulated seconds per wall second")
    args = ap.parse_args(argv)
    try:
        device = CounterEmulator(args.node, args.node_index, args.seed, args.noise_ps)
        replay = PhaseReplay(args.replay) if args.replay else None
        server = ScpiServer(device, port=args.port).start()
    except (BenchError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    offset_ps = round(args.offset_ns * 1000)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"READY {server.visa_address}", flush=True)
    start_wall = time.monotonic()
    k = args.start_k
    try:
        while not stop.is_set():
            node = replay.edges_ps(k) if replay is not None else [k * PS_PER_S + offset_ps]
            device.on_step(k, [k * PS_PER_S], node)
            k += 1
            due = start_wall + (k - args.start_k) / args.steps_per_s
            stop.wait(max(0.0, due - time.monotonic()))
    except KeyboardInterrupt:
        pass
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
