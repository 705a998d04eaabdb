"""The reference node's clock servo: step, frequency estimate, PI loop, lock states, jump rejection.

Why this exists: this is the part of the system under test whose behaviour the bench's KPIs judge
(lock time, steady-state TE, holdover, robustness to time jumps), so it is kept free of I/O and of the
clock model: it takes one phase-offset measurement per simulated second (or none) and answers with a
phase step and a frequency correction. Tests drive it for thousands of steps in milliseconds.

Conventions: ``offset_ns`` = local timestamp of the PPS edge − the second the NMEA label names
(positive: the clock is ahead). A correction of ``c`` ppb slows the clock by ``c`` ns per second.
The answer takes effect half a second after the edge (docs/simulation.md), which the loop tolerates.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from bench.profile.models import ServoModel

MAX_CORRECTION_PPB = 500_000.0
HOLDOVER_AFTER_MISSES = 3
MIN_FREQ_WINDOW_S = 60
MAX_FREQ_WINDOW_S = 10_000
LOCKED_PHASE_NOISE_NS = 2.7  # typical phase wobble between the ends of an averaging window when locked


def holdover_window_s(wander_ppb_per_sqrt_s: float) -> int:
    """How many locked seconds of correction to average for the holdover frequency.

    A longer window averages away more phase noise (error ~ noise / W) but lags a wandering
    oscillator more (error ~ wander · sqrt(W / 3)); the sum is smallest at W^1.5 = 2·sqrt(3)·noise/wander.
    """
    if wander_ppb_per_sqrt_s <= 0:
        return MAX_FREQ_WINDOW_S
    best = (2 * math.sqrt(3.0) * LOCKED_PHASE_NOISE_NS / wander_ppb_per_sqrt_s) ** (2.0 / 3.0)
    return int(min(MAX_FREQ_WINDOW_S, max(MIN_FREQ_WINDOW_S, round(best))))


class NodeState(StrEnum):
    UNLOCKED = "unlocked"
    LOCKING = "locking"
    LOCKED = "locked"
    HOLDOVER = "holdover"


@dataclass(frozen=True)
class ServoAction:
    """What the servo wants done at the next segment start: subtract ``step_ns``, run at ``correction_ppb``."""

    step_ns: float
    correction_ppb: float
    state: NodeState
    applied: bool  # the measurement was used (False: missing or rejected)


@dataclass
class JumpCandidate:
    first_k: int
    offset_ns: float
    count: int


@dataclass
class ServoCounters:
    steps: int = 0
    jumps_rejected: int = 0
    jumps_accepted: int = 0
    samples_used: int = 0
    samples_missing: int = 0
    samples_rejected: int = 0
    holdover_entries: int = 0
    lock_losses: int = 0
    state_changes: list[tuple[int, str]] = field(default_factory=list)


class Servo:
    """A PI clock servo with a step threshold and the node's lock state machine."""

    def __init__(self, model: ServoModel, freq_window_s: int = MIN_FREQ_WINDOW_S) -> None:
        self.model = model
        self.state = NodeState.UNLOCKED
        self.integral_ppb = 0.0
        self.correction_ppb = 0.0
        self.freq_window_s = freq_window_s
        self._locked_corrections: deque[float] = deque(maxlen=freq_window_s)
        self._locked_sum_ppb = 0.0
        self.counters = ServoCounters()
        self._has_time = False  # time of day trusted (locked at least once since the last reset)
        self._freq_pending: tuple[int, float] | None = None  # (k, offset) right after a step
        self._good = 0
        self._bad = 0
        self._misses = 0
        self._jump: JumpCandidate | None = None

    @property
    def trusts_time(self) -> bool:
        """Whether the node has a time of day it defends against jumps: locked once since the last reset."""
        return self._has_time and self.state != NodeState.UNLOCKED

    @property
    def pps_enabled(self) -> bool:
        """Whether the node emits its PPS (suppressed while unlocked unless the servo is disabled)."""
        return not self.model.enabled or self.state != NodeState.UNLOCKED

    @property
    def jump_candidate(self) -> JumpCandidate | None:
        return self._jump

    def _set_state(self, k: int, state: NodeState) -> None:
        if state != self.state:
            if state == NodeState.HOLDOVER:
                self.counters.holdover_entries += 1
            if self.state in (NodeState.LOCKED, NodeState.HOLDOVER) and state == NodeState.UNLOCKED:
                self.counters.lock_losses += 1
            self.state = state
            self.counters.state_changes.append((k, state.value))

    def _action(self, step_ns: float, applied: bool) -> ServoAction:
        return ServoAction(step_ns, self.correction_ppb, self.state, applied)

    @property
    def freq_average_ppb(self) -> float | None:
        """Mean correction over the last locked seconds (the holdover frequency), None if never locked."""
        if not self._locked_corrections:
            return None
        return self._locked_sum_ppb / len(self._locked_corrections)

    def _remember_correction(self) -> None:
        window = self._locked_corrections
        if len(window) == window.maxlen:
            self._locked_sum_ppb -= window[0]
        window.append(self.correction_ppb)
        self._locked_sum_ppb += self.correction_ppb
        if len(window) == window.maxlen and len(window) % 4096 == 0:
            self._locked_sum_ppb = math.fsum(window)  # keep the running sum from drifting

    def _hold_frequency(self) -> None:
        held = self.freq_average_ppb
        self.correction_ppb = held if held is not None else self.integral_ppb

    # ---- one simulated second ----------------------------------------------------------------
    def update(self, k: int, offset_ns: float | None) -> ServoAction:
        """Feed the measurement of step ``k`` (``None``: no usable PPS/label this second)."""
        if not self.model.enabled:
            return ServoAction(0.0, 0.0, self.state, False)
        if offset_ns is None:
            return self._missing(k)
        if abs(offset_ns) > self.model.step_threshold_ns:
            return self._large(k, offset_ns)
        self._jump = None
        return self._track(k, offset_ns)

    def _missing(self, k: int) -> ServoAction:
        self.counters.samples_missing += 1
        self._misses += 1
        self._freq_pending = None
        if self.state in (NodeState.LOCKED, NodeState.HOLDOVER):
            self._hold_frequency()
            if self._misses >= HOLDOVER_AFTER_MISSES and self.state == NodeState.LOCKED:
                if self.model.holdover:
                    self._set_state(k, NodeState.HOLDOVER)
                else:
                    self._reset(k)
        elif self.state == NodeState.LOCKING:
            self.correction_ppb = self.integral_ppb
            if self._misses >= HOLDOVER_AFTER_MISSES:
                self._reset(k)
        return self._action(0.0, False)

    def _reset(self, k: int) -> None:
        """Back to unlocked: the PPS is suppressed; the next measurement re-acquires (the frequency is kept)."""
        self._set_state(k, NodeState.UNLOCKED)
        self.correction_ppb = self.integral_ppb
        self._good = 0
        self._bad = 0
        self._jump = None
        self._freq_pending = None
        self._has_time = False

    def _large(self, k: int, offset_ns: float) -> ServoAction:
        """An offset beyond the step threshold: acquire, or (with a trusted time) a suspected jump."""
        if self.trusts_time:
            if self.model.jump_policy == "reject":
                jump = self._jump
                consistent = (jump is not None and k - (jump.first_k + jump.count - 1) <= 1
                              and abs(offset_ns - jump.offset_ns) <= self.model.step_threshold_ns)
                if jump is None or not consistent:
                    self._jump = JumpCandidate(k, offset_ns, 1)
                    self.counters.jumps_rejected += 1
                else:
                    jump.count += 1
                    jump.offset_ns = offset_ns
                if self._jump is not None and self._jump.count < self.model.jump_persist_s:
                    self.counters.samples_rejected += 1
                    self._hold_frequency()
                    return self._action(0.0, False)
                # persisted: the receiver's new time is real
                self.counters.jumps_rejected -= 1
            self.counters.jumps_accepted += 1
        self._jump = None
        self._misses = 0
        self._good = 0
        self._bad = 0
        self.counters.steps += 1
        self.counters.samples_used += 1
        self._freq_pending = (k, 0.0)
        self.correction_ppb = self.integral_ppb
        self._set_state(k, NodeState.LOCKING)
        return self._action(offset_ns, True)

    def _track(self, k: int, offset_ns: float) -> ServoAction:
        self.counters.samples_used += 1
        self._misses = 0
        if self.state == NodeState.UNLOCKED:
            # close enough to need no step: estimate frequency from the next sample first
            self._set_state(k, NodeState.LOCKING)
            self._freq_pending = (k, offset_ns)
            return self._action(0.0, True)
        if self.state == NodeState.HOLDOVER:
            self._set_state(k, NodeState.LOCKING)  # back from holdover: locked again after lock_count samples
            self._good = 0
        if self._freq_pending is not None:
            first_k, first_offset_ns = self._freq_pending
            self._freq_pending = None
            # a step at t_k + 0.5 s leaves exactly one second of drift at the old rate by t_(k+1)
            dt_s = max(k - first_k, 1)
            self.integral_ppb = _clamp(self.integral_ppb + (offset_ns - first_offset_ns) / dt_s)
        else:
            self.integral_ppb = _clamp(self.integral_ppb + self.model.ki * offset_ns)
        self.correction_ppb = _clamp(self.integral_ppb + self.model.kp * offset_ns)
        if abs(offset_ns) <= self.model.lock_threshold_ns:
            self._good += 1
            self._bad = 0
        else:
            self._bad += 1
            self._good = 0
        if self.state == NodeState.LOCKING:
            if self._good >= self.model.lock_count:
                self._has_time = True
                self._set_state(k, NodeState.LOCKED)
        elif self.state == NodeState.LOCKED and self._bad >= self.model.lock_count:
            self._set_state(k, NodeState.LOCKING)
        if self.state == NodeState.LOCKED:
            self._remember_correction()
        return self._action(0.0, True)


def _clamp(ppb: float) -> float:
    return max(-MAX_CORRECTION_PPB, min(MAX_CORRECTION_PPB, ppb))
