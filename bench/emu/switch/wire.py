"""The tunnel encapsulation and the Ethernet arithmetic every switch port and traffic endpoint shares.

This kernel has no taprio/netem/VLAN devices, so emulated links are UDP datagrams on 127.0.0.1. A
datagram is one tunnel header followed by one whole Ethernet frame (destination MAC first, no
preamble, no FCS — what a pcap holds). The header carries the frame's *simulated* time, so the
switch never uses the wall clock for anything measured.

Header (28 bytes, network byte order)::

    offset size field
    0      4    magic  b"HBSW"
    4      1    version (1)
    5      1    type    1 = FRAME, 2 = BARRIER, 3 = BARRIER_ACK, 4 = ATTACH, 5 = DETACH
    6      2    port    switch port number (1-based) the datagram is for / comes from
    8      4    seq     per-direction sequence number (gaps reveal tunnel loss)
    12     8    t_ns    FRAME to switch: simulated time the first bit leaves the sender;
                        FRAME from switch: simulated time the last bit reaches the receiver;
                        BARRIER: "nothing more with a time below t_ns will follow" (INT64_MAX:
                        this endpoint will never send again, i.e. it only receives);
                        BARRIER_ACK: the switch has scheduled everything up to t_ns
    20     8    aux_ns  FRAME from switch: simulated time the first bit left the switch port
                        (0 elsewhere)

Wire time of a frame (IEEE 802.3): the frame is padded to 60 bytes, gets a 4-byte FCS, and is
preceded by 8 bytes of preamble + SFD and followed by 12 bytes of inter-frame gap. The last bit is
received ``(len + 4 + 8) * 8`` bit times after the first left; the link is free again after
``(len + 4 + 8 + 12) * 8`` bit times.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

MAGIC = b"HBSW"
VERSION = 1
T_FRAME = 1
T_BARRIER = 2
T_BARRIER_ACK = 3
T_ATTACH = 4
T_DETACH = 5
NEVER_NS = (1 << 63) - 1

HEADER = struct.Struct("!4sBBHIqq")
HEADER_LEN = HEADER.size  # 28

MIN_FRAME_NO_FCS = 60
FCS_BYTES = 4
PREAMBLE_BYTES = 8
IFG_BYTES = 12
ETH_HEADER_BYTES = 14
TPID_8021Q = 0x8100


class WireError(ValueError):
    """A datagram is not a valid tunnel datagram (bad magic, version, type or length)."""


@dataclass(frozen=True, slots=True)
class Datagram:
    """A decoded tunnel datagram."""

    kind: int
    port: int
    seq: int
    t_ns: int
    aux_ns: int
    frame: bytes


def encode(kind: int, port: int, seq: int, t_ns: int, frame: bytes = b"", aux_ns: int = 0) -> bytes:
    """Build one tunnel datagram."""
    return HEADER.pack(MAGIC, VERSION, kind, port, seq & 0xFFFFFFFF, t_ns, aux_ns) + frame


def decode(data: bytes) -> Datagram:
    """Parse one tunnel datagram or raise ``WireError`` saying what is wrong."""
    if len(data) < HEADER_LEN:
        raise WireError(f"datagram of {len(data)} bytes is shorter than the {HEADER_LEN}-byte tunnel header")
    magic, version, kind, port, seq, t_ns, aux_ns = HEADER.unpack_from(data)
    if magic != MAGIC:
        raise WireError(f"bad magic {magic!r} (expected {MAGIC!r})")
    if version != VERSION:
        raise WireError(f"unsupported tunnel version {version} (expected {VERSION})")
    if kind not in (T_FRAME, T_BARRIER, T_BARRIER_ACK, T_ATTACH, T_DETACH):
        raise WireError(f"unknown datagram type {kind}")
    frame = data[HEADER_LEN:]
    if kind == T_FRAME and len(frame) < ETH_HEADER_BYTES:
        raise WireError(f"FRAME datagram carries {len(frame)} bytes, less than an Ethernet header")
    return Datagram(kind, port, seq, t_ns, aux_ns, frame)


def wire_bits_to_last_bit(frame_len: int) -> int:
    """Bits from the first preamble bit to the last FCS bit of a frame of ``frame_len`` bytes (no FCS)."""
    return (max(frame_len, MIN_FRAME_NO_FCS) + FCS_BYTES + PREAMBLE_BYTES) * 8


def wire_bits_occupied(frame_len: int) -> int:
    """Bits the link is busy for one frame, inter-frame gap included."""
    return wire_bits_to_last_bit(frame_len) + IFG_BYTES * 8


def bits_to_ns(bits: int, rate_bps: int) -> int:
    """Serialisation time of ``bits`` at ``rate_bps``, rounded up to whole ns."""
    return -((-bits * 1_000_000_000) // rate_bps)


def mac_bytes(mac: str) -> bytes:
    """``"02:00:00:00:00:01"`` -> 6 bytes; raises ``ValueError`` naming the bad address."""
    parts = mac.replace("-", ":").split(":")
    if len(parts) != 6:
        raise ValueError(f"{mac!r} is not a MAC address (expected 6 hex octets)")
    try:
        out = bytes(int(p, 16) for p in parts)
    except ValueError:
        raise ValueError(f"{mac!r} is not a MAC address (non-hex octet)") from None
    return out


def mac_str(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def frame_pcp(frame: bytes, default_pcp: int = 0) -> int:
    """The 802.1Q PCP of a frame, or ``default_pcp`` for an untagged frame."""
    if len(frame) >= 16 and frame[12] == 0x81 and frame[13] == 0x00:
        return frame[14] >> 5
    return default_pcp
