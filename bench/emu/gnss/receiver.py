"""One node's emulated GNSS receiver: for step k, the PPS edge(s) and the NMEA bytes of second k.

Why: this is where the receiver model lives — quantisation error and cable delay on the PPS, the
receiver's own idea of time (a time jump moves its second boundaries), the fix state, and every
fault's effect — as a pure function of (seed, node, k, scenario, active faults), so that the same
seed gives the same bytes and edges at any pacing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.emu.gnss.corrupt import corrupt_sentence
from bench.emu.gnss.faults import Fault
from bench.emu.gnss.replay import ReplayLog
from bench.emu.gnss.sentences import SecondFix, build_second
from bench.emu.gnss.sky import MIN_FIX_SATS, Position, Sky
from bench.emu.gnss.timeline import WEEK_ROLLOVER_DAYS, Timeline
from bench.sim.rng import step_rng

NS_PER_S = 1_000_000_000
CRLF = b"\r\n"


@dataclass
class ScenarioView:
    """The scenario-wide settings a receiver sees in step k (a snapshot taken by the emulator)."""

    timeline: Timeline
    sky: Sky
    position: Position
    power_dbm: float
    signal_on: bool
    time_offset_ns: int
    talker: str


@dataclass
class ReceiverStep:
    chunks: list[bytes]
    pps_edges_ns: list[int]
    fix_valid: bool
    label_iso: str = ""
    corrupted: int = 0
    notes: list[str] = field(default_factory=list)


class Receiver:
    """The receiver of node ``name`` (index ``node_index`` keys its random streams)."""

    def __init__(self, name: str, node_index: int, seed: int, quantization_ns: float,
                 cable_delay_ns: float) -> None:
        self.name = name
        self.node_index = node_index
        self.seed = seed
        self.quantization_ns = quantization_ns
        self.cable_delay_ns = cable_delay_ns
        self.replay: ReplayLog | None = None
        self.replay_start_k: int | None = None
        self._carry: list[bytes] = []

    def reset(self) -> None:
        self._carry = []
        if self.replay is not None:
            self.replay_start_k = None

    def start_replay(self, log: ReplayLog | None) -> None:
        self.replay = log
        self.replay_start_k = None

    def _rng(self, purpose: str, k: int):  # noqa: ANN202 - numpy Generator
        return step_rng(self.seed, self.node_index, purpose, k)

    def step(self, k: int, scn: ScenarioView, faults: list[Fault]) -> ReceiverStep:
        kinds = {f.kind: f for f in faults}
        t_k = k * NS_PER_S
        delta_ns = scn.time_offset_ns + sum(int(f.params["delta_ns"]) for f in faults if f.kind == "time_jump")
        # the receiver's second boundaries are where its time (true + delta) is whole
        edge_base = t_k + ((-delta_ns) % NS_PER_S)
        n = (edge_base + delta_ns) // NS_PER_S

        sentences, fix_valid, label_iso = self._sentences(k, n, scn, "outage" in kinds, "week_rollover" in kinds)

        edges: list[int] = []
        if fix_valid:
            q_err = float(self._rng("pps_quantization", k).uniform(-0.5, 0.5)) * self.quantization_ns
            delay = self.cable_delay_ns + sum(float(f.params["delay_ns"]) for f in faults if f.kind == "cable_delay")
            jitter = 0.0
            if "pps_jitter" in kinds:
                jitter = float(self._rng("pps_jitter", k).normal(0.0, kinds["pps_jitter"].params["sigma_ns"]))
            missing = "pps_missing" in kinds and \
                float(self._rng("pps_missing", k).random()) < kinds["pps_missing"].params["rate"]
            if not missing:
                edges.append(edge_base + round(delay + q_err + jitter))
            if "pps_extra" in kinds and \
                    float(self._rng("pps_extra", k).random()) < kinds["pps_extra"].params["rate"]:
                edges.append(t_k + int(kinds["pps_extra"].params["offset_ns"]))
            edges.sort()

        chunks, corrupted = self._encode(k, sentences, kinds.get("nmea_corruption"))
        return ReceiverStep(chunks=chunks, pps_edges_ns=edges, fix_valid=fix_valid, label_iso=label_iso,
                            corrupted=corrupted)

    # -- sentences ------------------------------------------------------------------------------------
    def _sentences(self, k: int, n: int, scn: ScenarioView, outage: bool,
                   rollover: bool) -> tuple[list[str], bool, str]:
        if self.replay is not None:
            if self.replay_start_k is None:
                self.replay_start_k = k
            second = self.replay.at(k - self.replay_start_k)
            if second is None:
                return [], False, ""
            return list(second.sentences), second.fix_valid and not outage and scn.signal_on, ""
        label = scn.timeline.label(n)
        if rollover:
            label = label.shifted_days(-WEEK_ROLLOVER_DAYS)
        view = scn.sky.view(n, scn.power_dbm) if (scn.signal_on and not outage) else []
        used = Sky.used(view)
        valid = len(used) >= MIN_FIX_SATS
        fix = SecondFix(label=label, valid=valid, position=scn.position, view=view, used=used)
        return build_second(scn.talker, fix), valid, label.iso()

    def _encode(self, k: int, sentences: list[str], corruption: Fault | None) -> tuple[list[bytes], int]:
        """Sentences -> write chunks. Split pieces start new writes; everything else is appended."""
        chunks: list[bytes] = []

        def add(data: bytes, new_write: bool) -> None:
            if new_write or not chunks:
                chunks.append(data)
            else:
                chunks[-1] += data

        for piece in self._carry:              # the tail of a sentence split across steps
            add(piece, True)
        self._carry = []
        corrupted = 0
        rng = self._rng("nmea_corruption", k) if corruption is not None else None
        for i, sentence in enumerate(sentences):
            if rng is None or float(rng.random()) >= float(corruption.params["rate"]):  # type: ignore[union-attr]
                add(sentence.encode("ascii") + CRLF, False)
                continue
            mode = str(corruption.params["mode"])  # type: ignore[union-attr]
            pieces = corrupt_sentence(sentence, mode, rng)
            corrupted += 1
            if mode in ("split", "split_step", "mix") and len(pieces) > 1 and not _is_garbage(pieces):
                if mode == "split_step" and i == len(sentences) - 1:
                    self._carry = pieces[1:]   # the rest arrives with the next second
                    pieces = pieces[:1]
                add(pieces[0], False)
                for piece in pieces[1:]:
                    add(piece, True)
            else:
                add(b"".join(pieces), False)
        return chunks, corrupted


def _is_garbage(pieces: list[bytes]) -> bool:
    """The garbage mode returns [junk, sentence]: one write, not a split."""
    return len(pieces) == 2 and pieces[1].startswith(b"$") and pieces[1].endswith(CRLF)
