"""The reference node's configuration file (JSON), validated with the profile's own models.

Why this exists: the node backends (process, Podman) write this file from the profile and launch
``python -m bench.node --config FILE``; a typo or a wrong type must stop the node with one message
naming the key, not run it with a silently different oscillator or servo.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bench.errors import InputError
from bench.profile.models import OscillatorModel, ServoModel, require_utc


class NodeConfig(BaseModel):
    """``{"seed", "node_index", "start_utc", "oscillator", "servo"}`` for one node."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int
    node_index: int = Field(ge=0)
    start_utc: datetime
    oscillator: OscillatorModel = Field(default_factory=OscillatorModel)
    servo: ServoModel = Field(default_factory=ServoModel)

    @field_validator("start_utc")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        return require_utc(v)


def parse_config(data: object, source: str = "node config") -> NodeConfig:
    """Validate already-parsed JSON; raise ``InputError`` naming ``source`` and the bad keys."""
    try:
        return NodeConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()
        )
        raise InputError(f"{source}: invalid node configuration: {problems}") from None


def load_config(path: Path) -> NodeConfig:
    """Read and validate a node configuration file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"node config {path}: cannot read it: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"node config {path}: not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    return parse_config(data, f"node config {path}")
