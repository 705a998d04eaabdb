"""``python -m bench.emu.switch --config FILE.json``: run the emulated TSN switch until SIGTERM.

Why a separate process: the lab starts and stops it like any other resource, and a test or a node
talks to it only through its real interfaces (UDP tunnel ports, NETCONF over SSH). When every
socket is bound it writes ``ready_file`` (JSON: UDP port per switch port, NETCONF port, pid); the
password comes from the environment variable named in the config and is never logged.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

from bench.emu.switch.config import SwitchConfig, load_config
from bench.emu.switch.control import SwitchControl
from bench.emu.switch.dataplane import DataPlane
from bench.emu.switch.model import SwitchModel
from bench.errors import BenchError, InputError


def _log(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} switch: {msg}", flush=True)


def build(cfg: SwitchConfig) -> tuple[SwitchControl, DataPlane]:
    names = cfg.names()
    model = SwitchModel(cfg.ports, cfg.rate_bps, processing_ns=cfg.processing_ns, pcp_to_tc=tuple(cfg.pcp_to_tc),
                        static_fdb=cfg.fdb(), learning=cfg.learning, queue_limit_frames=cfg.queue_limit_frames)
    control = SwitchControl(model, names)
    plane = DataPlane(control, cfg.udp(), cfg.pcap, log=_log)
    return control, plane


def run(cfg: SwitchConfig) -> int:
    password = None
    if cfg.netconf is not None:
        password = os.environ.get(cfg.netconf.password_env)
        if not password:
            raise InputError(f"switch config: environment variable {cfg.netconf.password_env} (NETCONF password) "
                             "is not set")
    control, plane = build(cfg)
    server = None
    stop = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        netconf_port = None
        if cfg.netconf is not None:
            from bench.emu.switch.netconf import NetconfServer

            assert password is not None
            server = NetconfServer(control, cfg.netconf.host_key, cfg.netconf.username, password, cfg.netconf.port)
            try:
                netconf_port = server.start()
            except RuntimeError as exc:
                raise InputError(f"switch {cfg.name}: {exc}") from None
        ready = {"pid": os.getpid(), "udp_ports": plane.udp_ports, "port_names": control.port_names,
                 "netconf_port": netconf_port}
        _log(f"{cfg.ports} ports at {cfg.rate_bps} bit/s; udp {plane.udp_ports}; netconf {netconf_port}")
        if cfg.ready_file:
            tmp = Path(cfg.ready_file + ".tmp")
            tmp.write_text(json.dumps(ready), encoding="utf-8")
            tmp.replace(cfg.ready_file)
        logged = 0
        while not stop:
            plane.poll(0.2)
            if len(control.change_log) > logged:
                for t_ns, what in control.change_log[logged:]:
                    _log(f"at {t_ns} ns: {what}")
                logged = len(control.change_log)
    finally:
        if server is not None:
            server.stop()
        _log(f"stopping: forwarded {plane.forwarded} frames, bad datagrams {plane.bad_datagrams}, "
             f"tunnel gaps {plane.tunnel_gaps}, undeliverable {plane.undeliverable}")
        plane.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.emu.switch", description=__doc__)
    ap.add_argument("--config", required=True, type=Path, help="switch config JSON")
    args = ap.parse_args(argv)
    try:
        return run(load_config(args.config))
    except (BenchError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
