"""The node channel: a loopback TCP server speaking the JSON-lines protocol of docs/simulation.md.

Why: nodes are separate processes (or containers) and must act only on the kernel's ticks; this
module owns the sockets, the hello/welcome handshake, joins at step boundaries and the collection
of ``done`` answers with a wall-clock timeout, so the kernel itself stays a plain step loop.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from bench.errors import LabError
from bench.sim import messages
from bench.sim.messages import ChannelError, Done

EventCallback = Callable[..., None]
_CLOSED = object()


class _Connection:
    def __init__(self, sock: socket.socket, peer: str) -> None:
        self.sock = sock
        self.peer = peer
        self.name: str | None = None
        self.inbox: queue.Queue[Any] = queue.Queue()
        self.write_lock = threading.Lock()
        self.closed = False

    def send(self, message: dict[str, Any]) -> bool:
        data = messages.encode(message)
        with self.write_lock:
            if self.closed:
                return False
            try:
                self.sock.sendall(data)
                return True
            except OSError:
                self.closed = True
                return False

    def close(self) -> None:
        with self.write_lock:
            self.closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()
        self.inbox.put(_CLOSED)


class NodeChannel:
    """Accepts nodes on ``127.0.0.1:port``; nodes join the lock-step at the next step after hello."""

    def __init__(self, start_utc_iso: str, *, allowed_nodes: set[str] | None = None, port: int = 0,
                 on_event: EventCallback | None = None) -> None:
        self.start_utc_iso = start_utc_iso
        self.allowed_nodes = allowed_nodes
        self._on_event = on_event or (lambda *a, **k: None)
        self._lock = threading.Lock()
        self._pending: dict[str, _Connection] = {}
        self._active: dict[str, _Connection] = {}
        self._all: set[_Connection] = set()
        self._hello_cv = threading.Condition(self._lock)
        try:
            self._server = socket.create_server(("127.0.0.1", port), reuse_port=False)
        except OSError as exc:
            raise LabError(f"node channel: cannot listen on 127.0.0.1:{port}: {exc.strerror}") from None
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, name="node-channel", daemon=True)

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._server.getsockname()[1])

    def start(self) -> NodeChannel:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._server.close()
        with self._lock:
            conns = list(self._all)
        for conn in conns:
            conn.close()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    # -- step interface (called by the kernel's step thread) --------------------------------
    def begin_step(self) -> list[str]:
        """Promote nodes that said hello since the last step; return the active names, sorted."""
        with self._lock:
            for name, conn in self._pending.items():
                old = self._active.get(name)
                if old is not None and old is not conn:
                    old.close()
                self._active[name] = conn
            self._pending.clear()
            for name in [n for n, c in self._active.items() if c.closed]:
                del self._active[name]
            return sorted(self._active)

    def known_nodes(self) -> set[str]:
        """Nodes that are active or waiting to join."""
        with self._lock:
            return {n for n, c in self._active.items() if not c.closed} | set(self._pending)

    def wait_for_nodes(self, names: set[str], timeout_s: float) -> set[str]:
        """Block until every node in ``names`` said hello (or timeout); return those still missing."""
        deadline = time.monotonic() + timeout_s
        with self._hello_cv:
            while True:
                present = {n for n, c in self._active.items() if not c.closed} | set(self._pending)
                missing = names - present
                remaining = deadline - time.monotonic()
                if not missing or remaining <= 0 or self._stop.is_set():
                    return missing
                self._hello_cv.wait(min(remaining, 0.1))

    def send(self, name: str, message: dict[str, Any]) -> bool:
        with self._lock:
            conn = self._active.get(name)
        return conn.send(message) if conn is not None else False

    def collect(self, k: int, names: list[str], timeout_s: float) -> dict[str, Done | None]:
        """Wait for each node's ``done`` for step ``k``; ``None`` for a node that timed out or left."""
        deadline = time.monotonic() + timeout_s
        out: dict[str, Done | None] = {}
        for name in names:
            with self._lock:
                conn = self._active.get(name)
            out[name] = None if conn is None else self._await_done(conn, name, k, deadline)
        return out

    def leave(self, name: str) -> None:
        """Take a node out of the lock-step (it may rejoin by saying hello again)."""
        with self._lock:
            self._active.pop(name, None)

    def broadcast(self, message: dict[str, Any]) -> None:
        with self._lock:
            conns = [c for c in self._all if c.name is not None]
        for conn in conns:
            conn.send(message)

    # -- internals ------------------------------------------------------------------------------
    def _await_done(self, conn: _Connection, name: str, k: int, deadline: float) -> Done | None:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                item = conn.inbox.get(timeout=remaining)
            except queue.Empty:
                return None
            if item is _CLOSED:
                conn.inbox.put(_CLOSED)
                return None
            if item.k == k:
                return item
            # a late answer to an earlier step: drop it

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, addr = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(None)
            conn = _Connection(sock, f"{addr[0]}:{addr[1]}")
            with self._lock:
                self._all.add(conn)
            threading.Thread(target=self._read_loop, args=(conn,), name=f"node-conn-{conn.peer}",
                             daemon=True).start()

    def _read_loop(self, conn: _Connection) -> None:
        buf = conn.sock.makefile("rb")
        try:
            for raw in buf:
                self._handle_line(conn, raw)
                if conn.closed:
                    break
        except (OSError, ValueError):
            pass
        finally:
            was_named = conn.name
            conn.close()
            with self._lock:
                self._all.discard(conn)
                if was_named and self._pending.get(was_named) is conn:
                    del self._pending[was_named]
            if was_named:
                self._on_event("node_leave", node=was_named, reason="connection closed")

    def _handle_line(self, conn: _Connection, raw: bytes) -> None:
        if not raw.strip():
            return
        try:
            msg = messages.decode(raw)
            kind = msg["type"]
            if kind == "hello":
                self._hello(conn, msg)
            elif kind == "done":
                if conn.name is None:
                    raise ChannelError(f"node channel {conn.peer}: 'done' before 'hello'")
                conn.inbox.put(messages.parse_done(msg, conn.name))
            else:
                raise ChannelError(f"node channel {conn.peer}: unexpected message type {kind!r}")
        except ChannelError as exc:
            self._on_event("node_channel_error", node=conn.name, error=str(exc))

    def _hello(self, conn: _Connection, msg: dict[str, Any]) -> None:
        name = msg.get("node")
        if not isinstance(name, str) or not name:
            raise ChannelError(f"node channel {conn.peer}: hello without a node name: {msg!r}")
        if self.allowed_nodes is not None and name not in self.allowed_nodes:
            self._on_event("node_rejected", node=name, reason="not a node of this lab",
                           allowed=sorted(self.allowed_nodes))
            conn.close()
            return
        if conn.name is not None and conn.name != name:
            raise ChannelError(f"node channel {conn.peer}: hello as {name!r} on a connection of {conn.name!r}")
        conn.name = name
        # drain answers of an earlier incarnation of this connection
        while True:
            try:
                conn.inbox.get_nowait()
            except queue.Empty:
                break
        conn.send(messages.welcome(name, self.start_utc_iso))
        with self._hello_cv:
            old = self._pending.get(name)
            if old is not None and old is not conn:
                old.close()
            self._pending[name] = conn
            self._hello_cv.notify_all()
        self._on_event("node_join", node=name, peer=conn.peer)
