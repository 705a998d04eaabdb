"""NMEA corruption: turns one well-formed sentence into the damaged bytes a bad link delivers.

Why: the node must survive bit flips, wrong or missing checksums, truncated and oversized
sentences, garbage bytes and sentences split across writes (or across steps). Each mode is a small
pure function of (sentence, rng) so that the damage is reproducible for a seed.
"""

from __future__ import annotations

import numpy as np

CRLF = b"\r\n"
MIX_MODES = ("bitflip", "bad_checksum", "no_checksum", "truncate", "oversize", "garbage", "split")


def _checksum(body: bytes) -> int:
    c = 0
    for b in body:
        c ^= b
    return c


def corrupt_sentence(sentence: str, mode: str, rng: np.random.Generator) -> list[bytes]:
    """Damaged bytes of ``sentence`` (no CRLF given; one is added where the mode keeps it) as write chunks."""
    raw = sentence.encode("ascii")
    star = raw.rfind(b"*")
    body = raw[1:star] if star > 0 else raw[1:]
    if mode == "mix":
        mode = MIX_MODES[int(rng.integers(len(MIX_MODES)))]
    if mode == "bitflip":
        pos = 1 + int(rng.integers(len(body)))
        flipped = bytearray(raw)
        flipped[pos] ^= 1 << int(rng.integers(7))
        return [bytes(flipped) + CRLF]
    if mode == "bad_checksum":
        good = _checksum(body)
        bad = (good + 1 + int(rng.integers(255))) % 256
        return [b"$" + body + b"*%02X" % bad + CRLF]
    if mode == "no_checksum":
        return [b"$" + body + CRLF]
    if mode == "truncate":
        cut = 1 + int(rng.integers(max(1, len(raw) - 1)))
        return [raw[:cut]]          # no line end: the next sentence's '$' must resynchronise
    if mode == "oversize":
        extra = b"," + b"9" * int(rng.integers(60, 200))
        long_body = body + extra
        return [b"$" + long_body + b"*%02X" % _checksum(long_body) + CRLF]
    if mode == "garbage":
        junk = rng.integers(0, 256, size=int(rng.integers(1, 65)), dtype=np.uint8).tobytes()
        return [junk, raw + CRLF]
    if mode in ("split", "split_step"):
        full = raw + CRLF
        n_cuts = int(rng.integers(1, 3))
        cuts = sorted({int(c) for c in rng.integers(1, len(full) - 1, size=n_cuts)})
        pieces, last = [], 0
        for c in cuts:
            pieces.append(full[last:c])
            last = c
        pieces.append(full[last:])
        return pieces
    raise ValueError(f"unknown corruption mode {mode!r}")
