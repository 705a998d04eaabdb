"""The node as a real process: NMEA through a real socat pty pair, a tiny fake kernel on TCP (JSON lines),
its HTTP status endpoint, reconnecting when the kernel goes, SIGTERM, and bad command lines.

The fake kernel here follows docs/simulation.md: hello -> welcome; per step it writes the NMEA bytes of
second k (built with pynmea2) to the receiver end of the pair, then sends the tick; the node answers done.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import serial

from bench.lab.serial_pair import SerialPair
from tests.node.node_harness import START, label_of, nmea_second

NS = 1_000_000_000
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FakeKernel:
    """Just enough of the kernel's node channel to drive one node in lock-step."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(15)
        self.port = self.server.getsockname()[1]
        self.conn: socket.socket | None = None
        self._buf = b""

    def accept(self) -> dict:
        self.conn, _ = self.server.accept()
        self.conn.settimeout(15)
        self._buf = b""
        return self.read()

    def send(self, msg: dict) -> None:
        assert self.conn is not None
        self.conn.sendall((json.dumps(msg) + "\n").encode())

    def read(self) -> dict:
        assert self.conn is not None
        while b"\n" not in self._buf:
            chunk = self.conn.recv(65536)
            if not chunk:
                raise ConnectionError("node closed the channel")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return json.loads(line)

    def drop(self) -> None:
        assert self.conn is not None
        self.conn.close()
        self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.server.close()


@pytest.fixture
def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SerialPair]:
    monkeypatch.setenv("HILBENCH_LAB_DIR", str(tmp_path / "lab"))
    sp = SerialPair("node-e2e", tmp_path / "rx-a", tmp_path / "rx-b")
    sp.create()
    sp.start()
    try:
        yield sp
    finally:
        sp.stop()


def write_config(path: Path, **servo: object) -> Path:
    path.write_text(json.dumps({"seed": 4, "node_index": 1, "start_utc": START.isoformat(),
                                "oscillator": {"initial_phase_error_ns": -400e6}, "servo": servo}))
    return path


def start_node(tmp_path: Path, serial_path: Path, kernel_port: int, http_port: int) -> subprocess.Popen[bytes]:
    config = write_config(tmp_path / "node.json")
    argv = [sys.executable, "-m", "bench.node", "--name", "n1", "--serial", str(serial_path),
            "--kernel", f"127.0.0.1:{kernel_port}", "--http-port", str(http_port), "--config", str(config)]
    log = open(tmp_path / "node.log", "wb")  # noqa: SIM115 - closed with the process below
    return subprocess.Popen(argv, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)


def http_json(port: int, path: str) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
        return json.loads(resp.read())


def test_node_process_speaks_the_wire_protocol(pair: SerialPair, tmp_path: Path) -> None:
    kernel = FakeKernel()
    http_port = free_port()
    proc = start_node(tmp_path, pair.link_b, kernel.port, http_port)
    receiver = serial.Serial(str(pair.link_a), timeout=1)
    rng = np.random.default_rng(8)
    try:
        assert kernel.accept() == {"type": "hello", "node": "n1"}
        kernel.send({"type": "welcome", "node": "n1", "start_utc": START.isoformat()})
        dones = []

        def step(k: int, noise: bytes = b"", extra_claimed: int = 0) -> dict:
            data = noise + nmea_second(label_of(START, k))
            receiver.write(data)
            receiver.flush()
            edge = k * NS + int(rng.integers(-2, 3))
            kernel.send({"type": "tick", "k": k, "t_ns": k * NS, "pps_edges_ns": [edge],
                         "nmea_bytes": len(data) + extra_claimed})
            done = kernel.read()
            assert done["type"] == "done" and done["k"] == k
            assert all(isinstance(e, int) for e in done["pps_out_ns"])
            dones.append(done)
            return done

        for k in range(30):
            step(k)
        garbage = bytes(rng.integers(0, 256, 300, dtype=np.uint8)) + b"$GPRMC,12*ZZ\r\n$$$\n*\r\n"
        for k in range(30, 34):
            step(k, noise=garbage)
        step(34, extra_claimed=10)  # the kernel claims more bytes than arrive: 1 s short read, still answered
        for k in range(35, 40):
            step(k)

        states = [d["state"] for d in dones]
        assert states[0] == "locking" and "locked" in states and states.index("locked") <= 10
        assert set(states[states.index("locked"):]) == {"locked"}
        te = [e - round(e / NS) * NS for d in dones[12:] for e in d["pps_out_ns"]]
        assert len(te) == len(dones) - 12 and max(abs(x) for x in te) < 50

        state = http_json(http_port, "/state")
        assert state["name"] == "n1" and state["state"] == "locked" and state["k"] == 39
        assert state["sentences_accepted"].get("RMC", 0) >= 38
        assert sum(state["rejects"].values()) >= 4
        assert state["events"].get("serial_short_read") == 1
        assert state["last_label"] == "2026-06-01T00:00:39Z"
        assert http_json(http_port, "/health")["ok"] is True
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5) as resp:
            assert 'hilbench_node_state{node="n1",state="locked"} 1.0' in resp.read().decode()

        # the kernel connection drops: the node reconnects, says hello again and continues at the next step
        kernel.drop()
        assert kernel.accept() == {"type": "hello", "node": "n1"}
        kernel.send({"type": "welcome", "node": "n1", "start_utc": START.isoformat()})
        assert step(40)["state"] == "locked"
        kernel.send({"type": "bye"})
        assert kernel.accept()["type"] == "hello"  # after bye it waits for the next scenario

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        receiver.close()
        kernel.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    log = (tmp_path / "node.log").read_text()
    assert "Traceback" not in log and "stopped" in log


