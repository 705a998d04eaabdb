"""Profile validation: every kind of bad input gives one clear message and exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.errors import ProfileError
from bench.profile import builtin_profiles, load_profile

GOOD = """
[bench]
name = "t"
mode = "emulated"

[emulation]
seed = 7
time_scale = 10.0

[nodes]
count = 2

[kpis.max_te]
statistic = "max_abs"
threshold = 100
unit = "ns"
"""


def bench_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bench.cli", *args], capture_output=True, text=True, timeout=60)


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "p.toml"
    p.write_text(text)
    return p


def test_builtin_profiles_validate() -> None:
    names = set(builtin_profiles())
    assert {"emulated", "nightly", "lab-example"} <= names
    for name in names:
        p = load_profile(name)
        assert p.bench.name == name
    lab = load_profile("lab-example")
    assert lab.bench.mode == "lab"
    assert any(n.connection and n.connection.startswith("ssh://") for n in lab.nodes.resolved())


def test_good_profile_resolves_nodes(tmp_path: Path) -> None:
    p = load_profile(write(tmp_path, GOOD))
    assert [n.name for n in p.nodes.resolved()] == ["node1", "node2"]
    assert p.emulation.time_scale == 10.0
    assert p.source == (tmp_path / "p.toml").resolve()


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (("[emulation]", "[emulation]\nsede = 3"), "emulation.sede: unknown key"),
        (("seed = 7", 'seed = "seven"'), "emulation.seed: Input should be a valid integer"),
        (("time_scale = 10.0", "time_scale = -1.0"), "emulation.time_scale: Input should be greater than 0"),
        (('mode = "emulated"', 'mode = "lab"\n[instruments.counter]\nfamily = "53230a"'),
         "instruments.counter.address"),
        (('threshold = 100\n', ''), "kpis.max_te: statistic 'max_abs' needs a 'threshold'"),
        (('[bench]\nname = "t"', '[bench]'), "bench.name: required key is missing"),
    ],
    ids=["unknown-key", "wrong-type", "negative-duration", "missing-address", "missing-threshold", "missing-name"],
)
def test_bad_profile_messages(tmp_path: Path, mutation: tuple[str, str], expected: str) -> None:
    old, new = mutation
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = str(info.value)
    assert str(path) in message
    assert expected in message
    proc = bench_cli("profile", "validate", str(path))
    assert proc.returncode == 2
    assert expected in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_negative_run_duration_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "\n[run]\nholdover_s = -5\n")
    with pytest.raises(ProfileError, match=r"run\.holdover_s: Input should be greater than 0"):
        load_profile(path)


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    bad = write(tmp_path, "[bench\nname=")
    proc = bench_cli("profile", "validate", str(bad))
    assert proc.returncode == 2 and "not valid TOML" in proc.stderr
    proc = bench_cli("profile", "validate", str(tmp_path / "nope.toml"))
    assert proc.returncode == 2 and "no such file, and not a built-in profile" in proc.stderr


def test_show_json_is_resolved() -> None:
    import json

    proc = bench_cli("profile", "show", "emulated", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["bench"]["name"] == "emulated"
    assert [n["name"] for n in data["nodes"]["resolved"]] == ["node1", "node2"]
