"""The counter's measurement engine and the phase-file replay, as plain code (no sockets)."""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.emu.counter import CounterEmulator, PhaseReplay, load_phase_file
from bench.emu.counter.device import format_reading
from bench.emu.counter.sequencer import IntervalSequencer
from bench.errors import InputError
from bench.paths import TIMING_DATA_DIR
from drivers.counter_53230a import Counter53230A
from drivers.ppsmeter import PpsMeterConfig, StreamPosition

PS = 10**12


def _sequencer(timeout_s: float | None = 1.2) -> IntervalSequencer:
    seq = IntervalSequencer(lambda k: 0.0)
    for ch in (seq.ch1, seq.ch2):
        ch.auto_level, ch.level_v, ch.impedance_ohm = False, 1.5, 50.0
    seq.timeout_ps = None if timeout_s is None else round(timeout_s * PS)
    return seq


def test_interval_rules_on_a_mixed_sequence() -> None:
    offsets = [300, -200, 150, None, None, 80, -40, 10_000, None, 5]
    seq = _sequencer()
    seq.arm(100)
    readings = []
    for k, off in enumerate(offsets):
        readings += seq.on_step(k, [k * PS], [] if off is None else [k * PS + off])
    got = [(r.start_step, None if math.isnan(r.value_s) else round(r.value_s * PS)) for r in readings]
    assert got == [
        (0, 300),
        (1, PS + 150),  # edge 1 led t_1, so the start at t_1 stops on edge 2
        (3, None),  # edges 3 and 4 missing: timeout at t_3 + 1.2 s, next start t_5
        (5, 80),
        (6, PS + 10_000),  # edge 6 led t_6
        (8, PS + 5),  # edge 8 missing, edge 9 within the 1.2 s timeout
    ]


def test_auto_level_cannot_trigger_on_pps() -> None:
    seq = _sequencer()
    seq.ch2.auto_level = True
    seq.arm(3)
    out = []
    for k in range(6):
        out += seq.on_step(k, [k * PS], [k * PS + 100])
    assert out and all(math.isnan(r.value_s) for r in out)


def test_falling_slope_measures_between_falling_edges() -> None:
    seq = _sequencer()
    seq.ch1.slope = seq.ch2.slope = "NEG"
    seq.arm(2)
    out = []
    for k in range(4):
        out += seq.on_step(k, [k * PS], [k * PS + 777])
    assert [r.value_s for r in out] == [777e-12, 777e-12]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-400_000_000_000, 400_000_000_000)), min_size=5, max_size=40))
def test_driver_attribution_matches_the_emulator(offsets: list[int | None]) -> None:
    """Whatever the node does, the driver's second for each reading is the second of the node edge it hit."""
    seq = _sequencer(1.2)
    seq.arm(1000)
    readings = []
    edges = {}
    for k, off in enumerate(offsets):
        node = [] if off is None else [k * PS + off]
        for e in node:
            edges[e] = k
        readings += seq.on_step(k, [k * PS], node)
    driver = Counter53230A.__new__(Counter53230A)
    driver.config = PpsMeterConfig(measurement_timeout_s=1.2)
    driver._position = StreamPosition(0, 0, 0)
    driver.timeouts_reported = 0
    samples = driver._attribute([r.value_s for r in readings])
    valid = [s for s in samples if s.te_s is not None]
    assert len(valid) == sum(1 for r in readings if not math.isnan(r.value_s))
    for sample, reading in zip(valid, [r for r in readings if not math.isnan(r.value_s)], strict=True):
        stop_ps = reading.start_step * PS + round(reading.value_s * PS)
        assert edges[stop_ps] == sample.second
        assert round(sample.te_s * PS) == stop_ps - sample.second * PS
    seconds = [s.second for s in samples]
    assert seconds == sorted(seconds)


def test_format_reading_is_the_instrument_format() -> None:
    assert format_reading(2.5e-7) == "+2.50000000000000E-007"
    assert format_reading(math.nan) == "+9.91000000000000E+037"
    assert float(format_reading(0.99999972654321)) == 0.99999972654321


def test_replay_reads_the_shared_format(tmp_path: Path) -> None:
    path = tmp_path / "p.txt.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("# comment\n\n2.5e-7\n-1.25e-9  extra-column\n")
    replay = PhaseReplay(path)
    assert replay.edges_ps(0) == [250_000]
    assert replay.edges_ps(1) == [PS - 1_250]
    assert replay.edges_ps(2) == [] and replay.edges_ps(-1) == []
    assert len(load_phase_file(TIMING_DATA_DIR / "gps_1pps_vs_hmaser_phase.txt.gz")) == 241218


@pytest.mark.parametrize(
    "content, match",
    [
        ("# only comments\n", "no values"),
        ("1e-9\nabc\n", r":2: 'abc' is not a phase"),
        ("nan\n", "not finite"),
        ("0.7\n", "within ±0.5 s"),
    ],
)
def test_replay_rejects_bad_files(tmp_path: Path, content: str, match: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(content)
    with pytest.raises(InputError, match=match):
        PhaseReplay(path)


def test_replay_rejects_missing_and_corrupt_gzip(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        PhaseReplay(tmp_path / "nope.txt")
    bad = tmp_path / "bad.txt.gz"
    bad.write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match="cannot read"):
        PhaseReplay(bad)
    with pytest.raises(InputError, match="within"):
        PhaseReplay(TIMING_DATA_DIR / "PHASE.DAT")  # arbitrary units up to ±4.7: not seconds


def test_noise_floor_model_draws_measured_noise() -> None:
    device = CounterEmulator("n", 1, seed=1, noise_model="floor")
    draws = [device._noise_ps(k) for k in range(2000)]
    rms = (sum(d * d for d in draws) / len(draws)) ** 0.5
    assert 3.0 < rms < 30.0  # the measured 53230A floor is ~10 ps
    assert draws == [device._noise_ps(k) for k in range(2000)]  # keyed by k, not by call order
    with pytest.raises(InputError):
        CounterEmulator("n", 1, seed=1, noise_rms_ps=-1.0)
