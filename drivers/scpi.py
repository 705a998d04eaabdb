"""SCPI instrument base over an injectable VISA transport.

Every SCPI driver (GNSS simulators, counters, scopes) talks through this class: it opens any VISA
resource string with pyvisa (``@py`` backend by default, so ``TCPIP::127.0.0.1::5025::SOCKET`` reaches
an emulator and ``TCPIP::192.0.2.10::INSTR`` a real instrument), sets the terminations a raw socket
needs, and turns every failure into a typed ``InstrumentError`` naming the address and the command.
``checked`` commands read ``SYST:ERR?`` afterwards, so an instrument-side error is never missed.
The transport is injectable (any object with ``write``/``read``/``close`` and a ``timeout`` in ms)
for unit tests of a single driver class.
"""

from __future__ import annotations

import os
import re
from typing import Any, Protocol

from drivers.errors import InstrumentError

_ERR_RE = re.compile(r'^\s*([+-]?\d+)\s*,\s*"?(.*?)"?\s*$')


class Transport(Protocol):
    timeout: Any

    def write(self, message: str) -> Any: ...

    def read(self) -> str: ...

    def close(self) -> None: ...


class ScpiCommandError(InstrumentError):
    """The instrument queued an error after a command."""

    def __init__(self, address: str, command: str, code: int, message: str) -> None:
        super().__init__(f"{address}: command {command!r} failed: instrument error {code}, {message!r}")
        self.address = address
        self.command = command
        self.code = code
        self.instrument_message = message


def open_visa(address: str, timeout_s: float) -> Transport:
    """Open a VISA resource (backend from ``$HILBENCH_VISA_BACKEND``, default pyvisa-py ``@py``)."""
    import pyvisa

    backend = os.environ.get("HILBENCH_VISA_BACKEND", "@py")
    try:
        rm = pyvisa.ResourceManager(backend)
        kwargs: dict[str, Any] = {"timeout": int(timeout_s * 1000)}
        if address.upper().endswith("::SOCKET"):
            kwargs.update(read_termination="\n", write_termination="\n")
        resource = rm.open_resource(address, **kwargs)
    except (pyvisa.errors.VisaIOError, OSError, ValueError) as exc:
        raise InstrumentError(f"{address}: cannot connect: {exc}") from None
    return resource  # type: ignore[return-value]


class ScpiInstrument:
    """A connected SCPI instrument."""

    def __init__(self, address: str, timeout_s: float = 5.0, transport: Transport | None = None) -> None:
        self.address = address
        self.timeout_s = timeout_s
        self._io: Transport | None = transport if transport is not None else open_visa(address, timeout_s)

    # -- raw I/O -------------------------------------------------------------------------------
    @property
    def io(self) -> Transport:
        if self._io is None:
            raise InstrumentError(f"{self.address}: connection is closed")
        return self._io

    def write(self, command: str) -> None:
        try:
            self.io.write(command)
        except Exception as exc:  # noqa: BLE001 - pyvisa raises many kinds; all are I/O failures here
            raise InstrumentError(f"{self.address}: sending {command!r} failed: {exc}") from None

    def query(self, command: str, timeout_s: float | None = None) -> str:
        """Send a query and return its one-line answer (stripped)."""
        self.write(command)
        old = None
        try:
            if timeout_s is not None:
                old = self.io.timeout
                self.io.timeout = int(timeout_s * 1000)
            answer = self.io.read()
        except InstrumentError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise InstrumentError(f"{self.address}: no answer to {command!r}: {exc}") from None
        finally:
            if old is not None:
                self.io.timeout = old
        return answer.strip()

    def query_float(self, command: str) -> float:
        answer = self.query(command)
        try:
            return float(answer)
        except ValueError:
            raise InstrumentError(f"{self.address}: {command!r} answered {answer!r}, not a number") from None

    # -- checked commands ----------------------------------------------------------------------
    def next_error(self) -> tuple[int, str]:
        answer = self.query("SYST:ERR?")
        match = _ERR_RE.match(answer)
        if not match:
            raise InstrumentError(f"{self.address}: SYST:ERR? answered {answer!r}, not '<code>,\"<text>\"'")
        return int(match.group(1)), match.group(2)

    def check(self, command: str) -> None:
        """Raise ``ScpiCommandError`` for the first queued error (and drain the rest)."""
        code, message = self.next_error()
        if code == 0:
            return
        first = (code, message)
        for _ in range(32):
            code, _msg = self.next_error()
            if code == 0:
                break
        raise ScpiCommandError(self.address, command, *first)

    def send(self, command: str) -> None:
        """Write a setting command and check the error queue."""
        self.write(command)
        self.check(command)

    def ask(self, command: str) -> str:
        """Query and check the error queue (for queries that may fail instrument-side)."""
        answer = self.query(command)
        self.check(command)
        return answer

    def idn(self) -> str:
        return self.query("*IDN?")

    def reset(self) -> None:
        self.write("*RST")
        self.write("*CLS")
        self.query("*OPC?")

    def close(self) -> None:
        if self._io is not None:
            try:
                self._io.close()
            finally:
                self._io = None

    def __enter__(self) -> ScpiInstrument:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
