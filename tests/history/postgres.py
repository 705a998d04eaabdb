"""A throwaway PostgreSQL server for the history tests: initdb in a temporary directory, 127.0.0.1 only.

Why a real server: the history promises "SQLite by default, PostgreSQL for a team" through one
SQLAlchemy URL; only a real PostgreSQL shows that the schema, the timestamps and the queries are
portable. As root the server runs as the ``postgres`` system user (PostgreSQL refuses root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

PASSWORD_BYTES = 12


def find_bindir() -> Path | None:
    """The directory of ``initdb``/``pg_ctl``: Debian's versioned directory first, then PATH."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]),
                            reverse=True):
        if (Path(candidate) / "initdb").is_file():
            return Path(candidate)
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def postgres_server(bindir: Path) -> Iterator[tuple[str, str]]:
    """Start a server; yield (admin URL with password, the password); stop and remove it afterwards."""
    base = Path(tempfile.mkdtemp(prefix="hilbench-pg-"))
    data, sockets = base / "data", base / "sock"
    sockets.mkdir()
    password = secrets.token_hex(PASSWORD_BYTES)
    (base / "pw").write_text(password + "\n", encoding="utf-8")
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        for path in (base, sockets, base / "pw"):
            os.chown(path, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    try:
        subprocess.run([*prefix, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "scram-sha-256",
                        f"--pwfile={base / 'pw'}", "--no-sync", "-E", "UTF8"],
                       check=True, capture_output=True, timeout=120)
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off"
        subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"),
                        "-w", "-t", "60", "start"], check=True, capture_output=True, timeout=90)
        yield f"postgresql+psycopg://postgres:{password}@127.0.0.1:{port}/postgres", password
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60, check=False)
        shutil.rmtree(base, ignore_errors=True)
