"""One simulated second of the reference node: NMEA + PPS edges in, servo run, own PPS edges out.

Why this exists: this is the node without its I/O — the part the kernel's tick drives — so the whole
chain (parser, label pairing, clock model, servo, holdover bookkeeping) can be run in-process with
synthetic bytes and edges, and the process wrapper (``bench.node.run``) only moves bytes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bench.nmea.parser import NmeaDecoder, TimeFix
from bench.node.clock import NS_PER_S, ModelledClock, node_rng
from bench.node.config import NodeConfig
from bench.node.servo import NodeState, Servo, holdover_window_s
from bench.node.timeofday import StepLabel, TimeOfDay, choose_step_label, label_iso

HALF_S_NS = NS_PER_S // 2


class DecoderLike(Protocol):
    """What the node needs of ``bench.nmea.parser.NmeaDecoder``."""

    rejects: Counter[str]
    accepted: Counter[str]

    def feed(self, data: bytes) -> Sequence[TimeFix]: ...


@dataclass(frozen=True)
class StepResult:
    """The node's answer to one tick."""

    k: int
    pps_out_ns: list[int]
    state: str


@dataclass
class HoldoverRecord:
    """What the oscillator model predicts for the current (or last) holdover, in TE terms.

    TE = node edge − reference edge = −(clock phase error), so a clock running fast drifts to negative TE.
    ``predicted_te_drift_ns`` is the model's deterministic prediction (oscillator frequency at entry
    minus the held correction, times the elapsed time); ``wander_sigma_ns`` is the 1-σ spread the
    random-walk wander adds to it; ``model_te_drift_ns`` is the drift of the modelled clock itself.
    """

    since_k: int
    entry_phase_ns: float
    oscillator_at_entry_ppb: float
    held_correction_ppb: float
    wander_ppb_per_sqrt_s: float
    elapsed_s: int = 0
    model_te_drift_ns: float = 0.0
    end_k: int | None = None

    @property
    def residual_ppb(self) -> float:
        return self.oscillator_at_entry_ppb - self.held_correction_ppb

    def as_dict(self) -> dict[str, Any]:
        elapsed = float(self.elapsed_s)
        return {
            "active": self.end_k is None,
            "since_k": self.since_k,
            "end_k": self.end_k,
            "elapsed_s": self.elapsed_s,
            "held_correction_ppb": self.held_correction_ppb,
            "residual_freq_ppb": self.residual_ppb,
            "predicted_te_drift_ns": -self.residual_ppb * elapsed,
            "wander_sigma_ns": self.wander_ppb_per_sqrt_s * elapsed ** 1.5 / math.sqrt(3.0),
            "model_te_drift_ns": self.model_te_drift_ns,
        }


