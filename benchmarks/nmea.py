"""Benchmark: the NMEA decoder against bare pynmea2, and the fuzzing campaign's in-process throughput.

Why: the node decodes every byte its receiver sends, and the fuzzing issue asks for >= 1000 examples/s.
This prints (1) sentences/s of ``NmeaDecoder.feed`` (framing + pynmea2 + field validation) and of a bare
``pynmea2.parse(check=True)`` loop on the same sentences, and their ratio — the price of validation —
and (2) examples/s of each fuzzing property in-process (CPU time, so other load on the machine counts
less), and the ratio to the 1000 examples/s target.

Run: .venv/bin/python benchmarks/nmea.py [--examples N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import pynmea2
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bench.nmea import strategies as nst
from bench.nmea.parser import NmeaDecoder
from bench.nmea.properties import PROPERTIES, check_case

TARGET_EXAMPLES_PER_S = 1000.0


def sample_sentences(n: int) -> list[nst.Sentence]:
    out: list[nst.Sentence] = []

    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.one_of(nst.rmc_sentences(), nst.gga_sentences(), nst.zda_sentences(), nst.gns_sentences()))
    def collect(sentence: nst.Sentence) -> None:
        out.append(sentence)

    collect()
    return out


def decoder_ratio(repeat: int = 20) -> None:
    sentences = sample_sentences(500)
    lines = [s.text for s in sentences]
    data = b"".join(s.encode() for s in sentences)
    t0 = time.process_time()
    for _ in range(repeat):
        for line in lines:
            pynmea2.parse(line, check=True)
    bare_s = time.process_time() - t0
    t0 = time.process_time()
    accepted = 0
    for _ in range(repeat):
        decoder = NmeaDecoder(default_date=sentences[0].label.date() if sentences[0].label else None)
        accepted += len(decoder.feed(data))
    ours_s = time.process_time() - t0
    n = repeat * len(lines)
    print(f"sentences: {n}  (accepted by the decoder: {accepted})")
    print(f"  pynmea2.parse(check=True): {n / bare_s:10.0f} sentences/s")
    print(f"  NmeaDecoder.feed:          {n / ours_s:10.0f} sentences/s")
    print(f"  ratio ours/pynmea2 (time): {ours_s / bare_s:.2f}x  (framing + field validation on top of pynmea2)")


def _runner(strategy: st.SearchStrategy[object], examples: int, count: list[int]) -> Callable[[], None]:
    @settings(max_examples=examples, database=None, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(case: object) -> None:
        count[0] += 1
        check_case(case)  # type: ignore[arg-type]

    return run  # type: ignore[no-any-return]


def campaign(examples: int) -> None:
    print(f"fuzzing properties, {examples} examples each, in-process (CPU time):")
    total_n, total_s = 0, 0.0
    for name, strategy in PROPERTIES.items():
        count = [0]
        run = _runner(strategy(), examples, count)
        t0 = time.process_time()
        run()
        elapsed = time.process_time() - t0
        total_n += count[0]
        total_s += elapsed
        rate = count[0] / elapsed
        print(f"  {name:18s} {rate:8.0f} examples/s  ratio to target {rate / TARGET_EXAMPLES_PER_S:.2f}")
    rate = total_n / total_s
    print(f"  {'all':18s} {rate:8.0f} examples/s  ratio to target {rate / TARGET_EXAMPLES_PER_S:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="examples per property")
    args = parser.parse_args()
    decoder_ratio()
    campaign(args.examples)


if __name__ == "__main__":
    main()
