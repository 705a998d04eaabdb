"""The servo alone: step, frequency estimate, lock states, holdover, jump rejection, disabled servo."""

from __future__ import annotations

import pytest

from bench.node.servo import (
    HOLDOVER_AFTER_MISSES,
    MAX_FREQ_WINDOW_S,
    MIN_FREQ_WINDOW_S,
    NodeState,
    Servo,
    holdover_window_s,
)
from bench.profile.models import ServoModel


def locked_servo(**kw: object) -> tuple[Servo, int]:
    servo = Servo(ServoModel(**kw))
    k = 0
    servo.update(k, 250e6)  # cold start: step
    for offset in (50.0, 2.0, -1.0, 1.0, 0.5, -0.5, 0.0):
        k += 1
        servo.update(k, offset)
    assert servo.state == NodeState.LOCKED
    return servo, k


def test_large_offset_is_stepped_then_the_frequency_is_estimated() -> None:
    servo = Servo(ServoModel())
    action = servo.update(0, -300e6)
    assert action.step_ns == -300e6 and action.state == NodeState.LOCKING and action.applied
    assert servo.counters.steps == 1
    # one second later the clock is 50 ns ahead: a 50 ppb oscillator
    action = servo.update(1, 50.0)
    assert action.step_ns == 0.0
    assert servo.integral_ppb == pytest.approx(50.0)
    assert action.correction_ppb == pytest.approx(50.0 + 0.7 * 50.0)


def test_small_offset_needs_no_step_and_estimates_frequency_from_two_samples() -> None:
    servo = Servo(ServoModel())
    assert servo.update(0, 100.0).step_ns == 0.0
    servo.update(2, 300.0)  # two seconds later: 100 ppb
    assert servo.integral_ppb == pytest.approx(100.0)


def test_locks_after_lock_count_good_samples_and_unlocks_after_as_many_bad() -> None:
    servo = Servo(ServoModel(lock_count=4, lock_threshold_ns=100.0))
    servo.update(0, 1e6)
    states = [servo.update(k, off).state for k, off in enumerate([10.0, 5.0, 3.0, 1.0, 0.0], start=1)]
    assert states[:3] == [NodeState.LOCKING] * 3 and states[3] == NodeState.LOCKED
    for k in range(6, 9):
        assert servo.update(k, 500.0).state == NodeState.LOCKED
    assert servo.update(9, 500.0).state == NodeState.LOCKING


def test_holdover_after_missing_samples_keeps_the_averaged_frequency() -> None:
    servo, k = locked_servo()
    for j in range(k + 1, k + 30):
        servo.update(j, 0.0)
    held = servo.freq_average_ppb
    assert held is not None
    for miss in range(1, HOLDOVER_AFTER_MISSES + 1):
        action = servo.update(k + 30 + miss, None)
        assert action.correction_ppb == held and not action.applied
    assert servo.state == NodeState.HOLDOVER and servo.pps_enabled
    assert servo.counters.holdover_entries == 1
    # back: small offset -> PI again, locking, then locked
    assert servo.update(k + 40, 20.0).state == NodeState.LOCKING
    for j in range(k + 41, k + 45):
        servo.update(j, 0.0)
    assert servo.state == NodeState.LOCKED


def test_without_holdover_loss_of_pps_unlocks_and_suppresses_the_pps() -> None:
    servo, k = locked_servo(holdover=False)
    for miss in range(1, HOLDOVER_AFTER_MISSES + 1):
        servo.update(k + miss, None)
    assert servo.state == NodeState.UNLOCKED and not servo.pps_enabled
    assert servo.counters.lock_losses == 1


def test_disabled_servo_never_acts_never_locks_and_keeps_its_pps() -> None:
    servo = Servo(ServoModel(enabled=False))
    for k in range(100):
        action = servo.update(k, 300e6 if k % 2 else 0.0)
        assert action.step_ns == 0.0 and action.correction_ppb == 0.0
    assert servo.state == NodeState.UNLOCKED and servo.pps_enabled


def test_short_time_jump_is_rejected_and_counted_once() -> None:
    servo, k = locked_servo(jump_persist_s=10)
    for j in range(1, 6):
        action = servo.update(k + j, -1e6)
        assert action.step_ns == 0.0 and not action.applied
        assert action.state == NodeState.LOCKED
    assert servo.counters.jumps_rejected == 1 and servo.counters.samples_rejected == 5
    assert servo.update(k + 6, 1.0).applied
    assert servo.jump_candidate is None and servo.counters.steps == 1


def test_persistent_time_jump_is_accepted_after_jump_persist_s() -> None:
    servo, k = locked_servo(jump_persist_s=10)
    actions = [servo.update(k + j, -1e6 + j) for j in range(1, 11)]
    assert all(a.step_ns == 0.0 for a in actions[:9])
    assert actions[9].step_ns == pytest.approx(-1e6 + 10) and actions[9].state == NodeState.LOCKING
    assert servo.counters.jumps_accepted == 1 and servo.counters.jumps_rejected == 0


def test_inconsistent_jumps_restart_the_persistence_count() -> None:
    servo, k = locked_servo(jump_persist_s=3)
    servo.update(k + 1, -1e6)
    servo.update(k + 2, -1e6)
    servo.update(k + 3, +5e6)   # another jump: a new candidate
    servo.update(k + 4, +5e6)
    assert servo.counters.steps == 1 and servo.counters.jumps_rejected == 2
    assert servo.update(k + 5, +5e6).step_ns == pytest.approx(5e6)


def test_accept_policy_steps_at_once() -> None:
    servo, k = locked_servo(jump_policy="accept")
    action = servo.update(k + 1, 1e6)
    assert action.step_ns == 1e6 and servo.counters.jumps_accepted == 1


def test_holdover_window_grows_as_wander_shrinks() -> None:
    assert holdover_window_s(0.0) == MAX_FREQ_WINDOW_S
    assert holdover_window_s(10.0) == MIN_FREQ_WINDOW_S
    assert 200 <= holdover_window_s(0.002) <= 400
    assert holdover_window_s(0.00002) > 10 * holdover_window_s(0.002) / 2
