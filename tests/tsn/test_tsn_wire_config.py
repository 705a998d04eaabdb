"""Tunnel encoding, switch config validation, and the switch process's handling of bad input."""

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from bench.emu.switch import wire
from bench.emu.switch.config import load_config
from bench.errors import InputError
from bench.tsn.tunnel import TunnelPort


def test_roundtrip_and_errors():
    frame = bytes(64)
    d = wire.decode(wire.encode(wire.T_FRAME, 3, 7, -5, frame, 9))
    assert (d.kind, d.port, d.seq, d.t_ns, d.aux_ns, d.frame) == (wire.T_FRAME, 3, 7, -5, 9, frame)
    with pytest.raises(wire.WireError, match="shorter than the 28-byte"):
        wire.decode(b"HBSW")
    with pytest.raises(wire.WireError, match="bad magic"):
        wire.decode(b"XXXX" + bytes(24))
    with pytest.raises(wire.WireError, match="unknown datagram type 9"):
        wire.decode(wire.encode(9, 1, 0, 0))
    with pytest.raises(wire.WireError, match="less than an Ethernet header"):
        wire.decode(wire.encode(wire.T_FRAME, 1, 0, 0, b"abc"))
    assert wire.frame_pcp(bytes(12) + b"\x81\x00" + bytes([0xE0, 0x64]) + bytes(50)) == 7
    assert wire.frame_pcp(bytes(60), default_pcp=2) == 2
    with pytest.raises(ValueError, match="not a MAC"):
        wire.mac_bytes("02:00:00")


def test_config_errors_name_file_and_field(tmp_path):
    p = tmp_path / "sw.json"
    p.write_text(json.dumps({"ports": 2, "colour": "red"}))
    with pytest.raises(InputError, match=r"sw.json: colour: Extra inputs"):
        load_config(p)
    p.write_text(json.dumps({"ports": 2, "pcp_to_tc": [0, 1]}))
    with pytest.raises(InputError, match="pcp_to_tc needs 8 entries"):
        load_config(p)
    p.write_text("{not json")
    with pytest.raises(InputError, match="not JSON"):
        load_config(p)
    with pytest.raises(InputError, match="cannot read"):
        load_config(tmp_path / "missing.json")
    p.write_text(json.dumps({"ports": 2, "static_fdb": {"02:00:00:00:00:01": 5}}))
    with pytest.raises(InputError, match="port 5, but the switch has 2 ports"):
        load_config(p).fdb()


def _start(tmp_path, cfg, env=None):
    p = tmp_path / "sw.json"
    p.write_text(json.dumps(cfg))
    return subprocess.Popen([sys.executable, "-m", "bench.emu.switch", "--config", str(p)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env or os.environ.copy())


def test_missing_password_env_is_a_clear_exit_2(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HILBENCH_SWITCH_PASSWORD"}
    proc = _start(tmp_path, {"ports": 2, "netconf": {"host_key": str(tmp_path / "k")}}, env)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert b"HILBENCH_SWITCH_PASSWORD (NETCONF password) is not set" in err
    assert b"Traceback" not in err


def test_garbage_datagrams_are_dropped_and_the_switch_keeps_forwarding(tmp_path):
    ready = tmp_path / "ready.json"
    proc = _start(tmp_path, {"ports": 2, "ready_file": str(ready)})
    try:
        deadline = time.monotonic() + 20
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        ports = json.loads(ready.read_text())["udp_ports"]
        junk = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for payload in (b"", b"garbage", b"HBSW" + bytes(30)):
            junk.sendto(payload, ("127.0.0.1", ports[0]))
        a, b = TunnelPort(ports[0], 1), TunnelPort(ports[1], 2)
        h = max(a.attach(), b.attach())
        b.receive_only()
        frame = bytes.fromhex("020000000002020000000001") + b"\x88\xb5" + bytes(50)
        a.send_frame(h + 1000, frame)
        a.barrier(h + 1_000_000)
        end = time.monotonic() + 10
        while not b.arrivals and time.monotonic() < end:
            b.wait_readable(0.05)
            b.receive()
        assert len(b.arrivals) == 1
        arr = b.arrivals[0]
        assert arr.departure_ns == h + 1000 + (64 + 12) * 8  # 1 Gb/s: 1 ns per bit, stored then forwarded
        assert arr.arrival_ns == arr.departure_ns + (64 + 12) * 8
        with pytest.raises(ValueError, match="earlier than"):
            a.send_frame(h, frame)
        a.close()
        b.close()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert b"dropped a bad datagram" in out
    assert b"bad datagrams 3" in out
