"""The node channel's JSON-lines messages (docs/simulation.md), built and checked in one place.

Why: the kernel, the node and test clients must agree byte for byte on the channel; a malformed
line from a node must become a clear error naming the field, never a KeyError deep in the kernel.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bench.errors import BenchError


class ChannelError(BenchError):
    """A node channel line is not valid JSON or not a valid message."""


def encode(message: dict[str, Any]) -> bytes:
    return (json.dumps(message, separators=(",", ":")) + "\n").encode("utf-8")


def decode(line: bytes | str) -> dict[str, Any]:
    try:
        text = line.decode("utf-8") if isinstance(line, bytes) else line
        obj = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ChannelError(f"node channel: line is not JSON ({exc}): {line[:80]!r}") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("type"), str):
        raise ChannelError(f"node channel: message without a 'type': {line[:80]!r}")
    return obj


def hello(node: str) -> dict[str, Any]:
    return {"type": "hello", "node": node}


def welcome(node: str, start_utc: str) -> dict[str, Any]:
    return {"type": "welcome", "node": node, "start_utc": start_utc}


def tick(k: int, pps_edges_ns: list[int], nmea_bytes: int) -> dict[str, Any]:
    return {"type": "tick", "k": k, "t_ns": k * 1_000_000_000, "pps_edges_ns": list(pps_edges_ns),
            "nmea_bytes": nmea_bytes}


def bye() -> dict[str, Any]:
    return {"type": "bye"}


@dataclass(frozen=True)
class Done:
    """A node's answer to tick ``k``."""

    k: int
    pps_out_ns: list[int]
    state: str


def parse_done(msg: dict[str, Any], node: str) -> Done:
    """Validate a ``done`` message; raise ``ChannelError`` naming the node and field."""
    k = msg.get("k")
    edges = msg.get("pps_out_ns", [])
    state = msg.get("state", "unknown")
    if not isinstance(k, int) or isinstance(k, bool):
        raise ChannelError(f"node {node}: done without an integer 'k': {msg!r}")
    if not isinstance(edges, list) or not all(isinstance(e, int) and not isinstance(e, bool) for e in edges):
        raise ChannelError(f"node {node}: done 'pps_out_ns' must be a list of integer ns: {msg!r}")
    if not isinstance(state, str):
        raise ChannelError(f"node {node}: done 'state' must be a string: {msg!r}")
    return Done(k=k, pps_out_ns=list(edges), state=state)
