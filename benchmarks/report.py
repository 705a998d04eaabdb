"""Report build time and size for a run with 10⁶ TE samples, against the issue's budget (≤ 20 s, ≤ 5 MB).

Why: the report is built at the end of every run, nightly ones included; its cost must stay bounded as
runs get longer. Writes a synthetic run (2 nodes × 500 000 s of 1 s samples), records two earlier runs in
a throw-away history so the trend page is drawn, builds the report and prints the ratios to the budget
(< 1.0 is within budget) and where the time went.

    .venv/bin/python benchmarks/report.py [--samples N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.history import record_run
from bench.report import build_report_info
from bench.report.synthetic import write_synthetic_run

BUDGET_S = 20.0
BUDGET_BYTES = 5_000_000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=1_000_000, help="TE samples in total (2 nodes)")
    ap.add_argument("--keep", type=Path, default=None, help="write the run here and keep it")
    ap.add_argument("--profile", action="store_true", help="print the 12 most expensive functions")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        db = f"sqlite:///{base / 'history.sqlite'}"
        t0 = datetime(2026, 6, 1, 2, tzinfo=UTC)
        for i in range(2):
            record_run(write_synthetic_run(base / f"earlier{i}", seed=i, started_utc=t0 + timedelta(days=i)), url=db)
        started = time.perf_counter()
        run = write_synthetic_run(base / "big", seed=7, duration_s=args.samples // 2, failing_nodes=("node2",),
                                  gap_node="node1", gap_s=120, started_utc=t0 + timedelta(days=3))
        write_s = time.perf_counter() - started
        record_run(run, url=db)
        prof = cProfile.Profile() if args.profile else None
        if prof:
            prof.enable()
        info = build_report_info(run, history_url=db)
        if prof:
            prof.disable()
        lines = sum(1 for _ in open(run / "samples.csv", encoding="utf-8")) - 1
        print(f"samples in run:        {lines}")
        print(f"synthetic run written: {write_s:.1f} s (not part of the budget)")
        print(f"report build:          {info.build_s:.2f} s  — ratio to the 20 s budget: {info.build_s / BUDGET_S:.3f}")
        print(f"report size:           {info.size_bytes / 1e6:.2f} MB — ratio to the 5 MB budget: "
              f"{info.size_bytes / BUDGET_BYTES:.3f}")
        print(f"pages:                 {info.pages}; verdict on cover: {info.verdict}")
        if prof:
            pstats.Stats(prof).sort_stats("cumulative").print_stats(12)
        ok = info.build_s <= BUDGET_S and info.size_bytes <= BUDGET_BYTES
        print("within budget" if ok else "OVER BUDGET")


if __name__ == "__main__":
    main()
