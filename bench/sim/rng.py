"""Seeded random streams keyed by (seed, node_index, purpose[, step]).

Why: every random draw of the emulated lab (quantisation, jitter, corruption, noise) must be the
same for a seed whatever the pacing, the number of nodes or which faults ran earlier. Keying each
stream by what it is for — instead of sharing one generator — makes draws independent of the
order in which participants happen to consume them.
"""

from __future__ import annotations

import zlib

import numpy as np

_MASK_63 = (1 << 63) - 1


def _purpose_key(purpose: str) -> int:
    return zlib.crc32(purpose.encode("utf-8"))


def stream(seed: int, node_index: int, purpose: str) -> np.random.Generator:
    """A generator for one (seed, node, purpose); consume it in step order."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(
        [seed & _MASK_63, node_index & _MASK_63, _purpose_key(purpose)])))


def step_rng(seed: int, node_index: int, purpose: str, k: int) -> np.random.Generator:
    """A generator for one (seed, node, purpose, step k): independent of any earlier draw."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(
        [seed & _MASK_63, node_index & _MASK_63, _purpose_key(purpose), k & _MASK_63])))
