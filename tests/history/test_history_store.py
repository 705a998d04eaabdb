"""Run history: recording runs, regression flagging (direction, window, margin), trends, errors, CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bench.cli.main import main
from bench.history import HistoryError, record_run, trend
from bench.history.regress import MIN_RUNS, judge, noise_sigma, score_of

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def write_run(base: Path, i: int, values: dict[str, float], profile: str = "emulated", window: int = 7,
              margin: float = 0.2, directions: dict[str, str] | None = None, verdict: str = "PASS",
              curve: dict[str, tuple[float, float]] | None = None) -> Path:
    """A minimal finished run directory: summary, KPI results (node1) and the profile's run/KPI settings."""
    run = base / f"{profile}-{i:03d}"
    run.mkdir(parents=True)
    started = T0 + timedelta(days=i)
    directions = directions or {}
    kpis: list[dict[str, Any]] = [
        {"kpi": k, "node": "node1", "statistic": "max_abs" if directions.get(k, "max") == "max" else "min",
         "value": v, "limit": 100.0, "unit": "ns", "verdict": "PASS", "test": f"tests/hil/t.py::test_{k}"}
        for k, v in values.items()
    ]
    for k, (value, limit) in (curve or {}).items():
        kpis.append({"kpi": k, "node": "node1", "statistic": "mtie", "value": value, "limit": limit, "unit": "ns",
                     "verdict": "PASS", "test": "tests/hil/t.py::test_mask", "mask": "G.8272-PRTC-A"})
    (run / "kpi_results.json").write_text(json.dumps(kpis))
    (run / "summary.json").write_text(json.dumps({
        "verdict": verdict, "profile": profile, "started_utc": started.isoformat(),
        "finished_utc": (started + timedelta(minutes=5)).isoformat(), "wall_s": 300.0, "sim_s": 3600.0,
        "seed": i, "git_revision": "abc", "nodes": ["node1"], "regressions": [],
    }))
    (run / "profile.json").write_text(json.dumps({
        "bench": {"name": profile},
        "run": {"regression_window": window, "regression_margin": margin, "history_url": None},
        "kpis": {k: {"statistic": "max_abs", "threshold": 100, "direction": directions.get(k, "max")}
                 for k in values},
    }))
    return run


def test_worse_than_median_by_more_than_margin_is_flagged(tmp_path, db):
    for i, v in enumerate([10.0, 11.0, 9.0, 10.5, 9.5]):
        assert record_run(write_run(tmp_path, i, {"max_te": v}), url=db) == []
    # median of the 5 earlier runs = 10.0; +20 % allowed; 12.5 is 25 % worse
    regs = record_run(write_run(tmp_path, 5, {"max_te": 12.5}), url=db)
    assert [(r.kpi, r.node) for r in regs] == [("max_te", "node1")]
    r = regs[0]
    assert r.baseline_median == pytest.approx(10.0) and r.runs_compared == 5
    assert r.worse_by_fraction == pytest.approx(0.25)
    assert "max_te" in r.message and "25.0 %" in r.message
    assert r.to_dict()["message"] == r.message
    # 11.9 (19 % worse) stays within the margin; a better value is never a regression
    assert record_run(write_run(tmp_path, 6, {"max_te": 11.9}), url=db) == []
    assert record_run(write_run(tmp_path, 7, {"max_te": 2.0}), url=db) == []


def test_direction_min_means_smaller_is_worse(tmp_path, db):
    d = {"adherence": "min"}
    for i in range(4):
        record_run(write_run(tmp_path, i, {"adherence": 100.0}, directions=d), url=db)
    assert record_run(write_run(tmp_path, 4, {"adherence": 150.0}, directions=d), url=db) == []
    regs = record_run(write_run(tmp_path, 5, {"adherence": 70.0}, directions=d), url=db)
    assert [r.direction for r in regs] == ["min"]


def test_mask_kpis_compare_the_fraction_of_the_mask_used(tmp_path, db):
    # worst point moves between τ (limit changes) but the fraction used stays ~0.3: no regression
    for i, (v, lim) in enumerate([(30.0, 100.0), (8.0, 25.0), (31.0, 100.0)]):
        assert record_run(write_run(tmp_path, i, {}, curve={"mtie": (v, lim)}), url=db) == []
    assert record_run(write_run(tmp_path, 3, {}, curve={"mtie": (9.0, 27.0)}), url=db) == []
    regs = record_run(write_run(tmp_path, 4, {}, curve={"mtie": (60.0, 100.0)}), url=db)
    assert len(regs) == 1 and regs[0].score == pytest.approx(0.6)


def test_window_and_margin_come_from_the_profile(tmp_path, db):
    # two old bad runs then four good ones: with a window of 3 only the good ones count
    for i, v in enumerate([50.0, 50.0, 10.0, 10.0, 10.0, 10.0]):
        record_run(write_run(tmp_path, i, {"max_te": v}, window=3), url=db)
    assert len(record_run(write_run(tmp_path, 6, {"max_te": 13.0}, window=3), url=db)) == 1
    # a margin of 50 % tolerates the same value
    assert record_run(write_run(tmp_path, 7, {"max_te": 13.0}, window=3, margin=0.5), url=db) == []


