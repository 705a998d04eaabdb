"""``bench analyze``: phase files, CSVs and run directories; JSON output; exit codes 0 / 1 / 2."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from bench.analysis import mtie, oadev, tdev
from bench.cli.main import main
from bench.store import SampleWriter
from tests.analysis._data import GPS, TIMING, phase


def run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(["analyze", *argv])
    out = capsys.readouterr()
    return int(info.value.code or 0), out.out, out.err


def write_phase(path, x_s, gz: bool = False):
    text = "# synthetic\n" + "".join(f"{float(v)!r}\n" for v in x_s)
    if gz:
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


def test_phase_file_json_has_the_three_curves(capsys):
    code, out, _ = run(capsys, str(TIMING / "PHASE.DAT"), "--json")
    assert code == 0
    doc = json.loads(out)
    x = phase("PHASE.DAT")
    for key, fn in (("mtie", mtie), ("tdev", tdev), ("adev", oadev)):
        taus, values = fn(x, 1.0)
        assert doc[key] == [[float(t), float(v)] for t, v in zip(taus, values, strict=True)]
    assert doc["samples"] == 1001 and doc["masks"] == [] and doc["passed"] is True


def test_gps_file_against_prtc_a_fails_on_the_cable_offset(capsys):
    code, out, _ = run(capsys, str(TIMING / GPS), "--mask", "G.8272-PRTC-A", "--json", "--taus", "decade")
    assert code == 1
    doc = json.loads(out)
    verdicts = {m["kind"]: m for m in doc["masks"]}
    assert verdicts["max_abs"]["verdict"] == "FAIL"
    assert verdicts["max_abs"]["worst"]["value_s"] == pytest.approx(np.abs(phase(GPS)).max())
    assert [t for t, _ in doc["mtie"]][:4] == [1.0, 2.0, 4.0, 10.0]


def test_clean_synthetic_phase_passes_prtc_a_and_prints_tables(capsys, tmp_path):
    x = np.random.default_rng(5).standard_normal(3000) * 2e-9
    f = write_phase(tmp_path / "clean.txt.gz", x, gz=True)
    code, out, _ = run(capsys, str(f), "--mask", "G.8272-PRTC-A", "--json")
    assert code == 0
    assert {m["verdict"] for m in json.loads(out)["masks"]} == {"PASS"}
    code, out, _ = run(capsys, str(f), "--mask", "G.8272-PRTC-A")
    assert code == 0 and "mask verdicts" in out and "PASS" in out and "all masks passed" in out


def test_run_directory_is_analysed_per_node(capsys, tmp_path):
    rng = np.random.default_rng(2)
    with SampleWriter(tmp_path / "samples.csv") as w:
        for k in range(600):
            w.append("node1", k * 1_000_000_000, float(rng.normal(0, 0.4)), "counter1")
            w.append("node2", k * 1_000_000_000, float(rng.normal(50, 2)), "counter2")
    code, out, _ = run(capsys, str(tmp_path), "--json", "--mask", "G.8272-PRTC-B")
    doc = json.loads(out)
    assert [s["name"] for s in doc["series"]] == ["node1", "node2"]
    assert doc["series"][0]["passed"] and not doc["series"][1]["passed"]
    assert code == 1
    assert doc["series"][1]["stats"]["mean_ns"] == pytest.approx(50, abs=0.5)


def test_csv_with_time_column_gaps_error_or_split(capsys, tmp_path):
    t = np.delete(np.arange(0, 200.0), [50, 51, 52])
    rows = "".join(f"{a},{b}\n" for a, b in zip(t, np.sin(t) * 3, strict=True))
    f = tmp_path / "te.csv"
    f.write_text("time_s,te_ns\n" + rows)
    code, _, err = run(capsys, str(f))
    assert code == 2
    assert "irregular sampling" in err and "sample 49" in err and "split" in err
    code, out, _ = run(capsys, str(f), "--gaps", "split", "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["samples"] == 147 and "gap" in doc["series"][0]["note"]


def test_csv_with_regular_ns_time_base_infers_tau0(capsys, tmp_path):
    f = tmp_path / "te.csv"
    f.write_text("sim_time_ns,te_ns\n" + "".join(f"{k * 500_000_000},{k % 3}\n" for k in range(100)))
    code, out, _ = run(capsys, str(f), "--json")
    assert code == 0 and json.loads(out)["tau0_s"] == 0.5


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("# only a comment\n", (), "no data"),
        ("1e-9\nabc\n3e-9\n", (), "value 2 ('abc') is not a number"),
        ("1e-9\nnan\n3e-9\n", (), "non-finite"),
        ("1e-9 2e-9\n3e-9 4e-9\n", (), "one value per line"),
        ("time,te\n0,1\n1,2\n", (), "carries no unit"),
        ("time,foo\n0,1\n1,2\n", (), "cannot tell which column"),
        ("1e-9\n2e-9\n3e-9\n", ("--taus", "weekly"), "expected one of octave"),
        ("1e-9\n2e-9\n3e-9\n", ("--taus", "1.5"), "not a whole multiple"),
        ("1e-9\n2e-9\n3e-9\n", ("--mask", "G.8272-PRTC-Q"), "unknown mask"),
        ("1e-9\n2e-9\n3e-9\n", ("--tau0", "0"), "positive"),
        ("1e-9\n2e-9\n3e-9\n", ("--unit", "furlong"), "unknown unit 'furlong'"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(capsys, tmp_path, content, args, message):
    f = tmp_path / "in.txt"
    f.write_text(content)
    code, out, err = run(capsys, str(f), *args)
    assert code == 2
    assert err.startswith("error: ") and message in err
    assert "Traceback" not in err + out


def test_missing_file_and_empty_run_dir(capsys, tmp_path):
    code, _, err = run(capsys, str(tmp_path / "nope.txt"))
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2 and "no sample store" in err
