"""The node's status server: /health, /state and /metrics over real HTTP on loopback."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from bench.errors import LabError
from bench.node.core import ReferenceNode
from bench.node.http import SnapshotBox, StatusServer, prometheus_text
from tests.node.node_harness import NoBytesDecoder, Receiver, make_config, run_node

SAMPLE_LINE = re.compile(r'^[a-z_]+\{node="n1"(,[a-z]+="[^"]*")?\} (-?[0-9.e+-]+|nan|inf)$')


def snapshot_after(steps: int) -> dict:
    node = ReferenceNode("n1", make_config(), NoBytesDecoder())
    node.decoder.rejects["bad_checksum"] += 3
    node.decoder.accepted["RMC"] += steps
    run_node(node, Receiver(jump_ns={k: 1_000_000 for k in range(100, 103)}), steps)
    return node.snapshot()


def get(port: int, path: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as resp:
            return resp.status, resp.headers["Content-Type"], resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read().decode()


def test_state_health_and_metrics_over_http() -> None:
    box = SnapshotBox({"name": "n1", "state": "unlocked", "k": None})
    server = StatusServer(0, box)
    server.start()
    try:
        status, ctype, body = get(server.port, "/health")
        assert status == 200 and ctype == "application/json"
        assert json.loads(body) == {"ok": True, "name": "n1", "state": "unlocked", "k": None}
        box.publish(snapshot_after(150))
        status, _, body = get(server.port, "/state")
        state = json.loads(body)
        assert state["state"] == "locked" and state["k"] == 149 and state["jumps_rejected"] == 1
        assert state["rejects"] == {"bad_checksum": 3, "time_jump": 3}
        assert state["sentences_accepted"] == {"RMC": 150} and state["pps_count"] == 150
        assert isinstance(state["offset_ns"], float) and isinstance(state["freq_correction_ppb"], float)
        assert state["leap_seconds"] == 0 and state["last_label"] == "2026-06-01T00:02:29Z"
        status, ctype, body = get(server.port, "/metrics")
        assert status == 200 and ctype.startswith("text/plain; version=0.0.4")
        assert 'hilbench_node_state{node="n1",state="locked"} 1.0' in body
        assert 'hilbench_node_jumps_rejected_total{node="n1"} 1.0' in body
        assert 'hilbench_node_rejects_total{node="n1",reason="bad_checksum"} 3.0' in body
        status, _, body = get(server.port, "/nope")
        assert status == 404 and "/metrics" in body
    finally:
        server.stop()


def test_prometheus_text_is_well_formed() -> None:
    text = prometheus_text(snapshot_after(50))
    assert text.endswith("\n")
    names_with_type = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert kind in ("gauge", "counter")
            names_with_type.add(name)
        elif not line.startswith("# HELP "):
            assert SAMPLE_LINE.match(line), line
            assert line.split("{")[0] in names_with_type


def test_label_values_are_escaped() -> None:
    text = prometheus_text({"name": 'we"ird\\', "state": "locked", "rejects": {'a"b': 1}})
    assert 'node="we\\"ird\\\\"' in text and 'reason="a\\"b"' in text


def test_port_in_use_is_a_lab_error() -> None:
    box = SnapshotBox({})
    server = StatusServer(0, box)
    try:
        with pytest.raises(LabError, match=f"cannot listen on 127.0.0.1:{server.port}"):
            StatusServer(server.port, box)
    finally:
        server.stop()