def test_too_little_history_flags_nothing(tmp_path, db):
    for i in range(MIN_RUNS - 1):
        record_run(write_run(tmp_path, i, {"max_te": 10.0}), url=db)
    assert record_run(write_run(tmp_path, MIN_RUNS - 1, {"max_te": 90.0}), url=db) == []


def test_other_profiles_and_later_runs_are_not_compared(tmp_path, db):
    for i in range(4):
        record_run(write_run(tmp_path / "a", i, {"max_te": 50.0}, profile="other"), url=db)
    for i in range(4):
        record_run(write_run(tmp_path / "b", 10 + i, {"max_te": 10.0}), url=db)
    # an older run recorded late is compared only with runs that started before it: none
    assert record_run(write_run(tmp_path / "c", 5, {"max_te": 40.0}), url=db) == []


def test_recording_a_run_twice_replaces_it(tmp_path, db):
    runs = [write_run(tmp_path, i, {"max_te": 10.0, "rms_te": 3.0}) for i in range(3)]
    for r in runs:
        record_run(r, url=db)
    record_run(runs[-1], url=db)
    engine = create_engine(db)
    with engine.connect() as con:
        assert con.execute(text("select count(*) from runs")).scalar_one() == 3
        assert con.execute(text("select count(*) from kpi_values")).scalar_one() == 6
        flagged = con.execute(text("select regressions from runs order by started_utc")).scalars().all()
    engine.dispose()
    assert flagged == [0, 0, 0]


def test_trend_keeps_the_last_runs_per_kpi_oldest_first(tmp_path, db):
    for i in range(6):
        record_run(write_run(tmp_path, i, {"max_te": float(i), "rms_te": 1.0}), url=db)
    pts = trend(db, kpi="max_te", last=4)
    assert [p.value for p in pts] == [2.0, 3.0, 4.0, 5.0]
    assert all(p.kpi == "max_te" and p.node == "node1" for p in pts)
    assert len(trend(db, last=2)) == 4
    assert [p.value for p in trend(db, kpi="max_te", until_utc=T0 + timedelta(days=2))] == [0.0, 1.0, 2.0]
    assert trend(db, profile="nope") == []
    assert pts[-1].to_dict()["started_utc"].endswith("+00:00")


def test_errors_are_typed_and_hide_passwords(tmp_path, db, monkeypatch):
    with pytest.raises(HistoryError, match="no summary.json"):
        (tmp_path / "unfinished").mkdir()
        record_run(tmp_path / "unfinished", url=db)
    with pytest.raises(HistoryError, match="not a directory"):
        record_run(tmp_path / "absent", url=db)
    run = write_run(tmp_path, 0, {"max_te": 1.0})
    with pytest.raises(HistoryError, match="not a SQLAlchemy URL"):
        record_run(run, url="definitely not a url")
    with pytest.raises(HistoryError) as exc:
        record_run(run, url="postgresql+nosuchdriver://bench:s3cret@127.0.0.1:1/hist")
    assert "s3cret" not in str(exc.value) and "***" in str(exc.value)
    with pytest.raises(HistoryError, match="no history database"):
        trend(f"sqlite:///{tmp_path / 'never.sqlite'}")
    (run / "kpi_results.json").write_text('{"a": 1}')
    with pytest.raises(HistoryError, match="list of KPI result objects"):
        record_run(run, url=db)


def test_url_from_environment_then_profile(tmp_path, monkeypatch):
    env_db = tmp_path / "env.sqlite"
    monkeypatch.setenv("HILBENCH_HISTORY_URL", f"sqlite:///{env_db}")
    record_run(write_run(tmp_path, 0, {"max_te": 1.0}), url=None)
    assert env_db.is_file()
    monkeypatch.delenv("HILBENCH_HISTORY_URL")
    run = write_run(tmp_path, 1, {"max_te": 1.0})
    prof = json.loads((run / "profile.json").read_text())
    prof_db = tmp_path / "profile.sqlite"
    prof["run"]["history_url"] = f"sqlite:///{prof_db}"
    (run / "profile.json").write_text(json.dumps(prof))
    record_run(run)
    assert prof_db.is_file()