@pytest.mark.parametrize(("config", "kernel", "message"), [
    ('{"seed": 1, "node_index": 0, "start_utc": "2026-06-01T00:00:00Z", "servo": {"kp": -1}}', "127.0.0.1:9",
     "servo.kp"),
    ('{"seed": 1, "node_index": 0, "start_utc": "2026-06-01T00:00:00"}', "127.0.0.1:9", "time zone"),
    ('{"seed": 1, "node_index": 0, "start_utc": "2026-06-01T00:00:00Z", "osc": {}}', "127.0.0.1:9", "osc"),
    ("{not json", "127.0.0.1:9", "not JSON"),
    ('{"seed": 1, "node_index": 0, "start_utc": "2026-06-01T00:00:00Z"}', "localhost", "HOST:PORT"),
    ('{"seed": 1, "node_index": 0, "start_utc": "2026-06-01T00:00:00Z"}', "127.0.0.1:http", "not a number"),
])
def test_bad_config_or_arguments_exit_2_with_one_clear_line(tmp_path: Path, config: str, kernel: str,
                                                            message: str) -> None:
    path = tmp_path / "node.json"
    path.write_text(config)
    proc = subprocess.run([sys.executable, "-m", "bench.node", "--name", "n1", "--serial", "/dev/null",
                           "--kernel", kernel, "--http-port", "0", "--config", str(path)],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and message in proc.stderr and "Traceback" not in proc.stderr


def test_missing_config_file_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "bench.node", "--name", "n1", "--serial", "/dev/null",
                           "--kernel", "127.0.0.1:9", "--http-port", "0", "--config", str(tmp_path / "nope.json")],
                          cwd=REPO, capture_output=True, text=True, timeout=60, env={**os.environ})
    assert proc.returncode == 2 and "cannot read it" in proc.stderr


def test_node_survives_sigterm_while_the_kernel_is_unreachable(pair: SerialPair, tmp_path: Path) -> None:
    proc = start_node(tmp_path, pair.link_b, free_port(), free_port())
    time.sleep(1.0)
    assert proc.poll() is None  # keeps retrying with backoff
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


def test_tick_fields_are_checked() -> None:
    from bench.errors import InputError
    from bench.node.run import _tick_fields

    assert _tick_fields({"type": "tick", "k": 3, "t_ns": 3 * NS, "pps_edges_ns": [3 * NS + 1], "nmea_bytes": 9}) \
        == (3, 3 * NS, [3 * NS + 1], 9)
    for bad, what in (({"k": "3"}, "'k'"), ({"k": 1, "pps_edges_ns": 5}, "pps_edges_ns"),
                      ({"k": 1, "pps_edges_ns": [1.5]}, "pps_edges_ns"), ({"k": 1, "nmea_bytes": -1}, "negative"),
                      ({"k": True}, "'k'")):
        with pytest.raises(InputError, match=what):
            _tick_fields({"type": "tick", **bad})


def test_welcome_with_another_start_utc_rebuilds_the_node_on_the_kernels_time(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from bench.node.config import load_config
    from bench.node.run import NodeProcess

    process = NodeProcess("n1", "/dev/null", "127.0.0.1", 9, 0, load_config(write_config(tmp_path / "c.json")))
    try:
        process._welcome({"type": "welcome", "node": "n1", "start_utc": "2026-07-01T00:00:00+00:00"})
        assert process.node.config.start_utc == datetime(2026, 7, 1, tzinfo=UTC)
        assert process.node.tod.start_epoch_s == int(datetime(2026, 7, 1, tzinfo=UTC).timestamp())
        process._welcome({"type": "welcome", "node": "n1", "start_utc": "garbage"})  # logged, ignored
        assert process.node.config.start_utc == datetime(2026, 7, 1, tzinfo=UTC)
    finally:
        process.server.stop()
