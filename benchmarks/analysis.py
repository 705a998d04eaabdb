"""Benchmark: bench.analysis MTIE / TDEV / OADEV against allantools, plus a 10⁷-sample run.

Why: the analysis must be fast enough for day-long captures at every τ. This prints, on the same data
in one run, time ratios (allantools time / ours) for MTIE, TDEV and OADEV at octave τ on the
241 218-sample GPS file and on 10⁶ synthetic samples, checks that both give the same numbers, and
times MTIE + TDEV at octave τ on 10⁶ and 10⁷ samples in fresh processes with their peak RSS.

allantools' MTIE is O(N·n) per τ, hours at 10⁶ samples and large τ, so it is timed on the octave τ
up to a cut-off (printed) and compared with our time on exactly those τ.

Run: .venv/bin/python benchmarks/analysis.py [--quick]
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

from bench.analysis import mtie, oadev, tdev
from bench.paths import TIMING_DATA_DIR

GPS_FILE = TIMING_DATA_DIR / "gps_1pps_vs_hmaser_phase.txt.gz"
TARGET_MTIE_RATIO_1E6 = 50.0


def best_time(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def synthetic(n: int, seed: int = 1) -> np.ndarray:
    """Phase in seconds: white PM (2 ns) plus random-walk FM wander, like a disciplined PPS."""
    rng = np.random.default_rng(seed)
    wander = np.cumsum(rng.standard_normal(n) * 1e-12)
    return rng.standard_normal(n) * 2e-9 + wander


def load_gps() -> np.ndarray:
    with gzip.open(GPS_FILE, "rt") as fh:
        return np.array([float(ln) for ln in fh if ln.strip() and not ln.startswith("#")])


def compare(label: str, x: np.ndarray, mtie_max_n: int, repeat: int) -> dict[str, float]:
    import allantools

    print(f"\n== {label}: {x.size:,} samples")
    rows = {}
    # TDEV, octave τ
    taus_t, ours_t = tdev(x, 1.0, "octave")
    t_ours = best_time(lambda: tdev(x, 1.0, "octave"), repeat)
    t_ref = best_time(lambda: allantools.tdev(x, rate=1.0, data_type="phase", taus=taus_t), repeat)
    _, ref_t, _, _ = allantools.tdev(x, rate=1.0, data_type="phase", taus=taus_t)
    rows["tdev"] = t_ref / t_ours
    print(f"TDEV  octave ({taus_t.size} τ): ours {t_ours * 1e3:9.1f} ms  allantools {t_ref * 1e3:9.1f} ms  "
          f"ratio {t_ref / t_ours:7.1f}×  max rel diff {np.max(np.abs(ours_t[:ref_t.size] / ref_t - 1)):.1e}")
    # OADEV, octave τ
    taus_a, ours_a = oadev(x, 1.0, "octave")
    t_ours = best_time(lambda: oadev(x, 1.0, "octave"), repeat)
    t_ref = best_time(lambda: allantools.oadev(x, rate=1.0, data_type="phase", taus=taus_a), repeat)
    _, ref_a, _, _ = allantools.oadev(x, rate=1.0, data_type="phase", taus=taus_a)
    rows["oadev"] = t_ref / t_ours
    print(f"OADEV octave ({taus_a.size} τ): ours {t_ours * 1e3:9.1f} ms  allantools {t_ref * 1e3:9.1f} ms  "
          f"ratio {t_ref / t_ours:7.1f}×  max rel diff {np.max(np.abs(ours_a[:ref_a.size] / ref_a - 1)):.1e}")
    # MTIE: ours on all octave τ; allantools on octave τ up to mtie_max_n, and ours on the same τ
    taus_m, _ = mtie(x, 1.0, "octave")
    t_full = best_time(lambda: mtie(x, 1.0, "octave"), repeat)
    sub = taus_m[taus_m <= mtie_max_n]
    _, ours_m = mtie(x, 1.0, sub)
    t_ours = best_time(lambda: mtie(x, 1.0, sub), repeat)
    t0 = time.perf_counter()
    _, ref_m, _, _ = allantools.mtie(x, rate=1.0, data_type="phase", taus=sub)
    t_ref = time.perf_counter() - t0
    rows["mtie"] = t_ref / t_ours
    same = np.array_equal(ours_m[:ref_m.size], ref_m)
    print(f"MTIE  octave τ ≤ {mtie_max_n} s ({sub.size} τ; allantools is O(N·n), larger τ not timed): "
          f"ours {t_ours * 1e3:9.1f} ms  allantools {t_ref * 1e3:9.1f} ms  ratio {t_ref / t_ours:7.1f}×  "
          f"identical values: {same}")
    # allantools' cost per τ is ∝ (N − n)(n + 1) element visits: scale the measured time to all octave τ
    work = (x.size - taus_m) * (taus_m + 1)
    est_ref = t_ref * work.sum() / work[taus_m <= mtie_max_n].sum()
    print(f"MTIE  all {taus_m.size} octave τ (up to {taus_m[-1]:g} s): ours {t_full * 1e3:.1f} ms; allantools "
          f"would take ≈ {est_ref:.0f} s (estimate from its O(N·n) cost, not measured) ≈ {est_ref / t_full:.0f}×")
    return rows


def child(n: int, repeat: int) -> None:
    """Time MTIE and TDEV at octave τ on n synthetic samples (best of ``repeat``); print JSON with peak RSS."""
    x = synthetic(n, seed=7)
    t_mtie = best_time(lambda: mtie(x, 1.0, "octave"), repeat)
    t_tdev = best_time(lambda: tdev(x, 1.0, "octave"), repeat)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"n": n, "seconds": t_mtie + t_tdev, "mtie_s": t_mtie, "tdev_s": t_tdev,
                      "peak_rss_gib": peak_kib / 2**20,
                      "mtie_taus": int(np.log2(n - 1)) + 1, "tdev_taus": int(np.log2(n // 3)) + 1}))


def run_child(n: int, repeat: int) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", str(n), "--repeat", str(repeat)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats and smaller allantools MTIE τ cut-off")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=0, help="timing repeats (best of); default 3, --quick 1")
    args = ap.parse_args()
    repeat = args.repeat or (1 if args.quick else 3)
    if args.child:
        child(args.child, repeat)
        return
    ratios = {}
    if GPS_FILE.is_file():
        ratios["gps"] = compare("GPS 1PPS vs H-maser (measured)", load_gps(), 1024 if args.quick else 4096, repeat)
    else:
        print(f"(skipped: {GPS_FILE} not present)")
    ratios["1e6"] = compare("synthetic 10⁶", synthetic(1_000_000), 1024 if args.quick else 16384, repeat)

    print(f"\n== MTIE + TDEV, octave τ, fresh process each, best of {repeat} (peak RSS includes data and Python)")
    small, big = run_child(1_000_000, repeat), run_child(10_000_000, max(1, repeat - 1))
    for r in (small, big):
        print(f"{r['n']:>11,} samples: {r['seconds']:7.3f} s (MTIE {r['mtie_s']:.3f} s, {r['mtie_taus']} τ; "
              f"TDEV {r['tdev_s']:.3f} s, {r['tdev_taus']} τ)  peak RSS {r['peak_rss_gib']:.2f} GiB")
    scale = big["seconds"] / small["seconds"]
    print(f"10⁷ / 10⁶: MTIE {big['mtie_s'] / small['mtie_s']:.1f}×, TDEV {big['tdev_s'] / small['tdev_s']:.1f}× "
          f"(10⁷ has {big['tdev_taus'] - small['tdev_taus']} more TDEV τ, each O(N))")

    print("\n== targets")
    m = ratios["1e6"]["mtie"]
    verdict = "OK" if m >= TARGET_MTIE_RATIO_1E6 else "MISS"
    print(f"MTIE at 10⁶ ≥ {TARGET_MTIE_RATIO_1E6:g}× allantools: {m:.0f}×  {verdict}")
    for key in ("tdev", "oadev"):
        worst = min(r[key] for r in ratios.values())
        print(f"{key.upper()} no slower than allantools: worst ratio {worst:.2f}×  {'OK' if worst >= 1 else 'MISS'}")
    print(f"10⁷ MTIE+TDEV within 10× the 10⁶ time: {scale:.1f}×  {'OK' if scale <= 10 else 'MISS'}")
    print(f"10⁷ peak RSS < 4 GiB: {big['peak_rss_gib']:.2f} GiB  {'OK' if big['peak_rss_gib'] < 4 else 'MISS'}")


if __name__ == "__main__":
    main()
