"""The reference node's modelled clock: an oscillator, its phase, and the edges it produces.

Why this exists: in the emulated lab a node has no hardware clock, so its clock is a model whose every
reading is a function of true simulated time (docs/simulation.md): a constant frequency offset, a
random-walk frequency wander, white phase noise on timestamps, and the servo's frequency correction and
phase steps. Keeping the model in its own class lets the servo be tested in-process for thousands of
seconds in milliseconds, and keeps the host clock out of every measured value.

The clock is piecewise linear in true time. A *segment* starts at ``segment_start_ns`` (the moment the
servo's latest correction took effect, ``t_k + 0.5 s``) with phase error ``segment_phase_ns``; inside it
the phase error grows at ``oscillator_ppb - correction_ppb`` (1 ppb = 1 ns per second). The clock reads
``true time + phase error`` (positive phase error: the clock is ahead, its PPS comes early).
"""

from __future__ import annotations

import math

import numpy as np

from bench.profile.models import OscillatorModel

NS_PER_S = 1_000_000_000


def node_rng(seed: int, node_index: int) -> np.random.Generator:
    """The node's only random source: seeded with ``(seed, node_index)``, consumed in step order."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed & 0xFFFFFFFF, node_index])))


class ModelledClock:
    """A node clock as a model of true simulated time (integer ns)."""

    def __init__(self, oscillator: OscillatorModel, rng: np.random.Generator) -> None:
        self.oscillator = oscillator
        self._rng = rng
        self.oscillator_ppb = float(oscillator.freq_offset_ppb)
        self.correction_ppb = 0.0
        self.segment_start_ns = 0
        self.segment_phase_ns = float(oscillator.initial_phase_error_ns)
        self.last_pps_second: int | None = None
        self.steps_applied = 0

    # ---- reading the model -------------------------------------------------------------------
    @property
    def rate_ppb(self) -> float:
        """How fast the phase error grows now (ns per s): oscillator minus servo correction."""
        return self.oscillator_ppb - self.correction_ppb

    def phase_error_ns(self, true_ns: int) -> float:
        """The clock's phase error (clock − true time) at ``true_ns``, without timestamp noise."""
        return self.segment_phase_ns + self.rate_ppb * (true_ns - self.segment_start_ns) / NS_PER_S

    def timestamp_error_ns(self, true_ns: int) -> float:
        """Phase error of a timestamp taken at ``true_ns``: model phase plus white phase noise (one draw)."""
        noise_ns = self.oscillator.phase_noise_ns
        drawn = float(self._rng.standard_normal()) * noise_ns if noise_ns > 0 else 0.0
        return self.phase_error_ns(true_ns) + drawn

    # ---- changing the model ------------------------------------------------------------------
    def begin_segment(self, start_ns: int, step_ns: float = 0.0, correction_ppb: float | None = None) -> None:
        """Start a new segment at ``start_ns``: apply a phase step and/or a new correction.

        Also advances the oscillator's random-walk wander by the segment just ended (one draw per
        call, so call it exactly once per simulated second, in step order).
        """
        if start_ns < self.segment_start_ns:
            raise ValueError(f"clock segment would go back in time: {start_ns} < {self.segment_start_ns}")
        phase = self.phase_error_ns(start_ns) - step_ns
        elapsed_s = (start_ns - self.segment_start_ns) / NS_PER_S
        wander = self.oscillator.wander_ppb_per_sqrt_s
        if wander > 0:
            self.oscillator_ppb += float(self._rng.standard_normal()) * wander * math.sqrt(max(elapsed_s, 0.0))
        if step_ns != 0.0:
            self.steps_applied += 1
        self.segment_start_ns = start_ns
        self.segment_phase_ns = phase
        if correction_ppb is not None:
            self.correction_ppb = correction_ppb

    def pps_edges(self, window_start_ns: int, window_end_ns: int) -> list[int]:
        """True times (ns, rounded) in ``[start, end)`` at which the clock crosses a whole second.

        Uses the current segment's parameters for the whole window (the caller begins the segment
        at the window start). A second the clock already announced (after a backward step) is not
        emitted twice.
        """
        rate = 1.0 + self.rate_ppb * 1e-9
        phase_start_ns = self.phase_error_ns(window_start_ns)
        phase_end_ns = self.phase_error_ns(window_end_ns)
        # integer part and fractional phase kept apart so that ns precision survives long runs
        first = -((-(window_start_ns + math.floor(phase_start_ns))) // NS_PER_S)
        edges: list[int] = []
        second = first
        while (second * NS_PER_S - window_end_ns) < phase_end_ns:
            ahead_ns = (second * NS_PER_S - window_start_ns) - phase_start_ns
            if ahead_ns >= 0 and (self.last_pps_second is None or second > self.last_pps_second):
                true_ns = window_start_ns + round(ahead_ns / rate)
                if window_start_ns <= true_ns < window_end_ns:
                    edges.append(true_ns)
                    self.last_pps_second = second
            second += 1
        return edges
