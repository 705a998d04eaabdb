"""Reading TE/phase series from the files people bring: phase files, CSVs, and a run's sample store.

Why: ``bench analyze`` should accept what a lab already has — a Stable32-style phase file (seconds,
one per line, ``#`` comments, maybe gzip), a CSV with a time column, or a bench run directory — and
turn each into named series with a known unit and time base. Anything it cannot read with certainty
is an error naming the file, the line or column, and what was expected.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from bench.analysis.errors import AnalysisInputError
from bench.analysis.series import as_series, check_regular, check_tau0, contiguous_segments, infer_tau0_s
from bench.analysis.units import convert, dimension
from bench.store.samples import SAMPLE_COLUMNS, SAMPLES_FILE, read_samples

TIME_COLUMNS = ("sim_time_ns", "time_ns", "t_ns", "time_s", "t_s", "time", "t", "timestamp_s", "timestamp")
VALUE_PREFIXES = ("te", "phase", "x", "tie", "offset", "value")


@dataclass
class PhaseSeries:
    """One series to analyse: phase/TE in seconds every ``tau0_s``; ``note`` says what was assumed or cut."""

    name: str
    x_s: np.ndarray
    tau0_s: float
    t_ns: np.ndarray | None = None
    note: str = ""


def load_series(path: str | Path, tau0_s: float | None = None, unit: str | None = None,
                gaps: str = "error") -> list[PhaseSeries]:
    """Read ``path`` into series. ``gaps``: ``error`` (irregular time base is an error) or ``split``
    (analyse the longest gap-free stretch and say so)."""
    p = Path(path)
    if gaps not in ("error", "split"):
        raise AnalysisInputError(f"--gaps {gaps!r}: one of error, split")
    if not p.exists():
        raise AnalysisInputError(f"{p}: no such file or directory")
    if p.is_dir() or p.name == SAMPLES_FILE:
        return _from_samples(p, tau0_s, gaps)
    first = _first_data_line(p)
    if first.replace(" ", "").split(",") == list(SAMPLE_COLUMNS):
        return _from_samples(p, tau0_s, gaps)
    if "," in first or not _is_number(first.split()[0]):
        return [_from_csv(p, tau0_s, unit, gaps)]
    return [_from_phase_file(p, tau0_s, unit)]


def _open_text(p: Path) -> IO[str]:
    if p.suffix == ".gz":
        return gzip.open(p, "rt", encoding="utf-8", errors="replace")
    return open(p, encoding="utf-8", errors="replace")  # noqa: SIM115


def _first_data_line(p: Path) -> str:
    try:
        with _open_text(p) as fh:
            for line in fh:
                s = line.strip()
                if s and not s.startswith("#"):
                    return s
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise AnalysisInputError(f"{p}: cannot read: {exc}") from None
    raise AnalysisInputError(f"{p}: no data (only comments or blank lines)")


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _from_phase_file(p: Path, tau0_s: float | None, unit: str | None) -> PhaseSeries:
    try:
        df = pd.read_csv(p, comment="#", header=None, sep=r"\s+", dtype=str, skip_blank_lines=True, na_filter=False,
                         compression="infer", engine="c")
    except (OSError, EOFError, ValueError, pd.errors.ParserError) as exc:
        raise AnalysisInputError(f"{p}: not a phase file (one value per line, '#' comments): {exc}") from None
    if df.shape[1] != 1:
        raise AnalysisInputError(f"{p}: phase files hold one value per line; found {df.shape[1]} columns "
                                 f"(use a CSV with a header naming the time and value columns)")
    values = pd.to_numeric(df[0], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(np.isnan(values) & (df[0].str.lower() != "nan").to_numpy())
    if bad.size:
        raise AnalysisInputError(f"{p}: value {int(bad[0]) + 1} ({df[0].iloc[bad[0]]!r}) is not a number")
    factor = convert(1.0, unit or "s", "s")
    x = as_series(values * factor, f"{p}")
    tau0 = check_tau0(tau0_s if tau0_s is not None else 1.0)
    note = "" if unit else "values taken as seconds (phase file convention; --unit to change)"
    return PhaseSeries(p.name, x, tau0, None, note)


def _from_csv(p: Path, tau0_s: float | None, unit: str | None, gaps: str) -> PhaseSeries:
    try:
        df = pd.read_csv(p, comment="#", compression="infer", skipinitialspace=True)
    except (OSError, EOFError, ValueError, pd.errors.ParserError) as exc:
        raise AnalysisInputError(f"{p}: not a readable CSV: {exc}") from None
    cols = {c.strip().lower(): c for c in df.columns.astype(str)}
    tcol = next((cols[c] for c in TIME_COLUMNS if c in cols), None)
    vcols = [c for key, c in cols.items() if c != tcol and key.split("_")[0] in VALUE_PREFIXES]
    if len(vcols) != 1:
        raise AnalysisInputError(
            f"{p}: cannot tell which column is the TE/phase: columns {list(df.columns)}; expected exactly one "
            f"named like te_ns, te_s, phase_s or x (and optionally a time column: {', '.join(TIME_COLUMNS)})"
        )
    vcol = vcols[0]
    vunit = unit or _suffix_unit(vcol)
    if vunit is None:
        raise AnalysisInputError(f"{p}: column {vcol!r} carries no unit; name it e.g. {vcol}_ns or give --unit")
    if dimension(vunit) != "time":
        raise AnalysisInputError(f"{p}: column {vcol!r} unit {vunit!r} is not a time unit")
    values = pd.to_numeric(df[vcol], errors="coerce").to_numpy(dtype=np.float64)
    x = as_series(values * convert(1.0, vunit, "s"), f"{p} column {vcol!r}")
    if tcol is None:
        return PhaseSeries(p.name, x, check_tau0(tau0_s if tau0_s is not None else 1.0), None,
                           "no time column: samples taken as regular")
    tunit = _suffix_unit(tcol) or "s"
    tvals = pd.to_numeric(df[tcol], errors="coerce").to_numpy(dtype=np.float64)
    t = as_series(tvals, f"{p} column {tcol!r}") * convert(1.0, tunit, "ns")
    return _regular(p.name, t.round().astype(np.int64), x, tau0_s, gaps)


def _suffix_unit(column: str) -> str | None:
    suffix = column.strip().rsplit("_", 1)[-1] if "_" in column else ""
    try:
        dimension(suffix)
    except Exception:  # noqa: BLE001 — an unknown suffix just means "no unit"
        return None
    return suffix


def _regular(name: str, t_ns: np.ndarray, x_s: np.ndarray, tau0_s: float | None, gaps: str) -> PhaseSeries:
    if gaps == "error":
        tau0 = check_regular(t_ns, tau0_s, what=f"{name} time base")
        return PhaseSeries(name, x_s, tau0, t_ns)
    tau0 = check_tau0(tau0_s) if tau0_s is not None else infer_tau0_s(t_ns)
    segs = contiguous_segments(t_ns, tau0)
    best = segs[0]
    note = ""
    if len(segs) > 1:
        note = (f"time base has {len(segs) - 1} gap(s); analysed the longest gap-free stretch: samples "
                f"{best.start}…{best.stop - 1} ({best.stop - best.start} of {t_ns.size})")
    return PhaseSeries(name, x_s[best], tau0, t_ns[best], note)


def _from_samples(p: Path, tau0_s: float | None, gaps: str) -> list[PhaseSeries]:
    df = read_samples(p)
    if df.empty:
        raise AnalysisInputError(f"{p}: the sample store holds no samples")
    out = []
    for node, grp in df.groupby("node", sort=True):
        grp = grp.sort_values("sim_time_ns")
        t = grp["sim_time_ns"].to_numpy(dtype=np.int64)
        x = as_series(grp["te_ns"].to_numpy(dtype=np.float64) * 1e-9, f"{p} node {node} te_ns")
        out.append(_regular(str(node), t, x, tau0_s, gaps))
    return out
