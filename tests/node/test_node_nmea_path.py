"""The node's real NMEA path in-process: pynmea2-built bytes through the team's parser into the servo,
and arbitrary byte streams that must never stop it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from bench.node.core import ReferenceNode
from tests.node.node_harness import Receiver, label_of, make_config, nmea_second, run_node_bytes

NS = 1_000_000_000
LEAP_START = datetime(2026, 6, 30, 23, 40, tzinfo=UTC)


def test_real_sentences_lock_and_carry_the_leap_second() -> None:
    node = ReferenceNode("n1", make_config(start=LEAP_START, seed=3))
    receiver = Receiver(start=LEAP_START, leap_day=date(2026, 6, 30), seed=4)
    run = run_node_bytes(node, receiver, 1500, talker="GN")
    assert run.first_locked() <= 60
    te = run.te_between(300, 1499)
    assert float(np.sqrt(np.mean(te**2))) <= 10.0 and float(np.max(np.abs(te))) <= 50.0
    snap = node.snapshot()
    assert snap["leap_seconds"] == 1 and snap["jumps_rejected"] == 0
    assert snap["sentences_accepted"] == {"GGA": 1500, "RMC": 1500, "ZDA": 1500}
    assert snap["last_label"] == "2026-07-01T00:04:58Z"


def test_corrupt_and_garbage_steps_are_counted_and_ridden_through() -> None:
    start = datetime(2026, 6, 1, tzinfo=UTC)
    good = nmea_second(label_of(start, 500))
    flipped = bytearray(good)
    flipped[20] ^= 0x04
    mangle = {
        400: b"\x00\xff$GP\r\n" * 50,                       # garbage only
        401: good[: len(good) // 2],                        # truncated: rest never comes
        500: bytes(flipped),                                # a bit flip: checksum fails
        600: b"$GPRMC," + b"9" * 500 + b"\r\n",             # oversize
    }
    node = ReferenceNode("n1", make_config(start=start))
    run = run_node_bytes(node, Receiver(start=start), 800, mangle=mangle)
    assert set(run.states[100:]) == {"locked"}
    assert np.max(np.abs(run.te_between(100, 799))) <= 50
    snap = node.snapshot()
    assert sum(snap["rejects"].values()) >= 3
    assert snap["events"].get("label_flywheel", 0) >= 1


@given(chunks=st.lists(st.binary(max_size=300), min_size=1, max_size=30),
       edges=st.lists(st.lists(st.integers(-NS, 2 * NS), max_size=3), min_size=30, max_size=30))
def test_any_byte_stream_and_edges_never_stop_the_node(chunks: list[bytes], edges: list[list[int]]) -> None:
    node = ReferenceNode("fuzz", make_config())
    for k, chunk in enumerate(chunks):
        t_k = k * NS
        result = node.step(k, t_k, [t_k + e for e in edges[k]], chunk + nmea_second(label_of(node.config.start_utc, k)))
        assert result.k == k and result.state in ("unlocked", "locking", "locked", "holdover")
        assert all(t_k + NS // 2 <= e < t_k + 3 * NS // 2 for e in result.pps_out_ns)
