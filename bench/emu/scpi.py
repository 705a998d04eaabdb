"""A small SCPI instrument server over TCP: the protocol half that every emulated instrument shares.

Real SCPI instruments on a raw socket (port 5025) take newline-terminated commands, accept short
and long header forms in any case (``SOUR:SCEN:CONT`` = ``source:scenario:control``), allow several
commands per line separated by ``;``, answer queries with one line, and queue errors for
``SYST:ERR?`` (``-113,"Undefined header"`` for an unknown command). Emulators register handlers for
header patterns written the way manuals write them (``SOURce:SCENario:CONTrol``, ``[SENSe:]``
optional nodes, ``INPut#`` numeric suffixes) and get that behaviour for free.
"""

from __future__ import annotations

import re
import socket
import socketserver
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

Handler = Callable[[list[str], tuple[int, ...]], "str | None"]

ERROR_QUEUE_DEPTH = 30


class ScpiError(Exception):
    """An SCPI error to queue: ``code`` (negative standard or positive device-specific) and text."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f'{code},"{message}"')
        self.code = code
        self.message = message


def _node_regex(node: str) -> str:
    """``SOURce`` -> ``SOUR(?:CE)?``; ``INPut#`` -> ``INP(?:UT)?(\\d*)``."""
    suffix = node.endswith("#")
    node = node.rstrip("#")
    short = "".join(c for c in node if c.isupper() or c.isdigit() or c in "*?")
    rest = node[len(short):]
    if node[: len(short)] != short:  # mixed form like "CONFigure" is fine; "conFIG" is not a manual form
        short, rest = node.upper(), ""
    body = re.escape(short) + (f"(?:{re.escape(rest.upper())})?" if rest else "")
    return body + (r"(\d*)" if suffix else "")


def compile_header(pattern: str) -> re.Pattern[str]:
    """Compile a manual-style header pattern to a case-insensitive regex."""
    query = pattern.endswith("?")
    pattern = pattern.rstrip("?")
    regex = ":?"
    seen_required = False
    for match in re.finditer(r"\[:?([^\]]+?):?\]|:?([^:\[]+)", pattern):
        optional, required = match.group(1), match.group(2)
        sep = ":" if seen_required else ":?"
        if optional:
            regex += f"(?:{sep}{_node_regex(optional)})?"
        else:
            regex += (sep if regex != ":?" else "") + _node_regex(required)
            seen_required = True
    return re.compile("^" + regex + (r"\?" if query else "") + "$", re.IGNORECASE)


@dataclass
class _Route:
    pattern: str
    regex: re.Pattern[str]
    handler: Handler


class ScpiDevice:
    """Command table, error queue and dispatch; subclass or register handlers."""

    idn = "hilbench,Emulated Instrument,0,0.1"

    def __init__(self) -> None:
        self._routes: list[_Route] = []
        self._errors: deque[tuple[int, str]] = deque()
        self.lock = threading.RLock()
        self.register("*IDN?", lambda a, s: self.idn)
        self.register("*RST", lambda a, s: self.reset())
        self.register("*CLS", lambda a, s: self.clear_errors())
        self.register("*OPC?", lambda a, s: "1")
        self.register("*OPC", lambda a, s: None)
        self.register("*WAI", lambda a, s: None)
        self.register("SYSTem:ERRor[:NEXT]?", lambda a, s: self.next_error())

    # -- registration and state ---------------------------------------------------------
    def register(self, pattern: str, handler: Handler) -> None:
        self._routes.append(_Route(pattern, compile_header(pattern), handler))

    def reset(self) -> None:
        """``*RST``; subclasses extend."""
        return None

    def clear_errors(self) -> None:
        with self.lock:
            self._errors.clear()

    def push_error(self, code: int, message: str) -> None:
        with self.lock:
            if len(self._errors) >= ERROR_QUEUE_DEPTH:
                self._errors[-1] = (-350, "Queue overflow")
                return
            self._errors.append((code, message))

    def next_error(self) -> str:
        with self.lock:
            code, msg = self._errors.popleft() if self._errors else (0, "No error")
        return f'{code:+d},"{msg}"' if code else '+0,"No error"'

    # -- dispatch ----------------------------------------------------------------------------
    def execute_line(self, line: str) -> list[str]:
        """Run every command of one line; return the query answers in order."""
        answers: list[str] = []
        for command in _split_commands(line):
            answer = self.execute(command)
            if answer is not None:
                answers.append(answer)
        return answers

    def execute(self, command: str) -> str | None:
        header, _, rest = command.strip().partition(" ")
        if not header:
            return None
        args = _split_args(rest)
        for route in self._routes:
            match = route.regex.match(header)
            if match:
                suffixes = tuple(int(g) if g else 1 for g in match.groups())
                try:
                    with self.lock:
                        return route.handler(args, suffixes)
                except ScpiError as err:
                    self.push_error(err.code, err.message)
                    return None
                except (ValueError, IndexError) as err:
                    self.push_error(-224, f"Illegal parameter value; {err}")
                    return None
        self.push_error(-113, "Undefined header")
        return None


def _split_commands(line: str) -> list[str]:
    out, current, quoted = [], [], False
    for c in line:
        if c == '"':
            quoted = not quoted
        if c == ";" and not quoted:
            out.append("".join(current))
            current = []
        else:
            current.append(c)
    out.append("".join(current))
    return [c for c in (x.strip() for x in out) if c]


def _split_args(text: str) -> list[str]:
    text = text.strip()
    if not text:
        return []
    out, current, quoted, depth = [], [], False, 0
    for c in text:
        if c == '"':
            quoted = not quoted
        elif c == "(" and not quoted:
            depth += 1
        elif c == ")" and not quoted:
            depth -= 1
        if c == "," and not quoted and depth == 0:
            out.append("".join(current).strip())
            current = []
        else:
            current.append(c)
    out.append("".join(current).strip())
    return out


class _Handler(socketserver.StreamRequestHandler):
    server: ScpiServer

    def handle(self) -> None:
        device = self.server.device
        while True:
            try:
                raw = self.rfile.readline(65536)
            except (ConnectionError, OSError):
                return
            if not raw:
                return
            line = raw.decode("ascii", errors="replace").strip("\r\n")
            if not line.strip():
                continue
            answers = device.execute_line(line)
            if answers:
                try:
                    self.wfile.write((";".join(answers) + "\n").encode("ascii", errors="replace"))
                    self.wfile.flush()
                except (ConnectionError, OSError):
                    return


class ScpiServer(socketserver.ThreadingTCPServer):
    """Serves one ``ScpiDevice`` on ``127.0.0.1:port`` (port 0 = pick a free one)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, device: ScpiDevice, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("emulators bind loopback only")
        super().__init__((host, port), _Handler)
        self.device = device
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def visa_address(self) -> str:
        return f"TCPIP::127.0.0.1::{self.port}::SOCKET"

    def start(self) -> ScpiServer:
        self._thread = threading.Thread(target=self.serve_forever, name=f"scpi-{self.port}", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self.shutdown()
        self.server_close()

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().server_bind()
