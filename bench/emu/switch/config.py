"""The emulated switch's start-up configuration (a JSON file written by the lab resource).

Why a file and not NETCONF: what a real switch has before anyone logs in — its port count, link
rate, loopback UDP ports standing in for cables, the SSH host key and user — has to come from
somewhere; everything a user would change at run time (gates, port enable, impairments) goes over
NETCONF. Unknown keys are errors so a typo cannot silently change the model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bench.emu.switch.model import DEFAULT_PCP_TO_TC
from bench.emu.switch.wire import mac_bytes
from bench.errors import InputError

PASSWORD_ENV_DEFAULT = "HILBENCH_SWITCH_PASSWORD"


class NetconfSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    port: Annotated[int, Field(ge=0, le=65535)] = 0
    username: str = "bench"
    password_env: str = PASSWORD_ENV_DEFAULT
    host_key: str


class SwitchConfig(BaseModel):
    """Everything ``python -m bench.emu.switch --config FILE`` needs."""

    model_config = ConfigDict(extra="forbid")

    name: str = "switch"
    ports: Annotated[int, Field(ge=1, le=64)] = 4
    port_names: list[str] = Field(default_factory=list)
    udp_ports: list[Annotated[int, Field(ge=0, le=65535)]] = Field(default_factory=list)
    rate_bps: Annotated[int, Field(gt=0)] = 1_000_000_000
    processing_ns: Annotated[int, Field(ge=0)] = 0
    queue_limit_frames: Annotated[int, Field(ge=1)] = 1000
    pcp_to_tc: list[Annotated[int, Field(ge=0, le=7)]] = Field(default_factory=lambda: list(DEFAULT_PCP_TO_TC))
    learning: bool = True
    static_fdb: dict[str, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)
    pcap: str | None = None
    ready_file: str | None = None
    netconf: NetconfSettings | None = None

    @field_validator("pcp_to_tc")
    @classmethod
    def _eight(cls, v: list[int]) -> list[int]:
        if len(v) != 8:
            raise ValueError(f"pcp_to_tc needs 8 entries (one per PCP), got {len(v)}")
        return v

    @field_validator("static_fdb")
    @classmethod
    def _macs(cls, v: dict[str, int]) -> dict[str, int]:
        for mac in v:
            mac_bytes(mac)
        return v

    def names(self) -> list[str]:
        if self.port_names:
            if len(self.port_names) != self.ports or len(set(self.port_names)) != self.ports:
                raise InputError(f"switch config: port_names must be {self.ports} distinct names, "
                                 f"got {self.port_names}")
            return list(self.port_names)
        return [f"port{i}" for i in range(1, self.ports + 1)]

    def udp(self) -> list[int]:
        if not self.udp_ports:
            return [0] * self.ports
        if len(self.udp_ports) != self.ports:
            raise InputError(f"switch config: udp_ports must list {self.ports} ports, got {len(self.udp_ports)}")
        return list(self.udp_ports)

    def fdb(self) -> dict[bytes, int]:
        out = {}
        for mac, port in self.static_fdb.items():
            if port > self.ports:
                raise InputError(f"switch config: static_fdb {mac} -> port {port}, but the switch has "
                                 f"{self.ports} ports")
            out[mac_bytes(mac)] = port
        return out


def load_config(path: Path) -> SwitchConfig:
    """Read and validate a switch config file; ``InputError`` names the file and the field."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"switch config {path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"switch config {path}: not JSON: {exc}") from None
    try:
        return SwitchConfig.model_validate(raw)
    except ValidationError as exc:
        probs = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise InputError(f"switch config {path}: {probs}") from None
    except ValueError as exc:
        raise InputError(f"switch config {path}: {exc}") from None
