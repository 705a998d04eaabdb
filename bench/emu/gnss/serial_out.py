"""Writing the receiver's bytes to the receiver end of a node's pty pair, without ever hanging.

Why: a pty whose other end nobody reads fills up and a blocking write would freeze the whole lab.
Writes are non-blocking with a wall-clock budget; what could not be written is reported so the
tick tells the node the true byte count.
"""

from __future__ import annotations

import contextlib
import os
import select
import time

from bench.errors import LabError

WRITE_BUDGET_S = 2.0
SPLIT_PAUSE_S = 0.002


class SerialOut:
    """The receiver end of one node's serial link."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self._fd: int | None = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            raise LabError(f"GNSS receiver output {path}: cannot open: {exc.strerror}") from None

    def write_chunks(self, chunks: list[bytes]) -> int:
        """Write each chunk with its own write() (a short pause between); return bytes written."""
        total = 0
        for i, chunk in enumerate(chunks):
            if i and len(chunks) > 1:
                time.sleep(SPLIT_PAUSE_S)
            written = self._write_all(chunk)
            total += written
            if written < len(chunk):
                break
        self._drain_input()
        return total

    def _write_all(self, data: bytes) -> int:
        if self._fd is None:
            return 0
        view = memoryview(data)
        done = 0
        deadline = time.monotonic() + WRITE_BUDGET_S
        while done < len(data):
            try:
                done += os.write(self._fd, view[done:])
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return done
                select.select([], [self._fd], [], min(remaining, 0.05))
            except OSError:
                return done
        return done

    def _drain_input(self) -> None:
        """Discard anything the node wrote towards the receiver (we do not take commands)."""
        if self._fd is None:
            return
        with contextlib.suppress(BlockingIOError, OSError):
            while os.read(self._fd, 4096):
                pass

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
