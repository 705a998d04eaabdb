"""NETCONF (RFC 6241/6242) over SSH for the emulated switch, carried by asyncssh.

Why our own server: the PyPI ``netconf`` server needs paramiko < 4 (we have 5); asyncssh serves an
SSH ``netconf`` subsystem directly. ``NetconfSession`` is the protocol without I/O (framing, hello,
RPC dispatch, ``rpc-error`` building) so it is unit-testable; ``NetconfServer`` runs it on
127.0.0.1 in a background thread with a per-lab host key and password.

Supported: base:1.0 end-of-message framing and base:1.1 chunked framing (chosen from the client's
hello), ``get`` / ``get-config`` with subtree filters, ``edit-config`` (merge/replace/none,
per-element ``nc:operation``), ``:candidate`` with ``commit`` / ``discard-changes``,
``lock`` / ``unlock``, ``close-session``, ``kill-session``. Anything else gets
``operation-not-supported``.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import threading
from typing import Any

import asyncssh
from lxml import etree

from bench.emu.switch import yang
from bench.emu.switch.control import SwitchControl
from bench.emu.switch.yang import NC, RpcError

BASE_10 = "urn:ietf:params:netconf:base:1.0"
BASE_11 = "urn:ietf:params:netconf:base:1.1"
CAPS = [BASE_10, BASE_11, "urn:ietf:params:netconf:capability:candidate:1.0",
        "urn:ietf:params:netconf:capability:writable-running:1.0"]
EOM = b"]]>]]>"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True, huge_tree=False)
_session_ids = itertools.count(1)
_locks: dict[str, int] = {}
_locks_guard = threading.Lock()


def capabilities() -> list[str]:
    mods = [f"{ns}?module={name}&revision={rev}" for name, (ns, rev) in yang.MODULES.items()]
    return CAPS + mods


class NetconfSession:
    """One NETCONF session: bytes in, framed replies out."""

    def __init__(self, control: SwitchControl) -> None:
        self.control = control
        self.session_id = next(_session_ids)
        self.chunked = False
        self.got_hello = False
        self.closed = False
        self._buf = b""

    def hello(self) -> bytes:
        root = etree.Element(f"{{{NC}}}hello", nsmap={None: NC})
        caps = etree.SubElement(root, f"{{{NC}}}capabilities")
        for c in capabilities():
            etree.SubElement(caps, f"{{{NC}}}capability").text = c
        etree.SubElement(root, f"{{{NC}}}session-id").text = str(self.session_id)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + EOM

    # -- framing ----------------------------------------------------------------------------------
    def feed(self, data: bytes) -> list[bytes]:
        """Consume bytes from the client; return framed replies to send."""
        self._buf += data
        out: list[bytes] = []
        while not self.closed:
            msg = self._next_message()
            if msg is None:
                break
            reply = self._handle(msg)
            if reply is not None:
                out.append(self._frame(reply))
        return out

    def _next_message(self) -> bytes | None:
        if not self.chunked:
            i = self._buf.find(EOM)
            if i < 0:
                return None
            msg, self._buf = self._buf[:i], self._buf[i + len(EOM):]
            return msg
        parts: list[bytes] = []
        pos = 0
        buf = self._buf
        while True:
            if len(buf) - pos < 4:
                return None
            if buf[pos:pos + 4] == b"\n##\n":
                self._buf = buf[pos + 4:]
                return b"".join(parts)
            if buf[pos:pos + 2] != b"\n#":
                self.closed = True  # RFC 6242 §4.2: a framing error terminates the session
                return None
            nl = buf.find(b"\n", pos + 2)
            if nl < 0:
                return None
            try:
                size = int(buf[pos + 2:nl])
            except ValueError:
                self.closed = True
                return None
            if len(buf) < nl + 1 + size:
                return None
            parts.append(buf[nl + 1:nl + 1 + size])
            pos = nl + 1 + size

    def _frame(self, payload: bytes) -> bytes:
        if self.chunked:
            return b"\n#%d\n" % len(payload) + payload + b"\n##\n"
        return payload + EOM

    # -- messages ---------------------------------------------------------------------------------
    def _handle(self, msg: bytes) -> bytes | None:
        try:
            root = etree.fromstring(msg.strip(), _PARSER)
        except etree.XMLSyntaxError as exc:
            return self._error_reply({}, RpcError("malformed-message", f"not well-formed XML: {exc}", None, "rpc"))
        if not self.got_hello:
            if root.tag != f"{{{NC}}}hello":
                self.closed = True
                return None
            caps = [c.text.strip() for c in root.iter(f"{{{NC}}}capability") if c.text]
            self.chunked = BASE_11 in caps
            self.got_hello = True
            return None
        if root.tag != f"{{{NC}}}rpc":
            return self._error_reply({}, RpcError("malformed-message", f"expected <rpc>, got {root.tag}", None, "rpc"))
        attrs = dict(root.attrib)
        if "message-id" not in attrs:
            return self._error_reply(attrs, RpcError("missing-attribute", "rpc without message-id", "/rpc", "rpc"))
        ops = [c for c in root if isinstance(c.tag, str)]
        if len(ops) != 1:
            return self._error_reply(attrs, RpcError("malformed-message", "an <rpc> carries exactly one operation",
                                                     "/rpc", "rpc"))
        try:
            body = self._dispatch(ops[0])
        except RpcError as err:
            return self._error_reply(attrs, err)
        except Exception as exc:  # noqa: BLE001 - a server bug must still answer, not kill the session
            return self._error_reply(attrs, RpcError("operation-failed", f"internal error: {exc!r}"))
        return self._reply(attrs, body)

    def _reply(self, attrs: dict[str, str], body: list[etree._Element] | None) -> bytes:
        reply = etree.Element(f"{{{NC}}}rpc-reply", nsmap={None: NC})
        for k, v in attrs.items():
            reply.set(k, v)
        if body is None:
            etree.SubElement(reply, f"{{{NC}}}ok")
        else:
            data = etree.SubElement(reply, f"{{{NC}}}data")
            for el in body:
                data.append(el)
        return etree.tostring(reply, xml_declaration=True, encoding="UTF-8")

    def _error_reply(self, attrs: dict[str, str], err: RpcError) -> bytes:
        reply = etree.Element(f"{{{NC}}}rpc-reply", nsmap={None: NC})
        for k, v in attrs.items():
            reply.set(k, v)
        e = etree.SubElement(reply, f"{{{NC}}}rpc-error")
        etree.SubElement(e, f"{{{NC}}}error-type").text = err.err_type
        etree.SubElement(e, f"{{{NC}}}error-tag").text = err.tag
        etree.SubElement(e, f"{{{NC}}}error-severity").text = "error"
        if err.path:
            etree.SubElement(e, f"{{{NC}}}error-path").text = err.path
        msg = etree.SubElement(e, f"{{{NC}}}error-message")
        msg.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        msg.text = err.message
        return etree.tostring(reply, xml_declaration=True, encoding="UTF-8")

    def _datastore(self, op: etree._Element, which: str) -> str:
        holder = op.find(f"{{{NC}}}{which}")
        kids = [c for c in holder if isinstance(c.tag, str)] if holder is not None else []
        if len(kids) != 1:
            raise RpcError("missing-element", f"<{which}> must name one datastore", f"/rpc/{etree.QName(op).localname}"
                           f"/{which}", "protocol")
        name = etree.QName(kids[0]).localname
        if name not in ("running", "candidate"):
            raise RpcError("invalid-value", f"datastore {name!r} is not supported (running, candidate)",
                           f"/rpc/{etree.QName(op).localname}/{which}", "protocol")
        return name

    def _filter(self, op: etree._Element) -> etree._Element | None:
        flt = op.find(f"{{{NC}}}filter")
        if flt is None:
            return None
        kind = flt.get("type", "subtree")
        if kind != "subtree":
            raise RpcError("operation-not-supported", f"filter type {kind!r} is not supported (subtree only)",
                           "/rpc/get/filter", "protocol")
        return flt

    def _dispatch(self, op: etree._Element) -> list[etree._Element] | None:
        if etree.QName(op).namespace != NC:
            raise RpcError("operation-not-supported", f"operation {op.tag} is not supported", "/rpc", "protocol")
        name = etree.QName(op).localname
        ctl = self.control
        if name == "get":
            return yang.subtree_filter(ctl.state_xml(), self._filter(op))
        if name == "get-config":
            return yang.subtree_filter(ctl.config_xml(self._datastore(op, "source")), self._filter(op))
        if name == "edit-config":
            target = self._datastore(op, "target")
            self._check_lock(target)
            default_op = (op.findtext(f"{{{NC}}}default-operation") or "merge").strip()
            config = op.find(f"{{{NC}}}config")
            if config is None:
                raise RpcError("missing-element", "edit-config needs <config> (url is not supported)",
                               "/rpc/edit-config", "protocol")
            ctl.edit(target, config, default_op)
            return None
        if name == "commit":
            self._check_lock("running")
            ctl.commit()
            return None
        if name == "discard-changes":
            ctl.discard_changes()
            return None
        if name in ("lock", "unlock"):
            target = self._datastore(op, "target")
            with _locks_guard:
                holder = _locks.get(target)
                if name == "lock":
                    if holder is not None and holder != self.session_id:
                        raise RpcError("lock-denied", f"{target} is locked by session {holder}", None, "protocol")
                    _locks[target] = self.session_id
                else:
                    if holder != self.session_id:
                        raise RpcError("operation-failed", f"{target} is not locked by this session", None,
                                       "protocol")
                    del _locks[target]
            return None
        if name in ("close-session", "kill-session"):
            if name == "close-session":
                self.closed = True
            self.release_locks()
            return None
        raise RpcError("operation-not-supported", f"operation {name!r} is not supported", "/rpc", "protocol")

    def _check_lock(self, target: str) -> None:
        with _locks_guard:
            holder = _locks.get(target)
        if holder is not None and holder != self.session_id:
            raise RpcError("in-use", f"{target} is locked by session {holder}", None, "protocol")

    def release_locks(self) -> None:
        with _locks_guard:
            for k in [k for k, v in _locks.items() if v == self.session_id]:
                del _locks[k]


class _Auth(asyncssh.SSHServer):
    def __init__(self, username: str, password: str) -> None:
        self._user = username
        self._password = password

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return hmac.compare_digest(username.encode(), self._user.encode()) and hmac.compare_digest(
            password.encode(), self._password.encode())


class NetconfServer:
    """The SSH ``netconf`` subsystem on 127.0.0.1, running its own asyncio loop in a thread."""

    def __init__(self, control: SwitchControl, host_key_path: str, username: str, password: str,
                 port: int = 0) -> None:
        self.control = control
        self.host_key_path = host_key_path
        self.username = username
        self._password = password
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="netconf", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._server: Any = None

    def start(self, timeout_s: float = 10.0) -> int:
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise RuntimeError("NETCONF server did not start in time")
        if self._error is not None:
            raise RuntimeError(f"NETCONF server failed to start: {self._error}")
        return self.port

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._server = self._loop.run_until_complete(asyncssh.listen(
                "127.0.0.1", self.port, server_host_keys=[self.host_key_path],
                server_factory=lambda: _Auth(self.username, self._password),
                process_factory=self._session, encoding=None, allow_scp=False, sftp_factory=None,
                agent_forwarding=False, x11_forwarding=False, allow_pty=False, keepalive_interval=0))
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()

    async def _session(self, process: asyncssh.SSHServerProcess) -> None:
        if process.subsystem != "netconf":
            process.stderr.write(b"only the netconf subsystem is served here\n")
            process.exit(1)
            return
        session = NetconfSession(self.control)
        process.stdout.write(session.hello())
        try:
            while not session.closed:
                data = await process.stdin.read(65536)
                if not data:
                    break
                for out in session.feed(data):
                    process.stdout.write(out)
                await process.stdout.drain()
        except (asyncssh.Error, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            session.release_locks()
            process.exit(0)

    def stop(self) -> None:
        if self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
