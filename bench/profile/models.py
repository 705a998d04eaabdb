"""Typed models of a bench profile (TOML).

A profile is the only thing that differs between the emulated lab and a real one: instruments and
their addresses, the nodes under test, the network, the emulation's models, and the KPIs with their
thresholds. Every model forbids unknown keys so that a typo is an error naming the key, not a
silently ignored setting. Units are part of every numeric field's name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

NonNegFloat = Annotated[float, Field(ge=0)]
PosFloat = Annotated[float, Field(gt=0)]
PosInt = Annotated[int, Field(gt=0)]
Port = Annotated[int, Field(ge=0, le=65535)]


def require_utc(v: datetime) -> datetime:
    """A time-zone-aware datetime, converted to UTC (naive times are ambiguous: rejected)."""
    if v.tzinfo is None:
        raise ValueError("start_utc must carry a time zone, e.g. 2026-06-01T00:00:00Z")
    return v.astimezone(UTC)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, validate_assignment=True)


class BenchSection(_Strict):
    """What the profile is and whether it drives emulators or real equipment."""

    name: str
    description: str = ""
    mode: Literal["emulated", "lab"] = "emulated"
    standards: list[str] = Field(default_factory=list, description="standards cited in reports")


class OscillatorModel(_Strict):
    """A node's free-running oscillator: constant offset, random-walk frequency wander, white phase noise."""

    freq_offset_ppb: float = 50.0
    wander_ppb_per_sqrt_s: NonNegFloat = 0.002
    phase_noise_ns: NonNegFloat = 0.5
    initial_phase_error_ns: float = 300_000_000.0


class ServoModel(_Strict):
    """The reference node's clock servo (step threshold, then a PI loop)."""

    enabled: bool = True
    step_threshold_ns: PosFloat = 20_000.0
    kp: NonNegFloat = 0.7
    ki: NonNegFloat = 0.3
    lock_threshold_ns: PosFloat = 100.0
    lock_count: PosInt = 4
    holdover: bool = True
    jump_policy: Literal["reject", "accept"] = "reject"
    jump_persist_s: PosInt = 10


class EmulationSection(_Strict):
    """Models and pacing of the emulated lab. Ignored in lab mode."""

    seed: int = 1
    time_scale: PosFloat = 1.0
    start_utc: datetime = datetime(2026, 6, 1, 0, 0, 0, tzinfo=UTC)
    receiver_quantization_ns: NonNegFloat = 4.0
    cable_delay_ns: float = 0.0
    counter_noise_rms_ps: NonNegFloat = 10.0
    nmea_talker: str = "GP"
    oscillator: OscillatorModel = Field(default_factory=OscillatorModel)
    servo: ServoModel = Field(default_factory=ServoModel)

    @field_validator("start_utc")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        return require_utc(v)

    @field_validator("nmea_talker")
    @classmethod
    def _talker(cls, v: str) -> str:
        allowed = {"GP", "GL", "GA", "GB", "BD", "GQ", "QZ", "GI", "GN"}
        if v not in allowed:
            raise ValueError(f"unknown NMEA talker {v!r}; one of {sorted(allowed)}")
        return v


class InstrumentSpec(_Strict):
    """One instrument: its family (which driver) and its address (a VISA resource, a host, ...).

    In emulated mode the address may be omitted: the lab starts the emulator on a free loopback
    port and fills it in. In lab mode it is required.
    """

    family: str
    address: str | None = None
    timeout_s: PosFloat = 5.0
    username: str | None = None
    password_env: str | None = Field(
        default=None, description="name of the environment variable holding the password"
    )
    options: dict[str, str | int | float | bool] = Field(default_factory=dict)


class NodeSpec(_Strict):
    """One node under test (or a template for ``count`` of them)."""

    name: str | None = None
    backend: Literal["process", "podman", "external"] = Field(
        default="process",
        description="process | podman: the lab deploys the node; external: something else runs it "
                    "(a test harness, a device) and joins the kernel itself",
    )
    image: str = "localhost/hilbench-node:latest"
    connection: str | None = Field(default=None, description="unix:// or ssh:// Podman connection URI")
    identity_env: str | None = Field(default=None, description="env var naming an ssh identity file")
    serial_device: str | None = Field(default=None, description="real serial device in lab mode")
    http_url: str | None = Field(default=None, description="metrics endpoint of a real node")
    pps_meter_address: str | None = Field(
        default=None, description="VISA address of the counter/scope measuring this node (lab mode)"
    )
    pps_replay_file: str | None = Field(
        default=None,
        description="emulated only: this node's PPS error is replayed from a phase file (seconds per line)",
    )
    oscillator: OscillatorModel | None = None


