"""The node's modelled clock: phase, steps, corrections, emitted PPS edges, seeded wander and noise."""

from __future__ import annotations

import numpy as np
import pytest

from bench.node.clock import NS_PER_S, ModelledClock, node_rng
from bench.profile.models import OscillatorModel


def quiet(freq_ppb: float = 0.0, phase_ns: float = 0.0) -> OscillatorModel:
    return OscillatorModel(freq_offset_ppb=freq_ppb, wander_ppb_per_sqrt_s=0.0, phase_noise_ns=0.0,
                           initial_phase_error_ns=phase_ns)


def test_phase_grows_at_oscillator_minus_correction() -> None:
    clock = ModelledClock(quiet(freq_ppb=50.0, phase_ns=10.0), node_rng(1, 0))
    assert clock.phase_error_ns(0) == 10.0
    assert clock.phase_error_ns(10 * NS_PER_S) == pytest.approx(510.0)
    clock.begin_segment(10 * NS_PER_S, step_ns=500.0, correction_ppb=40.0)
    assert clock.phase_error_ns(10 * NS_PER_S) == pytest.approx(10.0)
    assert clock.phase_error_ns(20 * NS_PER_S) == pytest.approx(110.0)
    assert clock.steps_applied == 1


def test_segment_cannot_go_back_in_time() -> None:
    clock = ModelledClock(quiet(), node_rng(1, 0))
    clock.begin_segment(5 * NS_PER_S)
    with pytest.raises(ValueError, match="back in time"):
        clock.begin_segment(4 * NS_PER_S)


@pytest.mark.parametrize("phase_ns", [0.0, 300e6, -300e6, 700e6, -999_999_999.0, 1e9])
def test_one_pps_edge_per_window_where_the_clock_reads_a_whole_second(phase_ns: float) -> None:
    clock = ModelledClock(quiet(phase_ns=phase_ns), node_rng(1, 0))
    seconds = []
    for k in range(5):
        start = k * NS_PER_S + NS_PER_S // 2
        clock.begin_segment(start)
        edges = clock.pps_edges(start, start + NS_PER_S)
        assert len(edges) == 1, (k, edges)
        (edge,) = edges
        assert start <= edge < start + NS_PER_S
        reading = edge + clock.phase_error_ns(edge)
        assert reading == pytest.approx(round(reading / NS_PER_S) * NS_PER_S, abs=0.5)
        seconds.append(round(reading / NS_PER_S))
    assert seconds == list(range(seconds[0], seconds[0] + 5))


def test_edge_time_accounts_for_the_rate_and_rounds_to_ns() -> None:
    clock = ModelledClock(quiet(freq_ppb=1000.0, phase_ns=-2.4), node_rng(1, 0))
    start = NS_PER_S // 2
    clock.begin_segment(start)
    (edge,) = clock.pps_edges(start, start + NS_PER_S)
    # phase at t = 1 s: -2.4 + 1000 ppb * 1 s = 997.6 ns ahead -> the clock reads 1 s that much early
    assert edge == NS_PER_S - 998


def test_backward_step_does_not_repeat_a_second_and_forward_step_skips_one() -> None:
    clock = ModelledClock(quiet(), node_rng(1, 0))
    clock.begin_segment(NS_PER_S // 2)
    assert len(clock.pps_edges(NS_PER_S // 2, 3 * NS_PER_S // 2)) == 1        # second 1
    start = 3 * NS_PER_S // 2
    clock.begin_segment(start, step_ns=0.8e9)                                  # clock now reads 0.7 s
    assert clock.pps_edges(start, start + NS_PER_S) == []                      # second 1 again: suppressed
    start += NS_PER_S
    clock.begin_segment(start, step_ns=-1.5e9)                                 # reads 3.2 s
    edges = clock.pps_edges(start, start + NS_PER_S)
    assert len(edges) == 1 and clock.last_pps_second == 4


def test_same_seed_same_noise_and_wander_other_node_differs() -> None:
    model = OscillatorModel()

    def draws(seed: int, index: int) -> list[float]:
        clock = ModelledClock(model, node_rng(seed, index))
        out = []
        for k in range(50):
            out.append(clock.timestamp_error_ns(k * NS_PER_S))
            clock.begin_segment(k * NS_PER_S + NS_PER_S // 2)
        return out

    assert draws(3, 1) == draws(3, 1)
    assert draws(3, 1) != draws(3, 2)
    assert draws(3, 1) != draws(4, 1)


def test_wander_is_a_random_walk_of_the_configured_size() -> None:
    model = OscillatorModel(freq_offset_ppb=0.0, wander_ppb_per_sqrt_s=0.01, phase_noise_ns=0.0)
    finals = []
    for seed in range(200):
        clock = ModelledClock(model, node_rng(seed, 0))
        for k in range(100):
            clock.begin_segment(k * NS_PER_S + NS_PER_S // 2)
        finals.append(clock.oscillator_ppb)
    # after 100 one-second segments (the first is 0.5 s): sigma = 0.01 * sqrt(99.5) ~ 0.0998 ppb
    assert np.std(finals) == pytest.approx(0.01 * np.sqrt(99.5), rel=0.15)


def test_phase_noise_has_the_configured_rms() -> None:
    model = OscillatorModel(freq_offset_ppb=0.0, wander_ppb_per_sqrt_s=0.0, phase_noise_ns=0.5,
                            initial_phase_error_ns=0.0)
    clock = ModelledClock(model, node_rng(5, 0))
    noise = [clock.timestamp_error_ns(0) for _ in range(4000)]
    assert np.std(noise) == pytest.approx(0.5, rel=0.05)
    assert abs(np.mean(noise)) < 0.05