class ReferenceNode:
    """The node's logic for one kernel step at a time (no sockets, no serial port)."""

    def __init__(self, name: str, config: NodeConfig, decoder: DecoderLike | None = None) -> None:
        if decoder is None:
            decoder = NmeaDecoder(default_date=config.start_utc.date())
        self.name = name
        self.config = config
        self.clock = ModelledClock(config.oscillator, node_rng(config.seed, config.node_index))
        self.servo = Servo(config.servo, holdover_window_s(config.oscillator.wander_ppb_per_sqrt_s))
        self.tod = TimeOfDay(config.start_utc)
        self.decoder = decoder
        self.events: Counter[str] = Counter()
        self.last_k: int | None = None
        self.last_offset_ns: float | None = None
        self.last_label: str | None = None
        self.pps_in_count = 0
        self.pps_out_count = 0
        self.holdover: HoldoverRecord | None = None

    # ---- the step ----------------------------------------------------------------------------
    def step(self, k: int, t_ns: int, pps_edges_ns: list[int], nmea: bytes) -> StepResult:
        """Process tick ``k``: the bytes read from the serial port and the PPS edges of this second."""
        try:
            fixes: list[TimeFix] = list(self.decoder.feed(nmea)) if nmea else []
        except Exception:  # noqa: BLE001 - a parser bug must not stop the node; it is counted instead
            self.events["decoder_error"] += 1
            fixes = []
        return self.step_fixes(k, t_ns, pps_edges_ns, fixes)

    def step_fixes(self, k: int, t_ns: int, pps_edges_ns: list[int], fixes: list[TimeFix]) -> StepResult:
        """Like ``step`` with the NMEA already decoded (for tests that drive labels directly)."""
        if self.last_k is not None and k <= self.last_k:
            raise ValueError(f"node {self.name}: step {k} after step {self.last_k}")
        self._catch_up(k)
        offset_ns = self._measure(k, t_ns, sorted(pps_edges_ns), choose_step_label(fixes))
        previous = self.servo.state
        action = self.servo.update(k, offset_ns)
        if offset_ns is not None:
            self.last_offset_ns = offset_ns
        self._track_holdover(k, t_ns, previous)
        window_ns = t_ns + HALF_S_NS
        self.clock.begin_segment(window_ns, action.step_ns, action.correction_ppb)
        edges = self.clock.pps_edges(window_ns, window_ns + NS_PER_S) if self.servo.pps_enabled else []
        self.pps_out_count += len(edges)
        self.last_k = k
        return StepResult(k=k, pps_out_ns=edges, state=self.servo.state.value)

    def _catch_up(self, k: int) -> None:
        """Run the model through steps the node missed (joined late, reconnected) so wander stays exact."""
        first = 0 if self.last_k is None else self.last_k + 1
        if first < k:
            self.events["steps_missed"] += k - first
        for j in range(first, k):
            self.servo.update(j, None)
            self.clock.begin_segment(j * NS_PER_S + HALF_S_NS, 0.0, self.servo.correction_ppb)

    def _measure(self, k: int, t_ns: int, edges: list[int], step_label: StepLabel | None) -> float | None:
        """The phase offset of this second (ns), or None when the PPS or its label is missing/invalid."""
        self.pps_in_count += len(edges)
        stamps = [(edge, self.clock.timestamp_error_ns(edge)) for edge in edges]
        if len(edges) > 1:
            self.events["pps_extra"] += len(edges) - 1
        trusted = self.servo.trusts_time
        if step_label is not None:
            if step_label.conflicting:
                self.events["label_conflict"] += 1
            if stamps:
                estimate_ns: float | None = stamps[0][0] + stamps[0][1]
            else:
                estimate_ns = t_ns + self.clock.phase_error_ns(t_ns)
            second_ns = self.tod.continuous_ns(step_label.label, estimate_ns if trusted else None)
            self.last_label = label_iso(step_label.label)
            if not step_label.valid:
                self.events["fix_invalid"] += 1
                return None
        elif stamps and trusted:
            # no label this second (corrupt or lost sentences): a locked node knows which second it is
            self.events["label_flywheel"] += 1
            second_ns = round((stamps[0][0] + stamps[0][1]) / NS_PER_S) * NS_PER_S
        else:
            self.events["label_missing"] += 1
            return None
        if not stamps:
            self.events["pps_missing"] += 1
            return None
        offsets = [(edge - second_ns) + err for edge, err in stamps]
        return min(offsets, key=abs)

    def _track_holdover(self, k: int, t_ns: int, previous: NodeState) -> None:
        state = self.servo.state
        record = self.holdover
        if state == NodeState.HOLDOVER and previous != NodeState.HOLDOVER:
            self.holdover = HoldoverRecord(
                since_k=k, entry_phase_ns=self.clock.phase_error_ns(t_ns),
                oscillator_at_entry_ppb=self.clock.oscillator_ppb, held_correction_ppb=self.servo.correction_ppb,
                wander_ppb_per_sqrt_s=self.config.oscillator.wander_ppb_per_sqrt_s)
        elif record is not None and record.end_k is None:
            record.elapsed_s = k - record.since_k
            record.model_te_drift_ns = -(self.clock.phase_error_ns(t_ns) - record.entry_phase_ns)
            if state != NodeState.HOLDOVER:
                record.end_k = k

    # ---- what /state and /metrics show -------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        counters = self.servo.counters
        rejects: Counter[str] = Counter(self.decoder.rejects)
        if counters.samples_rejected:
            rejects["time_jump"] += counters.samples_rejected
        return {
            "name": self.name,
            "state": self.servo.state.value,
            "k": self.last_k,
            "servo_enabled": self.config.servo.enabled,
            "offset_ns": self.last_offset_ns,
            "freq_correction_ppb": self.servo.correction_ppb,
            "leap_seconds": self.tod.leap_seconds,
            "leap_seconds_inferred": self.tod.leaps_inferred,
            "week_rollovers_corrected": self.tod.rollovers_corrected,
            "jumps_rejected": counters.jumps_rejected,
            "jumps_accepted": counters.jumps_accepted,
            "clock_steps": counters.steps,
            "holdover_entries": counters.holdover_entries,
            "lock_losses": counters.lock_losses,
            "rejects": dict(sorted(rejects.items())),
            "sentences_accepted": dict(sorted(self.decoder.accepted.items())),
            "events": dict(sorted(self.events.items())),
            "pps_count": self.pps_in_count,
            "pps_out_count": self.pps_out_count,
            "last_label": self.last_label,
            "holdover": self.holdover.as_dict() if self.holdover is not None else None,
            "state_changes": [{"k": k, "state": s} for k, s in counters.state_changes[-20:]],
        }
