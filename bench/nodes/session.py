"""A short-lived Podman API session for one command (``bench image build``, ``bench node ...``).

Why: outside a lab, a command still needs a podman-py client — on this host (a private
``podman system service`` started for the command) or over ``ssh://`` (a private tunnel) — and must
leave no process or socket behind, whatever happens.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from bench.nodes.connection import (
    identity_from_env,
    new_socket_path,
    open_client,
    parse_uri,
    runtime_dir,
    start_service,
    start_tunnel,
    stop_process_socket,
)


@contextlib.contextmanager
def podman_session(connection: str | None = None, identity_env: str | None = None,
                   api_timeout_s: float = 120.0) -> Iterator[Any]:
    """``with podman_session(uri) as client:`` — a podman-py client; everything started is stopped after."""
    proc_state: dict[str, Any] | None = None
    log = runtime_dir() / "session.log"
    try:
        if connection is None:
            proc_state = start_service(new_socket_path("svc"), log)
            base_url = proc_state["base_url"]
        else:
            uri = parse_uri(connection, where="--connection")
            if uri.is_ssh:
                identity = identity_from_env(identity_env, where="--connection")
                proc_state = start_tunnel(uri, identity, new_socket_path("tun"), runtime_dir() / "known_hosts", log)
                base_url = proc_state["base_url"]
            else:
                base_url = str(uri)
        client = open_client(base_url, api_timeout_s, where=f"podman ({connection or 'local service'})")
        try:
            yield client
        finally:
            client.close()
    finally:
        if proc_state is not None:
            stop_process_socket(proc_state)
