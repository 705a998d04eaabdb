"""TE capture throughput in accelerated simulated time (target: >= 1000 samples/s per node).

Runs one emulated 53230A per node on its own SCPI socket, a kernel thread that feeds every counter
its reference and node edges as fast as it can (time_scale = "as fast as possible"), and the real
capture loops (pyvisa-py over TCP, R? streaming, SampleWriter). Prints, per node, the samples written
per wall second, the ratio to the target, and the kernel's step rate (the capture cannot beat it).
Every captured row is checked against the node's known offset, so the number counts only right samples.
Run: ``.venv/bin/python benchmarks/capture.py [--nodes N] [--seconds S]``.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from bench.capture import start_captures
from bench.emu.counter import CounterEmulator
from bench.emu.scpi import ScpiServer
from bench.store import EventLog, SampleWriter, read_samples

TARGET_SPS = 1000
PS = 10**12


def offset_ps(node_index: int, k: int) -> int:
    return 200_000 * node_index + (k % 101) * 7 - 350


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--nodes", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=5.0, help="wall seconds to run (default 5)")
    ap.add_argument("--noise-ps", type=float, default=10.0, help="counter noise RMS (default 10 ps)")
    args = ap.parse_args()
    devices = [CounterEmulator(f"node{i}", i, seed=1, noise_rms_ps=args.noise_ps) for i in range(1, args.nodes + 1)]
    servers = [ScpiServer(d).start() for d in devices]
    with tempfile.TemporaryDirectory() as tmp:
        samples, events = SampleWriter(Path(tmp) / "samples.csv"), EventLog(Path(tmp) / "events.jsonl")
        captures = start_captures({d.node: s.visa_address for d, s in zip(devices, servers, strict=True)},
                                  samples, events)
        stop = threading.Event()
        steps = [0]

        def kernel() -> None:
            k = 0
            while not stop.is_set():
                for d in devices:
                    d.on_step(k, [k * PS], [k * PS + offset_ps(d.node_index, k)])
                k += 1
                steps[0] = k

        while any(c.stats.fetches == 0 for c in captures.captures.values()):
            time.sleep(0.01)  # all captures connected and armed
        t0 = time.monotonic()
        thread = threading.Thread(target=kernel, daemon=True)
        thread.start()
        time.sleep(args.seconds)
        stop.set()
        thread.join()
        kernel_s = time.monotonic() - t0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
            c.stats.samples < steps[0] - 2 for c in captures.captures.values()
        ):
            time.sleep(0.02)
        wall_s = time.monotonic() - t0
        captures.stop()
        samples.close()
        df = read_samples(tmp)
        print(f"nodes {args.nodes}, kernel steps {steps[0]} in {kernel_s:.2f} s "
              f"({steps[0] / kernel_s:.0f} steps/s for all nodes), capture done after {wall_s:.2f} s")
        worst = None
        for d in devices:
            rows = df[df["node"] == d.node]
            right = sum(  # the known offset plus this second's counter noise (keyed by k)
                1 for t, te in zip(rows["sim_time_ns"], rows["te_ns"], strict=True)
                if abs(te * 1000 - offset_ps(d.node_index, t // 1_000_000_000) - d._noise_ps(t // 1_000_000_000))
                < 0.01
            )
            rate = right / wall_s
            worst = rate if worst is None else min(worst, rate)
            print(f"  {d.node}: {len(rows)} samples ({right} right), {rate:.0f} samples/s, "
                  f"ratio to target {rate / TARGET_SPS:.2f}")
        print(f"worst node: {worst:.0f} samples/s = {worst / TARGET_SPS:.2f} x target ({TARGET_SPS}/s per node)")
    for s in servers:
        s.close()


if __name__ == "__main__":
    main()
