"""A static receiver under a slowly moving, seeded sky: what GGA/GSA/GSV report.

Why: sentences must carry realistic values (visible satellites, elevations, azimuths, C/N0
following the simulator's output power, DOPs), and those values must be deterministic for a seed.
This is a plausible kinematic sketch, not an orbit propagator: elevations follow ~12 h sinusoids.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.sim.rng import stream

NOISE_FIGURE_DB = 3.0
THERMAL_NOISE_DBM_HZ = -174.0
MIN_TRACK_CN0_DBHZ = 28.0
MIN_FIX_SATS = 4
ORBIT_PERIOD_S = 43_082.0   # half a sidereal day


@dataclass(frozen=True)
class Position:
    lat_deg: float = 52.516275
    lon_deg: float = 13.377704
    alt_m: float = 34.0
    geoid_sep_m: float = 39.6


@dataclass(frozen=True)
class SatView:
    prn: int
    elevation_deg: int
    azimuth_deg: int
    cn0_dbhz: int


class Sky:
    """Twenty-four GPS satellites with seeded orbits; ``view(n, power_dbm)`` gives second n's sky."""

    def __init__(self, seed: int, n_sats: int = 24) -> None:
        rng = stream(seed, 0, "sky")
        prns = sorted(int(p) for p in rng.choice(range(1, 33), size=n_sats, replace=False))
        self._sats = [
            (prn, float(rng.uniform(0, 2 * math.pi)), float(rng.uniform(30, 88)), float(rng.uniform(0, 360)),
             float(rng.uniform(-0.01, 0.01)))
            for prn in prns
        ]

    def view(self, n: int, power_dbm: float) -> list[SatView]:
        """Satellites above 5° in second ``n``; C/N0 from the output power and the elevation."""
        base_cn0 = power_dbm - THERMAL_NOISE_DBM_HZ - NOISE_FIGURE_DB
        out = []
        for prn, phase, max_el, az0, az_rate in self._sats:
            el = max_el * math.sin(phase + 2 * math.pi * n / ORBIT_PERIOD_S)
            if el < 5.0:
                continue
            az = (az0 + az_rate * n) % 360.0
            cn0 = base_cn0 + 6.0 * math.sin(math.radians(el)) - 3.0
            out.append(SatView(prn, int(round(el)), int(round(az)) % 360, int(round(cn0))))
        return out

    @staticmethod
    def used(view: list[SatView]) -> list[SatView]:
        """The satellites a receiver tracks (enough C/N0)."""
        return [s for s in view if s.cn0_dbhz >= MIN_TRACK_CN0_DBHZ]

    @staticmethod
    def dops(n_used: int) -> tuple[float, float, float]:
        """PDOP, HDOP, VDOP typical for ``n_used`` well-spread satellites."""
        if n_used < MIN_FIX_SATS:
            return 99.9, 99.9, 99.9
        hdop = round(0.8 + 4.0 / n_used, 1)
        vdop = round(1.0 + 5.0 / n_used, 1)
        pdop = round(math.hypot(hdop, vdop), 1)
        return pdop, hdop, vdop
