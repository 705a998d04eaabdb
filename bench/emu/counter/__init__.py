"""Emulated PPS time-interval counter (Keysight 53230A subset), one per node, fed by the simulation kernel."""

from bench.emu.counter.device import CounterEmulator
from bench.emu.counter.replay import PhaseReplay, load_phase_file

__all__ = ["CounterEmulator", "PhaseReplay", "load_phase_file"]
