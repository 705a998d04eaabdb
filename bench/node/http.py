"""The node's status endpoint on loopback: ``/health``, ``/state`` (JSON) and ``/metrics`` (Prometheus).

Why this exists: tests and the bench read a node's servo state, counters and the oscillator model's
holdover prediction from outside the process, exactly as they would scrape a real node; a real
deployment's Prometheus can scrape ``/metrics`` too. The step loop publishes a snapshot after each
step; the server threads only read the latest one, so serving never slows or perturbs the servo.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from bench.errors import LabError

STATES = ("unlocked", "locking", "locked", "holdover")


class SnapshotBox:
    """The latest published state snapshot, shared between the step loop and the HTTP threads."""

    def __init__(self, initial: dict[str, Any]) -> None:
        self._lock = threading.Lock()
        self._snapshot = initial

    def publish(self, snapshot: dict[str, Any]) -> None:
        with self._lock:
            self._snapshot = snapshot

    def get(self) -> dict[str, Any]:
        with self._lock:
            return self._snapshot


def _label_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def prometheus_text(snapshot: dict[str, Any]) -> str:
    """Render a snapshot in the Prometheus text exposition format (version 0.0.4)."""
    node = _label_value(str(snapshot.get("name", "")))
    lines: list[str] = []

    def metric(name: str, kind: str, help_text: str, samples: list[tuple[str, float]]) -> None:
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            extra = f",{labels}" if labels else ""
            lines.append(f'{name}{{node="{node}"{extra}}} {float(value)!r}')

    def num(key: str) -> float:
        value = snapshot.get(key)
        return float(value) if isinstance(value, int | float) else float("nan")

    state = snapshot.get("state")
    metric("hilbench_node_state", "gauge", "1 for the servo state the node is in",
           [(f'state="{s}"', 1.0 if s == state else 0.0) for s in STATES])
    metric("hilbench_node_step", "gauge", "last simulated step processed", [("", num("k"))])
    metric("hilbench_node_offset_ns", "gauge", "last measured phase offset (clock - label), ns",
           [("", num("offset_ns"))])
    metric("hilbench_node_freq_correction_ppb", "gauge", "servo frequency correction, ppb",
           [("", num("freq_correction_ppb"))])
    metric("hilbench_node_leap_seconds", "gauge", "leap seconds inserted since the start", [("", num("leap_seconds"))])
    for key, help_text in (("jumps_rejected", "time jumps rejected"), ("jumps_accepted", "time jumps accepted"),
                           ("clock_steps", "phase steps applied"), ("holdover_entries", "holdover entries"),
                           ("pps_count", "PPS edges received"), ("pps_out_count", "PPS edges emitted")):
        metric(f"hilbench_node_{key}_total", "counter", help_text, [("", num(key))])
    for key, label, help_text in (("rejects", "reason", "rejected inputs by reason"),
                                  ("sentences_accepted", "sentence", "NMEA sentences accepted by type"),
                                  ("events", "event", "node input events by kind")):
        items = snapshot.get(key) or {}
        metric(f"hilbench_node_{key}_total", "counter", help_text,
               [(f'{label}="{_label_value(str(name))}"', float(count)) for name, count in sorted(items.items())])
    return "\n".join(lines) + "\n"


def _handler(box: SnapshotBox) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "hilbench-node/1"

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            snapshot = box.get()
            path = self.path.split("?", 1)[0]
            if path == "/health":
                self._send(200, "application/json", json.dumps(
                    {"ok": True, "name": snapshot.get("name"), "state": snapshot.get("state"), "k": snapshot.get("k")}))
            elif path == "/state":
                self._send(200, "application/json", json.dumps(snapshot))
            elif path == "/metrics":
                self._send(200, "text/plain; version=0.0.4; charset=utf-8", prometheus_text(snapshot))
            else:
                self._send(404, "application/json", json.dumps({"error": f"no such path {path!r}",
                                                                "paths": ["/health", "/state", "/metrics"]}))

        def _send(self, code: int, content_type: str, body: str) -> None:
            data = body.encode("utf-8")
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
            return  # scrapes every second would flood the node log

    return Handler


class StatusServer:
    """A ThreadingHTTPServer on ``127.0.0.1:port`` serving the latest snapshot."""

    def __init__(self, port: int, box: SnapshotBox) -> None:
        try:
            self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(box))
        except OSError as exc:
            raise LabError(f"node status server: cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="node-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
