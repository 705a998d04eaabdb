"""The lab registry: brings every resource of a profile up in order and down in reverse, always.

State lives in ``<lab dir>/state.json`` (default ``reports/.lab``, or ``$HILBENCH_LAB_DIR``), so
``bench lab down`` from another shell tears down what ``bench lab up`` started, and ``up`` twice
is harmless (the second sees a healthy lab and does nothing). If starting any resource fails, the
ones already started are stopped before the error propagates. ``endpoints`` carries the resolved
addresses (serial links, emulator ports) that drivers, nodes and fixtures need.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.errors import LabError
from bench.lab import plan as _plan  # noqa: F401 - registers every resource kind
from bench.lab.resource import Resource, ResourceState
from bench.profile.models import Profile
from bench.store.rundir import REPO_ROOT

STATE_FILE = "state.json"


def default_lab_dir() -> Path:
    env = os.environ.get("HILBENCH_LAB_DIR")
    return Path(env) if env else REPO_ROOT / "reports" / ".lab"


@dataclass
class LabState:
    """What ``state.json`` holds."""

    profile: str
    started_utc: str
    owner_pid: int
    resources: list[ResourceState] = field(default_factory=list)
    endpoints: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, lab_dir: Path) -> LabState | None:
        path = lab_dir / STATE_FILE
        if not path.is_file():
            return None
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            raw["resources"] = [ResourceState(**r) for r in raw.get("resources", [])]
            return cls(**raw)
        except (OSError, ValueError, TypeError) as exc:
            raise LabError(f"{path}: unreadable lab state ({exc}); remove it after checking "
                           "no socat/emulator process is left") from None

    def save(self, lab_dir: Path) -> None:
        lab_dir.mkdir(parents=True, exist_ok=True)
        path = lab_dir / STATE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, default=str), encoding="utf-8")
        tmp.replace(path)


class Lab:
    """The resources of one profile, with a strict lifecycle."""

    def __init__(self, profile: Profile, lab_dir: Path | None = None) -> None:
        self.profile = profile
        self.lab_dir = Path(lab_dir) if lab_dir else default_lab_dir()
        self.resources: list[Resource] = []
        self.endpoints: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._up = False

    # -- lifecycle -------------------------------------------------------------------------
    def up(self) -> LabState:
        """Create and start every resource; tear down what started if anything fails."""
        existing = LabState.load(self.lab_dir)
        if existing is not None:
            ok, _ = self.status_of(existing)
            if ok and existing.profile == self.profile.bench.name:
                self.endpoints = dict(existing.endpoints)
                return existing
            if ok:
                raise LabError(f"a lab for profile {existing.profile!r} is already up in {self.lab_dir}; "
                               "run `bench lab down` first")
            teardown_state(existing, self.lab_dir)
        self.lab_dir.mkdir(parents=True, exist_ok=True)
        state = LabState(profile=self.profile.bench.name, started_utc=datetime.now(UTC).isoformat(),
                         owner_pid=os.getpid(), endpoints=self.endpoints)
        try:
            for resource in _plan.plan_resources(self.profile, self.lab_dir, self.endpoints):
                self.resources.append(resource)
                resource.create()
                state.resources.append(resource.record())
                state.save(self.lab_dir)  # record before start: a crash mid-start is still torn down
                resource.start()
                state.resources[-1] = resource.record()
                state.endpoints = self.endpoints
                state.save(self.lab_dir)
            for resource in self.resources:
                ok, detail = resource.health()
                if not ok:
                    raise LabError(f"{resource.kind} {resource.name} is unhealthy after start: {detail}")
        except BaseException:
            self.down()
            raise
        self._up = True
        return state

    def down(self) -> None:
        """Stop everything in reverse order; idempotent; errors are collected, not stopping the rest."""
        with self._lock:
            errors: list[str] = []
            for resource in reversed(self.resources):
                try:
                    resource.stop()
                except Exception as exc:  # noqa: BLE001 - keep tearing down the rest
                    errors.append(f"{resource.kind} {resource.name}: {exc}")
            self.resources.clear()
            existing = LabState.load(self.lab_dir) if (self.lab_dir / STATE_FILE).exists() else None
            if existing is not None:
                errors.extend(teardown_state(existing, self.lab_dir))
            self._up = False
            if errors:
                raise LabError("teardown problems: " + "; ".join(errors))

    @contextlib.contextmanager
    def running(self) -> Iterator[Lab]:
        """``with lab.running():`` — up on entry, down on exit, whatever happens inside."""
        self.up()
        try:
            yield self
        finally:
            self.down()

    # -- status ----------------------------------------------------------------------------
    @staticmethod
    def status_of(state: LabState) -> tuple[bool, list[tuple[str, str, bool, str]]]:
        rows = []
        for rs in state.resources:
            cls = Resource.registry.get(rs.kind)
            if cls is None:
                rows.append((rs.kind, rs.name, False, "unknown resource kind"))
                continue
            ok, detail = cls.health_state(rs.data)
            rows.append((rs.kind, rs.name, ok, detail))
        return all(r[2] for r in rows) and bool(rows), rows


def teardown_state(state: LabState, lab_dir: Path) -> list[str]:
    """Stop every resource recorded in ``state`` (reverse order) and remove the state file."""
    errors: list[str] = []
    for rs in reversed(state.resources):
        cls = Resource.registry.get(rs.kind)
        if cls is None:
            errors.append(f"unknown resource kind {rs.kind!r} ({rs.name}) left in state")
            continue
        try:
            cls.stop_state(rs.data)
        except Exception as exc:  # noqa: BLE001
            errors.append(f"{rs.kind} {rs.name}: {exc}")
    with contextlib.suppress(FileNotFoundError):
        (lab_dir / STATE_FILE).unlink()
    return errors