class NodesSection(_Strict):
    """The nodes: ``count`` copies of ``template`` unless an explicit list is given."""

    count: Annotated[int, Field(ge=0)] = 1
    template: NodeSpec = Field(default_factory=NodeSpec)
    node: list[NodeSpec] = Field(default_factory=list)

    def resolved(self) -> list[NodeSpec]:
        """The node list with names filled in (``node1``, ``node2``, ...)."""
        if self.node:
            nodes = [n.model_copy() for n in self.node]
        else:
            nodes = [self.template.model_copy() for _ in range(self.count)]
        for i, n in enumerate(nodes, start=1):
            if n.name is None:
                n.name = f"node{i}"
        return nodes

    @model_validator(mode="after")
    def _unique_names(self) -> NodesSection:
        names = [n.name for n in self.node if n.name]
        dup = {x for x in names if names.count(x) > 1}
        if dup:
            raise ValueError(f"duplicate node names: {sorted(dup)}")
        return self


class NetworkSection(_Strict):
    """The time-sensitive network between nodes."""

    switch_ports: Annotated[int, Field(ge=0)] = 4
    link_rate_bps: PosInt = 1_000_000_000
    cycle_ns: PosInt = 1_000_000
    critical_pcp: Annotated[int, Field(ge=0, le=7)] = 7
    deadline_ns: PosInt = 200_000


class MaskPoint(_Strict):
    tau_s: PosFloat
    limit: float


class KpiSpec(_Strict):
    """A KPI: which series, which statistic (or mask), the limit with its unit, and data rules.

    ``statistic`` names a scalar statistic (``max_abs``, ``mean``, ``rms``, ``p99``, ``pk_pk``,
    ``lock_time``, ``holdover_drift``, ``deadline_adherence``, ...) or a curve (``mtie``, ``tdev``)
    that is checked against ``mask`` (a built-in mask name or ``custom`` with ``mask_points``).
    ``direction`` says whether the value must stay below (``max``) or above (``min``) the limit.
    """

    description: str = ""
    series: str = "te"
    statistic: str
    threshold: float | None = None
    unit: str = "ns"
    direction: Literal["max", "min"] = "max"
    mask: str | None = None
    mask_points: list[MaskPoint] = Field(default_factory=list)
    marginal: Annotated[float, Field(ge=0, lt=1)] = 0.0
    transient_s: NonNegFloat = 0.0
    min_duration_s: NonNegFloat = 0.0
    standard: str | None = None

    @model_validator(mode="after")
    def _limit_given(self) -> KpiSpec:
        if self.statistic in ("mtie", "tdev", "adev"):
            if self.mask is None:
                raise ValueError(f"statistic {self.statistic!r} needs a 'mask'")
            if self.mask == "custom" and len(self.mask_points) < 1:
                raise ValueError("mask 'custom' needs 'mask_points' ([{tau_s=..., limit=...}, ...])")
        elif self.threshold is None:
            raise ValueError(f"statistic {self.statistic!r} needs a 'threshold'")
        return self


class RunSection(_Strict):
    """How ``bench run`` runs: default suite, durations, history."""

    suite: Literal["smoke", "nightly"] = "smoke"
    reports_dir: str = "reports"
    history_url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in reports/")
    regression_window: PosInt = 7
    regression_margin: NonNegFloat = 0.2
    regression_noise_sigmas: NonNegFloat = Field(
        default=3.0, description="a regression must also exceed this many σ of the window's run-to-run noise")
    steady_state_s: PosFloat = 1200.0
    holdover_s: PosFloat = 600.0


class Profile(_Strict):
    """A whole bench profile."""

    bench: BenchSection
    emulation: EmulationSection = Field(default_factory=EmulationSection)
    instruments: dict[str, InstrumentSpec] = Field(default_factory=dict)
    nodes: NodesSection = Field(default_factory=NodesSection)
    network: NetworkSection = Field(default_factory=NetworkSection)
    kpis: dict[str, KpiSpec] = Field(default_factory=dict)
    run: RunSection = Field(default_factory=RunSection)
    _source: Path | None = PrivateAttr(default=None)

    @property
    def source(self) -> Path | None:
        """The file this profile was read from, if any."""
        return self._source

    @model_validator(mode="after")
    def _lab_needs_addresses(self) -> Profile:
        if self.bench.mode == "lab":
            missing = [k for k, v in self.instruments.items() if not v.address]
            if missing:
                raise ValueError(
                    "lab mode needs an address for every instrument; missing: "
                    + ", ".join(f"instruments.{k}.address" for k in missing)
                )
        return self
