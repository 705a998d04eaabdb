"""A run's self-contained directory under ``reports/``.

``reports/<UTC timestamp>-<profile>/`` holds the resolved profile, the environment (package
versions, host, git revision), the events log, the sample store, and whatever later stages add
(KPI verdicts, JUnit XML, report.pdf). Creating it records the environment first, so even a run
that dies at once leaves a directory that says what it was.
"""

from __future__ import annotations

import json
import platform
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.paths import REPO_ROOT
from bench.profile.models import Profile
from bench.store.events import EVENTS_FILE, EventLog
from bench.store.samples import SAMPLES_FILE, SampleWriter

KEY_PACKAGES = (
    "hilbench", "numpy", "pandas", "pyserial", "pyvisa", "pyvisa-py", "pynmea2", "pytest",
    "hypothesis", "scapy", "pydantic", "ncclient", "asyncssh", "podman", "reportlab", "matplotlib",
)


def git_revision(cwd: Path = REPO_ROOT) -> str:
    """The checkout's revision (with ``-dirty`` if modified), or ``unknown``."""
    try:
        rev = subprocess.run(
            ["git", "-C", str(cwd), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True, text=True, timeout=5, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return rev.stdout.strip() or "unknown"


def environment() -> dict[str, Any]:
    """Host, Python, package versions and git revision, for the run record."""
    versions: dict[str, str | None] = {}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "host": socket.gethostname(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "git_revision": git_revision(),
        "packages": versions,
    }


@dataclass
class RunDirectory:
    """Paths and writers of one run directory."""

    path: Path
    profile_name: str
    started_utc: datetime
    events: EventLog = field(init=False)
    _samples: SampleWriter | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.events = EventLog(self.path / EVENTS_FILE)

    @property
    def samples_path(self) -> Path:
        return self.path / SAMPLES_FILE

    def samples(self) -> SampleWriter:
        """The run's sample writer (opened on first use, shared afterwards)."""
        if self._samples is None:
            self._samples = SampleWriter(self.samples_path)
        return self._samples

    def write_json(self, name: str, data: Any) -> Path:
        """Write ``name`` (JSON) atomically into the run directory."""
        target = self.path / name
        tmp = target.with_suffix(target.suffix + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        tmp.replace(target)
        return target

    def close(self) -> None:
        if self._samples is not None:
            self._samples.close()


def run_dir_name(profile_name: str, when: datetime) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in profile_name)
    return when.strftime("%Y%m%dT%H%M%S") + f"{when.microsecond // 1000:03d}Z-{safe}"


def create_run_directory(
    profile: Profile, root: Path | str | None = None, path: Path | str | None = None
) -> RunDirectory:
    """Make the run directory, record the resolved profile and the environment, return it."""
    now = datetime.now(UTC)
    if path is None:
        base = Path(root) if root is not None else REPO_ROOT / profile.run.reports_dir
        target = base / run_dir_name(profile.bench.name, now)
    else:
        target = Path(path)
    target.mkdir(parents=True, exist_ok=True)
    run = RunDirectory(path=target, profile_name=profile.bench.name, started_utc=now)
    run.write_json("profile.json", profile.model_dump(mode="json"))
    if profile.source is not None and profile.source.is_file():
        (target / "profile.toml").write_bytes(profile.source.read_bytes())
    env = environment()
    env["started_utc"] = now.isoformat()
    env["profile_source"] = str(profile.source) if profile.source else None
    run.write_json("environment.json", env)
    run.events.emit("run_started", profile=profile.bench.name)
    return run
