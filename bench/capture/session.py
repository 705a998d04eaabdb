"""All nodes' captures of one run, started and stopped together.

Why: the runner (and Ctrl-C teardown) needs one handle: start a capture per node from the lab's
endpoints (``endpoints["counters"][node]`` = VISA address in the emulated lab, ``pps_meter_address`` in a
real one) and stop them all within a second — every thread is told to stop before any is waited for.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from bench.capture.loop import NodeCapture
from bench.errors import BenchError
from bench.store.events import EventLog
from bench.store.samples import SampleWriter


class CaptureSet:
    """The running captures of a run, by node name."""

    def __init__(self, captures: Mapping[str, NodeCapture]) -> None:
        self.captures = dict(captures)

    def __getitem__(self, node: str) -> NodeCapture:
        return self.captures[node]

    def stop(self, timeout_s: float = 1.0) -> None:
        """Stop every capture; returns within about ``timeout_s``."""
        for capture in self.captures.values():
            capture.request_stop()
        deadline = time.monotonic() + timeout_s
        for capture in self.captures.values():
            capture.stop(max(0.0, deadline - time.monotonic()))

    def wait_armed(self, timeout_s: float = 30.0) -> None:
        """Block until every capture armed its instrument, so no second after this is missed."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(c.armed or c.stats.failed for c in self.captures.values()):
                return
            time.sleep(0.01)
        late = [n for n, c in self.captures.items() if not c.armed]
        raise BenchError(f"capture: PPS meters of {late} not armed within {timeout_s:.0f} s")

    def stats(self) -> dict[str, dict[str, Any]]:
        return {name: vars(c.stats).copy() for name, c in self.captures.items()}

    def __enter__(self) -> CaptureSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_captures(
    addresses: Mapping[str, str],
    samples: SampleWriter,
    events: EventLog,
    family: str = "53230a",
    **options: Any,
) -> CaptureSet:
    """Start one ``NodeCapture`` per ``node -> VISA address`` (options as for ``NodeCapture``)."""
    if not addresses:
        raise BenchError("capture: no PPS meter addresses given (no nodes, or the lab has no counters)")
    captures: dict[str, NodeCapture] = {}
    try:
        for node, address in addresses.items():
            if not address:
                raise BenchError(f"capture: node {node!r} has no PPS meter address")
            captures[node] = NodeCapture(node, address, samples, events, family=family, **options)
    except TypeError as exc:
        raise BenchError(f"capture: bad option: {exc}") from None
    for capture in captures.values():
        capture.start()
    return CaptureSet(captures)
