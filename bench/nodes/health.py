"""The node's health probe: HTTP GET ``/health`` must answer 200 with JSON ``{"ok": true, ...}``.

Why: every backend decides "up" the same way, from the node's own endpoint, not from "the process
or container exists" — a node that runs but cannot serve is not healthy.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable

HEALTH_PATH = "/health"


def probe(http_url: str, timeout_s: float = 1.0) -> tuple[bool, str]:
    """One health request; ``(ok, detail)``; never raises."""
    url = http_url.rstrip("/") + HEALTH_PATH
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:  # noqa: S310 - our own loopback URL
            body = resp.read(65536)
            status = resp.status
    except urllib.error.HTTPError as exc:
        return False, f"{url}: HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return False, f"{url}: {reason}"
    try:
        data = json.loads(body)
    except ValueError:
        return False, f"{url}: HTTP {status} but the body is not JSON"
    if status == 200 and isinstance(data, dict) and data.get("ok") is True:
        return True, f"{url}: ok"
    return False, f"{url}: HTTP {status} {str(data)[:120]}"


def wait_healthy(http_url: str, timeout_s: float, still_running: Callable[[], tuple[bool, str]],
                 poll_s: float = 0.02) -> tuple[bool, str]:
    """Poll ``probe`` until ok, ``timeout_s`` passes, or ``still_running`` says the node died."""
    deadline = time.monotonic() + timeout_s
    detail = "not probed"
    while True:
        ok, detail = probe(http_url, timeout_s=min(1.0, max(0.1, deadline - time.monotonic())))
        if ok:
            return True, detail
        alive, why = still_running()
        if not alive:
            return False, f"node exited before it was healthy: {why}"
        if time.monotonic() >= deadline:
            return False, f"not healthy within {timeout_s:.0f} s ({detail})"
        time.sleep(poll_s)
