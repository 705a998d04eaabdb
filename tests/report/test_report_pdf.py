"""The PDF report built from recorded (synthetic) run directories: text, page-1 rendering, missing data."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg
from pypdf import PdfReader

from bench.cli.main import main
from bench.history import record_run
from bench.report import ReportError, build_report, build_report_info
from bench.report.fmt import num
from bench.report.synthetic import write_synthetic_run

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")


@pytest.fixture(autouse=True)
def _own_history(tmp_path, monkeypatch):
    monkeypatch.setenv("HILBENCH_HISTORY_URL", f"sqlite:///{tmp_path / 'history.sqlite'}")


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("runs")
    return {
        "ok": write_synthetic_run(base / "ok", seed=3),
        "bad": write_synthetic_run(base / "bad", seed=4, failing_nodes=("node2",), gap_node="node1", gap_s=30),
        "nosamples": write_synthetic_run(base / "nosamples", seed=5, write_samples=False),
    }


def _copy(run: Path, tmp_path: Path) -> Path:
    dst = tmp_path / run.name
    shutil.copytree(run, dst)
    return dst


def _text(pdf: Path) -> list[str]:
    return [p.extract_text() for p in PdfReader(pdf).pages]


def _page1_png(pdf: Path, tmp_path: Path) -> np.ndarray:
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "40", "-png", str(pdf), str(prefix)], check=True,
                   timeout=60)
    png = next(tmp_path.glob("page*.png"))
    return mpimg.imread(png)


def test_passing_report_holds_verdict_and_every_kpi_row(runs, tmp_path):
    run = _copy(runs["ok"], tmp_path)
    pdf = build_report(run)
    assert pdf == run / "report.pdf" and pdf.stat().st_size > 10_000
    pages = _text(pdf)
    cover = pages[0]
    assert "Timing compliance report" in cover
    assert "PASS" in cover.split("Profile")[0], "the verdict must be on the cover above the metadata"
    text = "\n".join(pages)
    kpis = json.loads((run / "kpi_results.json").read_text())
    assert len(kpis) == 18
    flat = text.replace("\n", " ")
    for row in kpis:
        assert row["kpi"] in text
        assert num(row["value"], row["unit"]) in flat, f"measured value of {row['kpi']} on {row['node']} missing"
        assert num(row["limit"], row["unit"]) in flat
    for node in ("node1", "node2"):
        assert f"Node {node}" in text
    assert "FAIL" not in cover.split("Profile")[0]
    for needle in ("ITU-T G.8272 PRTC-A", "53230A", "GSG-6", "Seed", "Git revision", "Events timeline",
                   "Appendix A — tests", "test_cable_delay_shows_in_te", "Appendix B — resolved profile",
                   "Appendix C — environment", "Trend over the last 14 runs"):
        assert needle in text, needle


def test_page1_renders_and_is_not_blank(runs, tmp_path):
    pdf = build_report(_copy(runs["ok"], tmp_path))
    img = _page1_png(pdf, tmp_path)
    assert img.ndim == 3 and img.shape[0] > 300
    gray = img[..., :3].mean(axis=2)
    assert float(gray.std()) > 0.1, "page 1 looks blank"
    # the large verdict box is drawn in the PASS green (#1e7d32)
    green = (np.abs(img[..., 0] - 0x1E / 255) < 0.08) & (np.abs(img[..., 1] - 0x7D / 255) < 0.08) & (
        np.abs(img[..., 2] - 0x32 / 255) < 0.08)
    assert green.mean() > 0.03


def test_failing_run_says_fail_on_the_cover(runs, tmp_path):
    run = _copy(runs["bad"], tmp_path)
    info = build_report_info(run)
    assert info.verdict == "FAIL"
    cover = _text(info.path)[0]
    head = cover.split("Profile")[0]
    assert "FAIL" in head and "PASS" not in head
    img = _page1_png(info.path, tmp_path)
    red = (np.abs(img[..., 0] - 0xC6 / 255) < 0.08) & (np.abs(img[..., 1] - 0x28 / 255) < 0.08)
    assert red.mean() > 0.03
    assert PdfReader(info.path).metadata.title.endswith("FAIL")
    text = "\n".join(_text(info.path))
    assert "over the mask" in text  # node2's MTIE/TDEV points above the mask are reported


def test_summary_claiming_pass_over_failed_kpis_is_shown_as_fail(runs, tmp_path):
    run = _copy(runs["bad"], tmp_path)
    summary = json.loads((run / "summary.json").read_text())
    summary["verdict"] = "PASS"
    (run / "summary.json").write_text(json.dumps(summary))
    kpis = json.loads((run / "kpi_results.json").read_text())
    kpis.append({"kpi": "gcl_deadline_miss", "node": None, "statistic": "extra:misses", "value": 0.0, "limit": 0.0,
                 "unit": "count", "margin": 0.0, "margin_pct": None, "verdict": "PASS", "detail": "",
                 "test": "tests/hil/test_tsn.py::test_deadline"})
    (run / "kpi_results.json").write_text(json.dumps(kpis))
    info = build_report_info(run)
    assert info.verdict == "FAIL"
    pages = _text(info.path)
    assert "summary.json says PASS" in pages[0].replace("\n", " ")
    text = "\n".join(pages)
    assert "Run-wide KPIs (no node)" in text and "gcl_deadline_miss" in text


def test_run_without_samples_says_so_and_never_passes(runs, tmp_path):
    run = _copy(runs["nosamples"], tmp_path)
    info = build_report_info(run)
    assert info.verdict == "FAIL"
    text = "\n".join(_text(info.path)).replace("\n", " ")
    assert "samples.csv is missing" in text
    assert "No time-error data" in text
    assert "No MTIE plot" in text and "No TDEV plot" in text
    assert "NO-DATA" in text


def test_unfinished_run_is_incomplete_not_pass(runs, tmp_path):
    run = _copy(runs["ok"], tmp_path)
    for name in ("summary.json", "tests.json", "kpi_results.json"):
        (run / name).unlink()
    info = build_report_info(run)
    assert info.verdict == "INCOMPLETE"
    text = "\n".join(_text(info.path)).replace("\n", " ")
    assert "no summary.json" in text
    assert "No KPI results were recorded" in text
    assert "tests.json is missing" in text


def test_regressions_and_trend_come_from_the_history(tmp_path):
    db = f"sqlite:///{tmp_path / 'h.sqlite'}"
    from datetime import UTC, datetime, timedelta
    t0 = datetime(2026, 6, 1, 2, tzinfo=UTC)
    last = None
    for i in range(4):
        last = write_synthetic_run(tmp_path / f"r{i}", seed=10 + i, duration_s=3000,
                                   started_utc=t0 + timedelta(days=i), te_scale=3.0 if i == 3 else 1.0)
        regs = record_run(last, url=db)
    assert regs, "a run with 3x the noise must be flagged"
    assert last is not None
    text = "\n".join(_text(build_report(last, history_url=db))).replace("\n", " ")
    assert "REGRESSION" in text
    assert "4 run(s) shown" in text
    # without a history the trend page says so instead of drawing nothing
    other = tmp_path / "elsewhere.sqlite"
    text = "\n".join(_text(build_report(last, history_url=f"sqlite:///{other}"))).replace("\n", " ")
    assert "No trend: no history database" in text
    assert not other.exists(), "building a report must not create a history database"


def test_fonts_are_embedded(runs, tmp_path):
    pdf = build_report(_copy(runs["ok"], tmp_path))
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True, timeout=30).stdout
    rows = out.strip().splitlines()[2:]
    assert rows, out
    for row in rows:
        assert " yes yes " in row, f"font not embedded: {row}"


def test_bad_directories_are_typed_errors(tmp_path):
    with pytest.raises(ReportError, match="no such run directory"):
        build_report(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportError, match="not a run directory"):
        build_report(tmp_path / "empty")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "kpi_results.json").write_text("{not json")
    with pytest.raises(ReportError, match="kpi_results.json: not valid JSON"):
        build_report(bad)


def test_cli_report_json_and_exit_codes(runs, tmp_path, capsys):
    run = _copy(runs["ok"], tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["report", str(run), "--json"])
    assert exc.value.code == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["verdict"] == "PASS" and doc["pages"] >= 6 and doc["size_bytes"] > 10_000
    assert Path(doc["path"]).is_file()
    with pytest.raises(SystemExit) as exc:
        main(["report", str(tmp_path / "nope")])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "no such run directory" in err and "Traceback" not in err
