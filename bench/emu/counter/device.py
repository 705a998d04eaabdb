"""Emulated Keysight 53230A: the SCPI surface of one counter per node (channel 1 = reference PPS,
channel 2 = the node's PPS), measuring from simulated edge timestamps.

Why: the bench's counter driver must run unchanged against the emulated lab, so the emulator speaks the
53230A's SCPI subset for PPS time interval and behaves like it where a driver can notice: ``*RST`` selects
frequency (``CONF:TINT`` is needed), auto-level is on after ``*RST`` and cannot trigger on 1 Hz (absolute
``INP#:LEV`` is needed), input settings read back, ``SYST:TIM`` survives ``*RST``, a missing pulse gives
9.91E+37 and the sequence goes on, reading memory holds 1 000 000 readings (oldest overwritten), ``R?``
reads-and-erases while measuring, ``DATA:REMove?`` errors when short, ``INIT`` clears memory, unknown
headers queue -113. Every measured value comes from the kernel's edges (``on_step``) plus counter noise
drawn per ``(seed, node_index, k)``; the host clock never enters a reading.

Attributing readings to seconds (docs/simulation.md, "Counters"): a stream armed by ``INIT`` between
steps ``k−1`` and ``k`` starts its first measurement on the reference edge of second ``k``; later
readings follow the counter's own rules (see drivers/counter_53230a.py). ``HILBench:SEQuence?`` — an
emulator extension a real counter answers with -113 — returns ``<k>,<readings taken>,<readings read
out>`` of the running sequence, consistent with each other (-230 if none runs); ``k`` is final once
the first reading exists (the driver asks then), so the capture knows it exactly and can check on
reconnect that no reading was lost.

Per-reading timeouts also queue ``-231,"Data questionable; measurement timeout"`` (the readings
themselves say which ones).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from pathlib import Path
from typing import Literal

from bench.emu.counter.replay import PS_PER_S, load_phase_file
from bench.emu.counter.sequencer import ChannelSettings, IntervalSequencer, Reading
from bench.emu.scpi import ScpiDevice, ScpiError
from bench.errors import InputError
from bench.paths import TIMING_DATA_DIR
from bench.sim.rng import step_rng

MEMORY_READINGS = 1_000_000
NAN_READING = 9.91e37
TIMEOUT_DISABLED = 9.9e37
MAX_COUNT = 1_000_000
FETCH_WALL_LIMIT_S = 3600.0
"""How long a blocked ``FETC?``/``READ?`` handler waits for simulated time before giving up (-230)."""

NOISE_FLOOR_FILE = TIMING_DATA_DIR / "counter_53230a_noise_floor_phase.txt.gz"


def format_reading(value_s: float) -> str:
    """The 53230A's ASCII reading format, e.g. ``+2.73456789012345E-007``."""
    if math.isnan(value_s):
        value_s = NAN_READING
    mantissa, exponent = f"{value_s:+.14E}".split("E")
    return f"{mantissa}E{int(exponent):+04d}"


def _number(arg: str, what: str, minimum: float, maximum: float, default: float) -> float:
    word = arg.strip().upper()
    if word in ("MIN", "MINIMUM"):
        return minimum
    if word in ("MAX", "MAXIMUM"):
        return maximum
    if word in ("DEF", "DEFAULT"):
        return default
    try:
        value = float(word)
    except ValueError:
        raise ScpiError(-104, f"Data type error; {what} {arg!r}") from None
    if not math.isfinite(value) or not (minimum <= value <= maximum):
        raise ScpiError(-222, f"Data out of range; {what} {arg}")
    return value


