"""The emulated counter's measurement engine: edges in simulated picoseconds in, interval readings out.

Why a separate, socket-free module: this is where the counter's physics lives — when a time-interval
measurement starts and stops, when it times out, which second the next one starts on — and it must be
exact and deterministic (no host clock anywhere), so it is written and tested as plain code.

Rules (those of a 53230A in ``TINT (@1),(@2)`` with ``TRIG:SOUR IMM``):
- an armed measurement starts on the first channel-1 edge after the previous measurement ended (after
  the arming instant for the first one) and stops on the first channel-2 edge after its start;
- if no stop edge comes within the timeout, the reading is NaN (9.91E+37), the measurement ended at
  ``start + timeout`` and the sequence continues;
- a channel whose input settings cannot trigger on the pulse (auto-level on a 1 Hz signal, level outside
  the pulse amplitude) sees no edges; with no start edge within the timeout the reading is NaN too.

Knowing when a result is final: edges arrive per simulated step. After step ``k`` every edge earlier than
``k·1 s + 0.5 s`` has been delivered (node edges of step k lie in ``[t_k + 0.5 s, t_{k+1} + 0.5 s)`` by
the node contract, replayed edges within ±0.5 s of ``t_k``), so a measurement is resolved only from edges
below that horizon — readings never depend on how steps and SCPI requests interleave in wall time.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

PS_PER_S = 10**12
HALF_S_PS = PS_PER_S // 2
PULSE_WIDTH_PS = 100 * 10**9
"""Emulated PPS pulses are 100 ms wide; a falling-slope channel sees the edge that much later."""


def pulse_amplitude_v(impedance_ohm: float) -> float:
    """A 5 V TTL PPS output: 5 V into high impedance, 2.5 V into a 50 Ω termination."""
    return 2.5 if impedance_ohm < 1000 else 5.0


@dataclass
class ChannelSettings:
    """One input channel's settings (what ``INPut#:...`` sets and reads back)."""

    level_v: float = 0.0
    auto_level: bool = True
    slope: str = "POS"
    impedance_ohm: float = 1.0e6
    coupling: str = "DC"

    def triggers(self) -> bool:
        """Can this channel trigger on a 1 Hz PPS pulse? (auto-level needs ≥ 50 Hz)."""
        if self.auto_level:
            return False
        return 0.0 < self.level_v < pulse_amplitude_v(self.impedance_ohm)

    def edge_shift_ps(self) -> int:
        return PULSE_WIDTH_PS if self.slope == "NEG" else 0


@dataclass
class Reading:
    """One finished measurement: seconds (NaN = timed out) and the step of its start edge (if any)."""

    value_s: float
    start_step: int | None


class IntervalSequencer:
    """Turns reference and node edges into time-interval readings for a running sequence."""

    def __init__(self, noise_ps: Callable[[int], float]) -> None:
        self.noise_ps = noise_ps
        self.ch1 = ChannelSettings()
        self.ch2 = ChannelSettings()
        self.timeout_ps: int | None = None  # None = timeout disabled (wait for ever)
        self.last_step = -1
        self._ref: deque[tuple[int, int]] = deque()  # (step, raw ps), ascending
        self._node: deque[int] = deque()  # raw ps, ascending
        self.running = False
        self.remaining = 0
        self.taken = 0
        self.first_step = 0
        self._not_before_ps = 0  # effective time the current measurement became armed
        self._start: tuple[int, int] | None = None  # (step, effective ps) of the current start edge

    # -- control ---------------------------------------------------------------------------------
    @property
    def horizon_ps(self) -> int:
        """Every raw edge below this time has been delivered."""
        return self.last_step * PS_PER_S + HALF_S_PS

    def arm(self, count: int) -> int:
        """Start a sequence of ``count`` readings at the next step; return that step (tentative until the
        first start edge: if steps were skipped, ``first_step`` becomes the step of that edge)."""
        self.first_step = self.last_step + 1
        self.running = count > 0
        self.remaining = count
        self.taken = 0
        self._start = None
        self._not_before_ps = self.first_step * PS_PER_S - HALF_S_PS + self.ch1.edge_shift_ps()
        return self.first_step

    def abort(self) -> None:
        self.running = False
        self.remaining = 0
        self._start = None

    # -- time ------------------------------------------------------------------------------------
    def on_step(self, k: int, ref_edges_ps: list[int], node_edges_ps: list[int]) -> list[Reading]:
        """Take step ``k``'s edges; return the readings that became final."""
        if k <= self.last_step:  # a new scenario restarted simulated time: nothing carries over
            self._ref.clear()
            self._node.clear()
            self.abort()
        elif k != self.last_step + 1:
            pass  # steps the counter did not see (e.g. it was not yet serving) just have no edges
        self.last_step = k
        if self.ch1.triggers():
            self._ref.extend((k, int(t)) for t in sorted(ref_edges_ps))
        if self.ch2.triggers():
            self._node.extend(int(t) for t in sorted(node_edges_ps))
        out = self._advance() if self.running else []
        self._prune()
        return out

    def _prune(self) -> None:
        keep_from = self.horizon_ps - 3 * PS_PER_S
        if self.running:
            keep_from = min(keep_from, self._not_before_ps - self.ch1.edge_shift_ps() - PS_PER_S)
        while self._ref and self._ref[0][1] < keep_from:
            self._ref.popleft()
        while self._node and self._node[0] < keep_from:
            self._node.popleft()

    def _advance(self) -> list[Reading]:
        out: list[Reading] = []
        horizon = self.horizon_ps
        s1, s2 = self.ch1.edge_shift_ps(), self.ch2.edge_shift_ps()
        timeout = self.timeout_ps
        while self.running and self.remaining > 0:
            if self._start is None:
                while self._ref and self._ref[0][1] + s1 <= self._not_before_ps:
                    self._ref.popleft()
                if self._ref and (timeout is None or self._ref[0][1] + s1 <= self._not_before_ps + timeout):
                    step, raw = self._ref.popleft()
                    self._start = (step, raw + s1)
                    if self.taken == 0:
                        self.first_step = step  # final now: the first start edge is known
                elif timeout is not None and self._not_before_ps + timeout < horizon + s1:
                    self._emit(out, Reading(math.nan, None), self._not_before_ps + timeout)
                    continue
                else:
                    break
            step, start = self._start
            while self._node and self._node[0] + s2 <= start:
                self._node.popleft()
            stop = self._node[0] + s2 if self._node else None
            if stop is not None and (timeout is None or stop - start <= timeout):
                if self._node[0] >= horizon:
                    break  # an earlier node edge may still be delivered
                interval_ps = stop - start
                self._emit(out, Reading((interval_ps + self.noise_ps(step)) / PS_PER_S, step), stop)
            elif timeout is not None and start + timeout - s2 < horizon:
                self._emit(out, Reading(math.nan, step), start + timeout)
            else:
                break
        return out

    def _emit(self, out: list[Reading], reading: Reading, ended_ps: int) -> None:
        out.append(reading)
        self._not_before_ps = ended_ps
        self._start = None
        self.taken += 1
        self.remaining -= 1
        if self.remaining <= 0:
            self.running = False
