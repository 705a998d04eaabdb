"""One node's TE capture: stream the PPS meter's readings into the run's sample store as they come.

Why a thread per node with its own reconnect logic: a counter that reboots, a LAN cable that is pulled or
an emulator that is killed must cost only the seconds it was away — recorded as a ``capture_gap`` event
with the simulated seconds it covers — never the run, never a fabricated or repeated sample. Rows are
``(node, sim_time_ns, te_ns, source)`` where ``sim_time_ns`` is the reference edge of the second the
reading belongs to (attribution in drivers/counter_53230a.py), written through ``SampleWriter`` so
``bench.store.read_samples`` sees them while the run goes on.

Events (EventLog kinds): ``capture_started``, ``capture_error`` (first failure of an outage),
``capture_resumed`` (reconnected; the instrument kept measuring, nothing lost), ``capture_gap``
(``from_sim_time_ns``/``to_sim_time_ns`` inclusive, ``seconds``; ``to`` is None if unknowable),
``pps_timeout`` (a run of seconds the instrument could not measure: no pulse), ``capture_duplicate``
(a second reported twice, e.g. an extra pulse; the first reading is kept), ``capture_stopped``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.errors import BenchError
from bench.store.events import EventLog
from bench.store.samples import SampleWriter
from drivers.errors import DriverError
from drivers.ppsmeter import (
    PpsMeter,
    PpsMeterConfig,
    PpsSample,
    StreamPosition,
    UnattributableStream,
    canonical_family,
    open_pps_meter,
)

NS_PER_S = 1_000_000_000
Opener = Callable[[str, str, float], PpsMeter]


@dataclass
class CaptureStats:
    """Counters of one node's capture (read them any time; written only by the capture thread)."""

    samples: int = 0
    timeouts: int = 0
    duplicates: int = 0
    gaps: int = 0
    gap_seconds: int = 0
    reconnects: int = 0
    errors: int = 0
    last_error: str | None = None
    next_second: int | None = None
    failed: str | None = None
    fetches: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class NodeCapture:
    """Captures one node's TE from a PPS meter into ``samples``; ``start()``, later ``stop()``."""

    def __init__(
        self,
        node: str,
        address: str,
        samples: SampleWriter,
        events: EventLog,
        *,
        family: str = "53230a",
        config: PpsMeterConfig | None = None,
        first_second: int | None = None,
        io_timeout_s: float = 0.8,
        poll_interval_s: float = 0.02,
        backoff_initial_s: float = 0.05,
        backoff_max_s: float = 1.0,
        batch_readings: int = 10000,
        source: str | None = None,
        opener: Opener = open_pps_meter,
        channel2_delay_ns: float = 0.0,
    ) -> None:
        self.node = node
        self.address = address
        self.samples = samples
        self.events = events
        self.family = family
        self.config = config or PpsMeterConfig()
        self.first_second = first_second
        self.io_timeout_s = io_timeout_s
        self.poll_interval_s = poll_interval_s
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.batch_readings = batch_readings
        self.source = source or canonical_family(family)
        self.opener = opener
        self.channel2_delay_ns = float(channel2_delay_ns)
        """Calibrated delay of the cable in front of the node channel, subtracted from every reading."""
        self.stats = CaptureStats()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._meter: PpsMeter | None = None
        self._position: StreamPosition | None = None
        self._covered_through: int | None = None  # last second for which a sample or a timeout was seen
        self._timeout_run: tuple[int, int] | None = None
        self._outage_reason: str | None = None
        self._attempts = 0
        self._armed_once = False
        self._gap_pending = False
        self._gap_reason: str | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> NodeCapture:
        if self._thread is not None:
            raise BenchError(f"capture of {self.node}: already started")
        self._thread = threading.Thread(target=self._run, name=f"capture-{self.node}", daemon=True)
        self._thread.start()
        return self

    def request_stop(self) -> None:
        self._stop.set()

    def stop(self, timeout_s: float = 1.0) -> None:
        """Stop and wait at most ``timeout_s`` (an I/O call in progress ends within ``io_timeout_s``)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    @property
    def armed(self) -> bool:
        """True once the instrument has been configured and armed (its stream has a first second)."""
        return self._armed_once

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the loop ----------------------------------------------------------------------------------
    def _run(self) -> None:
        self.events.emit("capture_started", node=self.node, address=self.address, source=self.source)
        backoff = self.backoff_initial_s
        try:
            while not self._stop.is_set():
                try:
                    if self._meter is None:
                        self._connect()
                        backoff = self.backoff_initial_s
                    meter = self._meter
                    assert meter is not None
                    batch = meter.fetch(self.batch_readings)
                    self.stats.fetches += 1
                    position = meter.position
                    if position is not None:
                        if self._gap_pending:
                            self._gap_pending = False
                            self._record_gap(position.first_second)
                        self._position = position
                        self.stats.next_second = position.next_second
                    self._write(batch)
                    if not batch:
                        self._stop.wait(self.poll_interval_s)
                except UnattributableStream as exc:
                    self._fail(str(exc))
                    return
                except (DriverError, BenchError, OSError) as exc:
                    self._lost(exc)
                    self._stop.wait(backoff)
                    backoff = min(backoff * 2, self.backoff_max_s)
        finally:
            self._end_timeout_run()
            self._close_meter()
            self.events.emit(
                "capture_stopped", node=self.node, samples=self.stats.samples, gaps=self.stats.gaps,
                reconnects=self.stats.reconnects, timeouts=self.stats.timeouts,
            )

    def _connect(self) -> None:
        self._attempts += 1
        meter = self.opener(self.family, self.address, self.io_timeout_s)
        self._meter = meter
        if self._position is not None and meter.resume(self._position):
            self.stats.reconnects += 1
            self.events.emit(
                "capture_resumed", node=self.node, sim_time_ns=self._position.next_second * NS_PER_S,
                attempts=self._attempts, reason=self._outage_reason,
            )
            self._outage_reason, self._attempts = None, 0
            return
        meter.configure(self.config)
        meter.arm(None if self._armed_once else self.first_second)
        if self._armed_once:
            self.stats.reconnects += 1
            self._gap_pending = True  # recorded once the new stream's first second is known
            self._gap_reason = self._outage_reason
        self._armed_once = True
        self._outage_reason, self._attempts = None, 0

    def _record_gap(self, first_new_second: int) -> None:
        expected = self._expected_second()
        if expected is None:
            return
        if first_new_second < expected:
            # a new scenario restarted simulated time: samples before and after are both genuine
            self.events.emit("capture_timeline_reset", node=self.node, sim_time_ns=first_new_second * NS_PER_S,
                             previous_sim_time_ns=expected * NS_PER_S)
            self._covered_through = first_new_second - 1
            return
        if first_new_second == expected:
            return
        seconds = first_new_second - expected
        self.stats.gaps += 1
        self.stats.gap_seconds += seconds
        self.events.emit(
            "capture_gap", node=self.node, sim_time_ns=expected * NS_PER_S,
            from_sim_time_ns=expected * NS_PER_S, to_sim_time_ns=(first_new_second - 1) * NS_PER_S,
            seconds=seconds, reason=self._gap_reason,
        )

    def _expected_second(self) -> int | None:
        """The first second not yet covered by a sample or a reported timeout."""
        candidates = []
        if self._covered_through is not None:
            candidates.append(self._covered_through + 1)
        if self._position is not None:
            candidates.append(self._position.next_second)
        return min(candidates) if candidates else None

    def _lost(self, exc: BaseException) -> None:
        self.stats.errors += 1
        self.stats.last_error = str(exc)
        if self._outage_reason is None:
            self._outage_reason = str(exc)
            expected = self._expected_second()
            self.events.emit(
                "capture_error", node=self.node, error=str(exc),
                sim_time_ns=None if expected is None else expected * NS_PER_S,
            )
        self._close_meter()

    def _fail(self, reason: str) -> None:
        self.stats.failed = reason
        expected = self._expected_second()
        self.events.emit(
            "capture_gap", node=self.node, from_sim_time_ns=None if expected is None else expected * NS_PER_S,
            to_sim_time_ns=None, seconds=None, reason=reason,
        )
        self.events.emit("capture_failed", node=self.node, error=reason)

    def _close_meter(self) -> None:
        if self._meter is not None:
            try:
                self._meter.close()
            except (DriverError, OSError):
                pass
            self._meter = None

    # -- samples -----------------------------------------------------------------------------------
    def _write(self, batch: list[PpsSample]) -> None:
        rows: list[tuple[str, int, float, str]] = []
        for sample in batch:
            if self._covered_through is not None and sample.second <= self._covered_through:
                self.stats.duplicates += 1
                self.events.emit("capture_duplicate", node=self.node, sim_time_ns=sample.sim_time_ns)
                continue
            self._covered_through = sample.second
            if sample.te_s is None:
                self.stats.timeouts += 1
                run = self._timeout_run
                self._timeout_run = (run[0] if run and run[1] == sample.second - 1 else sample.second, sample.second)
                if run and run[1] != sample.second - 1:
                    self._emit_timeout_run(run)
                continue
            self._end_timeout_run()
            rows.append((self.node, sample.second * NS_PER_S, sample.te_s * 1e9 - self.channel2_delay_ns,
                         self.source))
        if rows:
            self.samples.extend(rows)
            self.stats.samples += len(rows)

    def _end_timeout_run(self) -> None:
        if self._timeout_run is not None:
            self._emit_timeout_run(self._timeout_run)
            self._timeout_run = None

    def _emit_timeout_run(self, run: tuple[int, int]) -> None:
        self.events.emit(
            "pps_timeout", node=self.node, sim_time_ns=run[0] * NS_PER_S, from_sim_time_ns=run[0] * NS_PER_S,
            to_sim_time_ns=run[1] * NS_PER_S, seconds=run[1] - run[0] + 1,
        )