class CounterEmulator(ScpiDevice):
    """One emulated 53230A measuring ``node``'s PPS (channel 2) against the reference PPS (channel 1)."""

    idn = "Agilent Technologies,53230A,HILBENCH{index:04d},02.05-1519.666-1.19-4.15-127-155-35"

    def __init__(
        self,
        node: str,
        node_index: int,
        seed: int,
        noise_rms_ps: float = 10.0,
        noise_model: Literal["gaussian", "floor"] = "gaussian",
        noise_floor_file: str | Path = NOISE_FLOOR_FILE,
    ) -> None:
        super().__init__()
        if not math.isfinite(noise_rms_ps) or noise_rms_ps < 0:
            raise InputError(f"counter {node}: noise_rms_ps={noise_rms_ps} must be ≥ 0")
        self.node = node
        self.node_index = node_index
        self.seed = seed
        self.noise_rms_ps = float(noise_rms_ps)
        self.noise_model = noise_model
        self._floor_ps: list[float] = []
        if noise_model == "floor":
            values = load_phase_file(noise_floor_file)
            mean = sum(values) / len(values)
            self._floor_ps = [(v - mean) * PS_PER_S for v in values]
        elif noise_model != "gaussian":
            raise InputError(f"counter {node}: noise_model {noise_model!r} is not 'gaussian' or 'floor'")
        self.idn = self.idn.format(index=node_index)
        self.changed = threading.Condition(self.lock)
        self.seq = IntervalSequencer(self._noise_ps)
        self.seq.timeout_ps = None  # factory default: timeout disabled; survives *RST
        self.memory: deque[float] = deque(maxlen=MEMORY_READINGS)
        self.ever_measured = False
        self._reset_state()
        self._register_commands()

    # -- noise -------------------------------------------------------------------------------------
    def _noise_ps(self, k: int) -> float:
        if self.noise_model == "floor":
            rng = step_rng(self.seed, self.node_index, "counter_noise", k)
            return self._floor_ps[int(rng.integers(len(self._floor_ps)))]
        if self.noise_rms_ps == 0.0:
            return 0.0
        return float(step_rng(self.seed, self.node_index, "counter_noise", k).normal(0.0, self.noise_rms_ps))

    # -- state -------------------------------------------------------------------------------------
    def _reset_state(self) -> None:
        self.function = "FREQ"
        self.sample_count = 1
        self.trigger_count = 1
        self.trigger_source = "IMM"
        self.seq.abort()
        self.seq.ch1 = ChannelSettings()
        self.seq.ch2 = ChannelSettings()
        self.memory.clear()
        self.ever_measured = False

    def reset(self) -> None:
        with self.lock:
            self._reset_state()
            self.changed.notify_all()

    def _channel(self, suffixes: tuple[int, ...]) -> ChannelSettings:
        n = suffixes[0] if suffixes else 1
        if n == 1:
            return self.seq.ch1
        if n == 2:
            return self.seq.ch2
        raise ScpiError(-114, f"Header suffix out of range; INPut{n}")

    def _settings_changed(self) -> None:
        if self.seq.running:
            self.seq.abort()
            self.changed.notify_all()

    # -- the kernel's side -------------------------------------------------------------------------
    def on_step(self, k: int, ref_edges_ps: list[int], node_edges_ps: list[int]) -> None:
        """Step ``k``'s reference and node PPS edges (absolute, integer ps); called by the kernel thread."""
        with self.lock:
            readings = self.seq.on_step(k, ref_edges_ps, node_edges_ps)
            if readings:
                self._store(readings)
            self.changed.notify_all()

    def _store(self, readings: list[Reading]) -> None:
        for r in readings:
            self.memory.append(r.value_s)
            if math.isnan(r.value_s):
                self.push_error(-231, "Data questionable; measurement timeout")
        self.ever_measured = True

    # -- commands ----------------------------------------------------------------------------------
    def _register_commands(self) -> None:
        r = self.register
        r("CONFigure:TINTerval", self._conf_tint)
        r("CONFigure?", self._conf_query)
        r("INPut#:LEVel[:ABSolute]", self._set_level)
        r("INPut#:LEVel[:ABSolute]?", lambda a, s: format_reading(self._channel(s).level_v))
        r("INPut#:LEVel:AUTO", self._set_auto)
        r("INPut#:LEVel:AUTO?", lambda a, s: "1" if self._channel(s).auto_level else "0")
        r("INPut#:SLOPe", self._set_slope)
        r("INPut#:SLOPe?", lambda a, s: self._channel(s).slope)
        r("INPut#:IMPedance", self._set_impedance)
        r("INPut#:IMPedance?", lambda a, s: format_reading(self._channel(s).impedance_ohm))
        r("INPut#:COUPling", self._set_coupling)
        r("INPut#:COUPling?", lambda a, s: self._channel(s).coupling)
        r("SAMPle:COUNt", self._set_sample_count)
        r("SAMPle:COUNt?", lambda a, s: f"{self.sample_count:+d}")
        r("TRIGger:COUNt", self._set_trigger_count)
        r("TRIGger:COUNt?", lambda a, s: f"{self.trigger_count:+d}")
        r("TRIGger:SOURce", self._set_trigger_source)
        r("TRIGger:SOURce?", lambda a, s: self.trigger_source)
        r("SYSTem:TIMeout", self._set_timeout)
        r("SYSTem:TIMeout?", self._get_timeout)
        r("FORMat[:DATA]", self._set_format)
        r("FORMat[:DATA]?", lambda a, s: "ASC,9")
        r("INITiate[:IMMediate]", lambda a, s: self._initiate())
        r("ABORt", lambda a, s: self._abort())
        r("FETCh?", lambda a, s: self._fetch())
        r("READ?", lambda a, s: self._read())
        r("R?", self._r_query)
        r("DATA:REMove?", self._data_remove)
        r("DATA:POINts?", lambda a, s: f"{len(self.memory):+d}")
        r("DATA:LAST?", lambda a, s: format_reading(self.memory[-1] if self.memory else math.nan))
        r("HILBench:SEQuence?", self._sequence)

    def _conf_query(self, args: list[str], suffixes: tuple[int, ...]) -> str:
        return f'"{self.function} (@1),(@2)"' if self.function == "TINT" else f'"{self.function}"'

    def _conf_tint(self, args: list[str], suffixes: tuple[int, ...]) -> None:
        channels = [a.replace(" ", "") for a in args] or ["(@1)", "(@2)"]
        if channels != ["(@1)", "(@2)"]:
            raise ScpiError(-224, f"Illegal parameter value; TINT channels {','.join(args)} (emulated: (@1),(@2))")
        self.function = "TINT"
        self._settings_changed()
        self.memory.clear()

    def _set_level(self, args: list[str], suffixes: tuple[int, ...]) -> None:
        ch = self._channel(suffixes)
        if not args:
            raise ScpiError(-109, "Missing parameter; level")
        ch.level_v = _number(args[0], "level", -5.0, 5.0, 0.0)
        ch.auto_level = False
        self._settings_changed()

    def _set_auto(self, args: list[str], suffixes: tuple[int, ...]) -> None:
        ch = self._channel(suffixes)
        word = (args[0] if args else "").upper()
        if word not in ("ON", "OFF", "1", "0", "ONCE"):
            raise ScpiError(-224, f"Illegal parameter value; auto level {word!r}")
        ch.auto_level = word in ("ON", "1")
        self._settings_changed()

    def _set_slope(self, args: list[str], suffixes: tuple[int, ...]) -> None:
        ch = self._channel(suffixes)
        word = (args[0] if args else "").upper()
        if word not in ("POS", "POSITIVE", "NEG", "NEGATIVE"):
            raise ScpiError(-224, f"Illegal parameter value; slope {word!r}")
        ch.slope = word[:3]
        self._settings_changed()

    def _set_impedance(self, args: list[str], suffixes: tuple[int, ...]) -> None:
        ch = self._channel(suffixes)
        if not args:
            raise ScpiError(-109, "Missing parameter; impedance")
        value = _number(args[0], "impedance", 50.0, 1.0e6, 1.0e6)
        if value not in (50.0, 1.0e6):
            raise ScpiError(-222, f"Data out of range; impedance {args[0]} (50 or 1E6)")
        ch.impedance_ohm = value
        self._settings_changed()

    def _set_coupling(self, args: list[str], suffixes: tuple[int, ...]) -> None:
        ch = self._channel(suffixes)
        word = (args[0] if args else "").upper()
        if word not in ("AC", "DC"):
            raise ScpiError(-224, f"Illegal parameter value; coupling {word!r}")
        ch.coupling = word
        self._settings_changed()

    def _set_sample_count(self, args: list[str], suffixes: tuple[int, ...]) -> None:
        self.sample_count = int(_number(args[0] if args else "", "sample count", 1, MAX_COUNT, 1))

    def _set_trigger_count(self, args: list[str], suffixes: tuple[int, ...]) -> None:
        self.trigger_count = int(_number(args[0] if args else "", "trigger count", 1, MAX_COUNT, 1))

    def _set_trigger_source(self, args: list[str], suffixes: tuple[int, ...]) -> None:
        word = (args[0] if args else "").upper()
        if word not in ("IMM", "IMMEDIATE", "EXT", "EXTERNAL", "BUS"):
            raise ScpiError(-224, f"Illegal parameter value; trigger source {word!r}")
        self.trigger_source = word[:3]

    def _set_timeout(self, args: list[str], suffixes: tuple[int, ...]) -> None:
        word = (args[0] if args else "").upper()
        if word in ("INF", "INFINITY"):
            self.seq.timeout_ps = None
            return
        value = _number(word, "timeout", 0.01, TIMEOUT_DISABLED, TIMEOUT_DISABLED)
        if value >= TIMEOUT_DISABLED:
            self.seq.timeout_ps = None
        elif value > 2000.0:
            raise ScpiError(-222, f"Data out of range; timeout {word} s (0.01 … 2000 s)")
        else:
            self.seq.timeout_ps = round(round(value, 3) * PS_PER_S)

    def _get_timeout(self, args: list[str], suffixes: tuple[int, ...]) -> str:
        if self.seq.timeout_ps is None:
            return "+9.9E+37"
        return format_reading(self.seq.timeout_ps / PS_PER_S)

    def _set_format(self, args: list[str], suffixes: tuple[int, ...]) -> None:
        word = (args[0] if args else "").upper()
        if word in ("ASC", "ASCII"):
            return
        if word == "REAL":
            raise ScpiError(-221, "Settings conflict; REAL format not emulated")
        raise ScpiError(-224, f"Illegal parameter value; format {word!r}")

    # -- measuring -------------------------------------------------------------------------------
    def _initiate(self) -> None:
        if self.function != "TINT":
            raise ScpiError(-221, f"Settings conflict; function {self.function} is not emulated (CONF:TINT)")
        if self.trigger_source != "IMM":
            raise ScpiError(-221, f"Settings conflict; trigger source {self.trigger_source} is not emulated")
        if self.seq.running:
            raise ScpiError(-213, "Init ignored")
        self.memory.clear()
        self.ever_measured = False
        self.seq.arm(self.sample_count * self.trigger_count)
        self.changed.notify_all()

    def _abort(self) -> None:
        self.seq.abort()
        self.changed.notify_all()

    def _wait_complete(self) -> None:
        if not self.changed.wait_for(lambda: not self.seq.running, timeout=FETCH_WALL_LIMIT_S):
            raise ScpiError(-230, "Data corrupt or stale; simulated time did not advance")

    def _fetch(self) -> str | None:
        self._wait_complete()
        if not self.memory:
            raise ScpiError(-230, "Data corrupt or stale")
        return ",".join(format_reading(v) for v in self.memory)

    def _read(self) -> str | None:
        self._initiate()
        return self._fetch()

    @staticmethod
    def _block(values: list[float]) -> str:
        body = ",".join(format_reading(v) for v in values)
        length = str(len(body))
        return f"#{len(length)}{length}{body}"

    def _take(self, n: int) -> list[float]:
        return [self.memory.popleft() for _ in range(min(n, len(self.memory)))]

    def _r_query(self, args: list[str], suffixes: tuple[int, ...]) -> str:
        limit = int(_number(args[0], "count", 1, MAX_COUNT, MAX_COUNT)) if args else MAX_COUNT
        if not self.memory and not self.seq.running:
            raise ScpiError(-230, "Data corrupt or stale")
        return self._block(self._take(limit))

    def _data_remove(self, args: list[str], suffixes: tuple[int, ...]) -> str:
        if not args:
            raise ScpiError(-109, "Missing parameter; count")
        n = int(_number(args[0], "count", 1, MAX_COUNT, 1))
        wait = len(args) > 1 and args[1].strip().upper() == "WAIT"
        if wait:
            self.changed.wait_for(lambda: len(self.memory) >= n or not self.seq.running, timeout=FETCH_WALL_LIMIT_S)
        if len(self.memory) < n:
            raise ScpiError(-222, f"Data out of range; {n} readings requested, {len(self.memory)} stored")
        return self._block(self._take(n))

    def _sequence(self, args: list[str], suffixes: tuple[int, ...]) -> str:
        if not self.seq.running:
            raise ScpiError(-230, "Data corrupt or stale; no measurement sequence running")
        return f"{self.seq.first_step},{self.seq.taken},{self.seq.taken - len(self.memory)}"
