"""End to end: byte streams from the NMEA strategies through a real socat pty into a running reference node.

A minimal kernel (docs/simulation.md node channel: hello/welcome, tick/done, bye) drives one node
process in lock-step. Each step carries the second's real sentences (RMC, GGA, ZDA naming second k)
after strategy-drawn noise; the node must stay up, stay (or get back) locked, and its HTTP counters
must match exactly what was sent.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import serial
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bench.lab.serial_pair import SerialPair
from bench.nmea import strategies as nst
from bench.nmea.parser import nmea_checksum

NS = 1_000_000_000
START = datetime(2026, 6, 1, tzinfo=UTC)
REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def second_bytes(k: int) -> bytes:
    """RMC, GGA and ZDA naming continuous second ``k`` after START (valid fix)."""
    t = START + timedelta(seconds=k)
    hms, dmy = t.strftime("%H%M%S") + ".00", t.strftime("%d%m%y")
    bodies = (f"GNRMC,{hms},A,3347.1234,S,07030.5678,W,0.0,0.0,{dmy},,,A",
              f"GNGGA,{hms},3347.1234,S,07030.5678,W,1,12,0.8,512.0,M,30.1,M,,",
              f"GNZDA,{hms},{t:%d},{t:%m},{t:%Y},00,00")
    return b"".join(f"${b}*{nmea_checksum(b)}\r\n".encode() for b in bodies)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveNode:
    """One node process, its receiver pty end, and the kernel side of its channel."""

    proc: subprocess.Popen[bytes]
    receiver: serial.Serial
    conn: socket.socket
    http_port: int
    k: int = 0
    buf: bytes = b""
    warmup_states: list[str] | None = None

    def _send(self, msg: dict[str, Any]) -> None:
        self.conn.sendall((json.dumps(msg) + "\n").encode())

    def _read(self) -> dict[str, Any]:
        while b"\n" not in self.buf:
            chunk = self.conn.recv(65536)
            if not chunk:
                raise ConnectionError("node closed the kernel channel")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return dict(json.loads(line))

    def step(self, data: bytes, pps: bool = True) -> str:
        """Write ``data`` to the pty, tick the node, return its state from ``done``."""
        self.receiver.write(data)
        self.receiver.flush()
        k = self.k
        self._send({"type": "tick", "k": k, "t_ns": k * NS, "pps_edges_ns": [k * NS + 1] if pps else [],
                    "nmea_bytes": len(data)})
        done = self._read()
        assert done["type"] == "done" and done["k"] == k, done
        self.k += 1
        return str(done["state"])

    def state(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http_port}/state", timeout=5) as resp:
            return dict(json.loads(resp.read()))


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveNode]:
    tmp = tmp_path_factory.mktemp("fuzz-e2e")
    old_lab_dir = os.environ.get("HILBENCH_LAB_DIR")
    os.environ["HILBENCH_LAB_DIR"] = str(tmp / "lab")
    pair = SerialPair("fuzz-e2e", tmp / "rx-a", tmp / "rx-b")
    pair.create()
    pair.start()
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(20)
    config = tmp / "node.json"
    config.write_text(json.dumps({"seed": 5, "node_index": 0, "start_utc": START.isoformat()}))
    http_port = free_port()
    log = (tmp / "node.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.node", "--name", "fz", "--serial", str(pair.link_b), "--kernel",
         f"127.0.0.1:{server.getsockname()[1]}", "--http-port", str(http_port), "--config", str(config)],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    receiver = serial.Serial(str(pair.link_a), timeout=1)
    conn: socket.socket | None = None
    try:
        conn, _ = server.accept()
        conn.settimeout(20)
        live = LiveNode(proc, receiver, conn, http_port)
        assert live._read() == {"type": "hello", "node": "fz"}
        live._send({"type": "welcome", "node": "fz", "start_utc": START.isoformat()})
        live.warmup_states = [live.step(second_bytes(live.k)) for _ in range(20)]
        yield live
        live._send({"type": "bye"})
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if conn is not None:
            conn.close()
        server.close()
        receiver.close()
        log.close()
        pair.stop()
        if old_lab_dir is None:
            os.environ.pop("HILBENCH_LAB_DIR", None)
        else:
            os.environ["HILBENCH_LAB_DIR"] = old_lab_dir
    text = (tmp / "node.log").read_text(errors="replace")
    assert "Traceback" not in text


def _decoder_rejects(state: dict[str, Any]) -> Counter[str]:
    return Counter({k: v for k, v in state["rejects"].items() if k != "time_jump"})


E2E = settings(max_examples=4, derandomize=True, deadline=None, database=None, phases=[Phase.generate],
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                      HealthCheck.data_too_large])


def test_node_locks_on_clean_input(node: LiveNode) -> None:
    assert node.warmup_states is not None and node.warmup_states[-1] == "locked", node.warmup_states
    assert node.state()["sentences_accepted"]["RMC"] >= 20


@E2E
@given(noise=st.lists(nst.mutations(kinds=nst.EXACT_MUTATIONS), min_size=6, max_size=6))
def test_mutations_through_the_pty_are_counted_exactly(node: LiveNode, noise: list[nst.Mutation]) -> None:
    before = node.state()
    states = [node.step(m.data + second_bytes(node.k)) for m in noise]
    after = node.state()
    assert set(states) == {"locked"}, states
    accepted = Counter(after["sentences_accepted"]) - Counter(before["sentences_accepted"])
    assert accepted == {"RMC": len(noise), "GGA": len(noise), "ZDA": len(noise)}
    sent = Counter(m.reason for m in noise)
    assert _decoder_rejects(after) - _decoder_rejects(before) == sent, [m.kind for m in noise]
    assert after["last_label"] == (START + timedelta(seconds=node.k - 1)).strftime("%Y-%m-%dT%H:%M:%SZ")


@E2E
@given(noise=st.lists(st.one_of(nst.garbage_bytes(), nst.mutations(kinds=("bit_flip",)).map(lambda m: m.data)),
                      min_size=6, max_size=6))
def test_garbage_and_bit_flips_never_cost_a_valid_sentence(node: LiveNode, noise: list[bytes]) -> None:
    before = node.state()
    states = [node.step(n + second_bytes(node.k)) for n in noise]
    after = node.state()
    assert set(states) == {"locked"}, states
    accepted = Counter(after["sentences_accepted"]) - Counter(before["sentences_accepted"])
    assert accepted == {"RMC": len(noise), "GGA": len(noise), "ZDA": len(noise)}
    assert sum(_decoder_rejects(after).values()) > sum(_decoder_rejects(before).values())


def test_node_rides_through_a_garbage_only_stretch_and_stays_locked(node: LiveNode) -> None:
    noise = b"\x00\xff$GPRMC,1*ZZ\r" * 40
    states = [node.step(noise) for _ in range(5)]
    states += [node.step(second_bytes(node.k)) for _ in range(15)]
    assert node.proc.poll() is None
    assert states[-1] == "locked", states
