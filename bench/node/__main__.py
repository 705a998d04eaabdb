"""``python -m bench.node``: start one reference node (the node backends launch it exactly so).

Why this exists: the process and Podman backends need one stable command line; bad arguments or a bad
config file must end with one ``error: ...`` line and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from bench.errors import EXIT_BENCH_ERROR, BenchError, InputError
from bench.node.config import load_config


def parse_kernel(text: str) -> tuple[str, int]:
    """``HOST:PORT`` -> (host, port); raise ``InputError`` naming the bad part."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise InputError(f"--kernel {text!r}: expected HOST:PORT, e.g. 127.0.0.1:7001")
    try:
        port = int(port_text)
    except ValueError:
        raise InputError(f"--kernel {text!r}: port {port_text!r} is not a number") from None
    if not 0 < port < 65536:
        raise InputError(f"--kernel {text!r}: port {port} is out of range 1..65535")
    return host, port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.node",
                                     description="hilbench reference node (system under test in emulation)")
    parser.add_argument("--name", required=True, help="node name, as the kernel knows it")
    parser.add_argument("--serial", required=True, help="serial device carrying the receiver's NMEA")
    parser.add_argument("--kernel", required=True, help="simulation kernel node channel, HOST:PORT")
    parser.add_argument("--http-port", required=True, type=int, help="status port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--config", required=True, type=Path, help="node config JSON")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format=f"%(asctime)s {args.name} %(levelname)s %(message)s")
    try:
        if not 0 <= args.http_port < 65536:
            raise InputError(f"--http-port {args.http_port}: out of range 0..65535")
        host, port = parse_kernel(args.kernel)
        config = load_config(args.config)
        from bench.node.run import NodeProcess

        process = NodeProcess(args.name, args.serial, host, port, args.http_port, config)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BENCH_ERROR
    signal.signal(signal.SIGTERM, process.request_stop)
    signal.signal(signal.SIGINT, process.request_stop)
    return process.run()


if __name__ == "__main__":
    sys.exit(main())
