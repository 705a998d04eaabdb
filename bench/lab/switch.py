"""The emulated TSN switch as a lab resource (create, start, health, stop).

Why: the switch must come and go with the lab like every other resource, with per-lab secrets: an
Ed25519 SSH host key and a random NETCONF password are generated in ``create``; the password goes to
the switch process through its environment and to drivers through a 0600 file in the lab
directory (never into ``state.json``'s endpoints as text, never into reports). The endpoint record
carries the host key's public half so the driver verifies the server it talks to.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

from bench.emu.switch.config import PASSWORD_ENV_DEFAULT
from bench.errors import LabError
from bench.lab.resource import Resource, pid_alive, process_state, spawn, terminate_pid
from drivers.tsn_netconf import TsnSwitch


class SwitchResource(Resource):
    """``python -m bench.emu.switch`` with NETCONF on a free loopback port."""

    kind: ClassVar[str] = "tsn_switch"

    def __init__(self, name: str, lab_dir: Path, *, ports: int = 4, rate_bps: int = 1_000_000_000,
                 log_dir: Path | None = None, pcap: bool = False, start_timeout_s: float = 10.0,
                 endpoints: dict[str, Any] | None = None) -> None:
        super().__init__(name)
        self._endpoints = endpoints  # the lab's shared endpoints: ours goes in under our name
        self.dir = Path(lab_dir) / name
        self.ports = ports
        self.rate_bps = rate_bps
        self.log_dir = log_dir
        self.pcap = pcap
        self.start_timeout_s = start_timeout_s
        self.state = {"dir": str(self.dir)}

    @property
    def endpoint(self) -> dict[str, Any]:
        return dict(self.state.get("endpoint", {}))

    def create(self) -> None:
        import asyncssh

        self.dir.mkdir(parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519")
        key_path = self.dir / "ssh_host_ed25519_key"
        key_path.write_bytes(key.export_private_key())
        key_path.chmod(0o600)
        pw_path = self.dir / "netconf.password"
        fd = os.open(pw_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(24))
        hostkey_b64 = key.export_public_key("openssh").decode().split()[1]
        ready = self.dir / "ready.json"
        if ready.exists():
            ready.unlink()
        cfg = {"name": self.name, "ports": self.ports, "rate_bps": self.rate_bps, "ready_file": str(ready),
               "pcap": str(self.dir / "forwarded.pcap") if self.pcap else None,
               "netconf": {"port": 0, "username": "bench", "password_env": PASSWORD_ENV_DEFAULT,
                           "host_key": str(key_path)}}
        (self.dir / "config.json").write_text(json.dumps(cfg, indent=2), encoding="utf-8")
        self.state.update({"ready_file": str(ready), "password_file": str(pw_path), "hostkey_b64": hostkey_b64})

    def start(self) -> None:
        if self.state.get("pid") and pid_alive(self.state["pid"], self.state.get("pid_create_time")):
            return
        env = dict(os.environ)
        env[PASSWORD_ENV_DEFAULT] = Path(self.state["password_file"]).read_text(encoding="utf-8").strip()
        log = str((self.log_dir or self.dir) / f"{self.name}.log")
        proc = spawn([sys.executable, "-m", "bench.emu.switch", "--config", str(self.dir / "config.json")],
                     log_path=log, env=env)
        self.state.update(process_state(proc))
        ready = Path(self.state["ready_file"])
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if ready.exists():
                info = json.loads(ready.read_text(encoding="utf-8"))
                self.state["endpoint"] = {
                    "host": "127.0.0.1", "netconf_port": info["netconf_port"], "username": "bench",
                    "password_file": self.state["password_file"], "hostkey_b64": self.state["hostkey_b64"],
                    "udp_ports": info["udp_ports"], "port_names": info["port_names"], "rate_bps": self.rate_bps,
                }
                if self._endpoints is not None:
                    self._endpoints[self.name] = self.endpoint
                return
            if proc.poll() is not None:
                self.stop()
                raise LabError(f"switch {self.name}: exited with code {proc.returncode} during start (see {log})")
            time.sleep(0.02)
        self.stop()
        raise LabError(f"switch {self.name}: not ready within {self.start_timeout_s:.0f} s (see {log})")

    def health(self) -> tuple[bool, str]:
        return self.health_state(self.state)

    @classmethod
    def health_state(cls, state: dict[str, Any]) -> tuple[bool, str]:
        pid = state.get("pid")
        alive = bool(pid) and pid_alive(pid, state.get("pid_create_time"))
        ep = state.get("endpoint", {})
        return alive and bool(ep), (f"switch pid {pid} {'running' if alive else 'not running'}; "
                                    f"netconf 127.0.0.1:{ep.get('netconf_port')}, udp {ep.get('udp_ports')}")

    @classmethod
    def stop_state(cls, state: dict[str, Any]) -> None:
        terminate_pid(state.get("pid"), state.get("pid_create_time"))
        ready = state.get("ready_file")
        if ready and Path(ready).exists():
            Path(ready).unlink()


def connect_switch(endpoint: dict[str, Any], timeout_s: float = 10.0) -> TsnSwitch:
    """A driver session to the switch described by a lab endpoint record (password read from its file)."""
    try:
        password = Path(endpoint["password_file"]).read_text(encoding="utf-8").strip()
    except (OSError, KeyError) as exc:
        raise LabError(f"switch endpoint has no readable password file: {exc}") from None
    return TsnSwitch(endpoint["host"], endpoint["netconf_port"], endpoint.get("username", "bench"), password,
                     hostkey_b64=endpoint.get("hostkey_b64"), timeout_s=timeout_s)