def test_judge_rule():
    assert judge(13.0, [10.0, 10.0, 10.0], "max", 0.2, 7) == (True, 10.0)
    assert judge(12.0, [10.0, 10.0, 10.0], "max", 0.2, 7) == (False, 10.0)
    assert judge(7.0, [10.0, 10.0, 10.0], "min", 0.2, 7) == (True, 10.0)
    assert judge(None, [10.0, 10.0, 10.0], "max", 0.2, 7) == (False, 10.0)
    assert judge(50.0, [10.0, 10.0], "max", 0.2, 7)[0] is False  # fewer than MIN_RUNS
    assert judge(50.0, [10.0], "max", 0.2, 1)[0] is True  # a window of 1 needs only 1
    assert score_of({"statistic": "mtie", "value": 5.0, "limit": 20.0}) == 0.25
    assert score_of({"statistic": "max_abs", "value": None}) is None
    assert score_of({"statistic": "max_abs", "value": True}) is None


def test_cli_history_json_and_table(tmp_path, db, capsys):
    for i, v in enumerate([10.0, 10.0, 10.0, 20.0]):
        record_run(write_run(tmp_path, i, {"max_te": v}), url=db)
    with pytest.raises(SystemExit) as exc:
        main(["history", "--db", db, "--kpi", "max_te", "--json"])
    assert exc.value.code == 0
    doc = json.loads(capsys.readouterr().out)
    assert [p["value"] for p in doc["points"]] == [10.0, 10.0, 10.0, 20.0]
    assert [p["regression"] for p in doc["points"]] == [False, False, False, True]
    with pytest.raises(SystemExit) as exc:
        main(["history", "--db", db, "--last", "2"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "max_te" in out and "node1" in out
    with pytest.raises(SystemExit) as exc:
        main(["history", "--db", f"sqlite:///{tmp_path / 'none.sqlite'}"])
    assert exc.value.code == 2
    assert "no history database" in capsys.readouterr().err


def test_error_and_interrupted_runs_are_no_baseline(tmp_path, db):
    for i in range(3):
        record_run(write_run(tmp_path, i, {"max_te": 10.0}), url=db)
    for i in range(3, 6):
        record_run(write_run(tmp_path, i, {"max_te": 100.0}, verdict="ERROR"), url=db)
    record_run(write_run(tmp_path, 6, {"max_te": 100.0}, verdict="INTERRUPTED"), url=db)
    regs = record_run(write_run(tmp_path, 7, {"max_te": 30.0}), url=db)
    assert len(regs) == 1 and regs[0].baseline_median == 10.0 and regs[0].runs_compared == 3


def test_trend_keeps_profiles_apart(tmp_path, db):
    for i in range(3):
        record_run(write_run(tmp_path / "a", i, {"max_te": 1.0}, profile="emulated"), url=db)
        record_run(write_run(tmp_path / "b", i, {"max_te": 2.0}, profile="nightly"), url=db)
    pts = trend(db, last=2)
    assert sorted((p.profile, p.value) for p in pts) == [("emulated", 1.0)] * 2 + [("nightly", 2.0)] * 2


def test_ordinary_run_to_run_noise_is_not_a_regression(tmp_path, db):
    # max |TE| of a healthy node scatters by ±30 % from night to night: median 10, σ ≈ 3 (MAD 2)
    for i, v in enumerate([10.0, 13.0, 8.0, 12.0, 7.0, 10.0, 14.0]):
        assert record_run(write_run(tmp_path, i, {"max_te": v}), url=db) == []
    # 15 is 50 % over the median but within 3 σ of this KPI's noise: not flagged
    assert record_run(write_run(tmp_path, 7, {"max_te": 15.0}), url=db) == []
    # 25 is far outside: flagged, and the message says which allowance applied
    regs = record_run(write_run(tmp_path, 8, {"max_te": 25.0}), url=db)
    assert len(regs) == 1
    r = regs[0]
    assert r.noise_sigma == pytest.approx(1.4826 * 2.0) and r.noise_sigmas == 3.0
    assert r.allowed_fraction == pytest.approx(3 * 1.4826 * 2.0 / r.baseline_median)
    assert "3 σ of run-to-run noise" in r.message and r.to_dict()["noise_sigma"] == r.noise_sigma


def test_noise_allowance_comes_from_the_profile(tmp_path, db):
    for i, v in enumerate([10.0, 13.0, 8.0, 12.0, 7.0, 10.0, 14.0]):
        record_run(write_run(tmp_path, i, {"max_te": v}), url=db)
    run = write_run(tmp_path, 7, {"max_te": 15.0})
    profile = json.loads((run / "profile.json").read_text())
    profile["run"]["regression_noise_sigmas"] = 0.0  # margin only: the old rule
    (run / "profile.json").write_text(json.dumps(profile))
    assert [r.kpi for r in record_run(run, url=db)] == ["max_te"]
    with pytest.raises(HistoryError, match="noise sigmas"):
        record_run(run, url=db, noise_sigmas=-1.0)


def test_noise_sigma_is_robust_to_one_outlier():
    assert noise_sigma([10.0, 10.0, 10.0, 10.0, 1000.0]) == 0.0
    assert noise_sigma([5.0]) == 0.0
    assert judge(12.5, [10.0, 10.0, 10.0, 10.0, 1000.0], "max", 0.2, 7) == (True, 10.0)
