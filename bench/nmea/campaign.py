"""The NMEA fuzzing campaign behind ``bench fuzz``: run the properties in-process, time them, keep failures.

Why this exists: pytest runs the properties briefly in CI; at night we want many more examples, a
throughput figure, and — when something breaks — the minimal failing input written to the run
directory as JSON that ``bench fuzz replay FILE`` re-runs without hypothesis. Hypothesis' own example
database (``reports/.hypothesis`` for ``nightly``) makes the next night retry what failed first.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from hypothesis.errors import HypothesisException

from bench.errors import InputError
from bench.nmea.profiles import PROFILES, REPO_ROOT, register_profiles
from bench.nmea.properties import PROPERTIES, FuzzCase, PropertyFailure, case_to_json, check_case
from bench.store.rundir import environment, run_dir_name

#: progress(property, examples so far, examples asked for or None, seconds so far, finished)
Progress = Callable[[str, int, int | None, float, bool], None]
PROGRESS_EVERY_S = 10.0


@dataclass
class PropertyResult:
    """One property's run: how many examples, how long, and its minimal failure if any."""

    name: str
    examples: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    failure: str | None = None
    saved: Path | None = None

    @property
    def examples_per_s(self) -> float:
        return self.examples / self.seconds if self.seconds > 0 else 0.0

    @property
    def examples_per_cpu_s(self) -> float:
        return self.examples / self.cpu_seconds if self.cpu_seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"property": self.name, "examples": self.examples, "seconds": round(self.seconds, 3),
                "cpu_seconds": round(self.cpu_seconds, 3), "examples_per_s": round(self.examples_per_s, 1),
                "examples_per_cpu_s": round(self.examples_per_cpu_s, 1), "failed": self.failure is not None,
                "failure": self.failure, "saved": str(self.saved) if self.saved else None}


@dataclass
class CampaignResult:
    """The campaign's outcome; ``passed`` is False if any property found a failure."""

    run_dir: Path
    profile: str
    results: list[PropertyResult] = field(default_factory=list)

    @property
    def examples(self) -> int:
        return sum(r.examples for r in self.results)

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.results)

    @property
    def examples_per_s(self) -> float:
        return self.examples / self.seconds if self.seconds > 0 else 0.0

    @property
    def examples_per_cpu_s(self) -> float:
        cpu = sum(r.cpu_seconds for r in self.results)
        return self.examples / cpu if cpu > 0 else 0.0

    @property
    def passed(self) -> bool:
        return all(r.failure is None for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {"profile": self.profile, "run_dir": str(self.run_dir), "passed": self.passed,
                "examples": self.examples, "seconds": round(self.seconds, 3),
                "examples_per_s": round(self.examples_per_s, 1),
                "examples_per_cpu_s": round(self.examples_per_cpu_s, 1),
                "properties": [r.as_dict() for r in self.results]}


def new_run_dir(profile: str, root: Path | None = None) -> Path:
    """A fresh ``reports/<UTC time>-fuzz-<profile>/`` with the environment recorded."""
    now = datetime.now(UTC)
    path = (root if root is not None else REPO_ROOT / "reports") / run_dir_name(f"fuzz-{profile}", now)
    return prepare_run_dir(path)


def prepare_run_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
        env = environment()
        env["started_utc"] = datetime.now(UTC).isoformat()
        (path / "environment.json").write_text(json.dumps(env, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"fuzz run directory {path}: cannot write ({exc.strerror})") from None
    return path


def run_property(name: str, run_dir: Path, profile: str, examples: int | None,
                 progress: Progress | None = None, database: Path | None = None) -> PropertyResult:
    """Run one property under ``profile``; save its minimal failing case to ``run_dir``; report
    ``progress`` every ``PROGRESS_EVERY_S`` seconds and at the end."""
    result = PropertyResult(name)
    last_failure: dict[str, Any] = {}
    target = examples if examples is not None else settings.get_profile(profile).max_examples
    next_report = [time.perf_counter() + PROGRESS_EVERY_S]

    def test(case: FuzzCase) -> None:
        result.examples += 1
        if progress is not None and result.examples % 100 == 0 and time.perf_counter() >= next_report[0]:
            next_report[0] = time.perf_counter() + PROGRESS_EVERY_S
            progress(name, result.examples, target, time.perf_counter() - start, False)
        try:
            check_case(case)
        except PropertyFailure as exc:
            last_failure["case"], last_failure["error"] = case, str(exc)
            raise

    overrides: dict[str, Any] = {"report_multiple_bugs": False}
    if examples is not None:
        overrides["max_examples"] = examples
    if database is not None:
        overrides["database"] = DirectoryBasedExampleDatabase(str(database))
    runner = settings(settings.get_profile(profile), **overrides)(given(PROPERTIES[name]())(test))
    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        runner()
    except PropertyFailure:
        pass
    except HypothesisException as exc:  # e.g. a health check: the campaign could not run this property
        last_failure.setdefault("error", f"hypothesis could not run the property: {type(exc).__name__}: {exc}")
    result.seconds = time.perf_counter() - start
    result.cpu_seconds = time.process_time() - cpu_start
    if progress is not None:
        progress(name, result.examples, target, result.seconds, True)
    if "error" in last_failure:
        result.failure = last_failure["error"]
        record: dict[str, Any] = {"error": result.failure, "profile": profile}
        if "case" in last_failure:
            record.update(case_to_json(last_failure["case"]))
            record["replay"] = f"bench fuzz replay {run_dir / f'failure-{name}.json'}"
        else:
            record["property"] = name
            record["traceback"] = traceback.format_exc()
        result.saved = run_dir / f"failure-{name}.json"
        result.saved.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return result


def run_campaign(
    profile: str = "ci", examples: int | None = None, run_dir: Path | None = None,
    properties: list[str] | None = None, progress: Progress | None = None, database: Path | None = None,
) -> CampaignResult:
    """Run the chosen properties (all by default); write ``fuzz.json`` and any ``failure-*.json``.

    ``database``: hypothesis' example database directory instead of the profile's (``nightly``:
    ``reports/.hypothesis``; ``ci``: none). Examples that failed are replayed from it first next time.
    """
    if profile not in PROFILES:
        raise InputError(f"fuzz profile {profile!r} is unknown; choose one of {', '.join(PROFILES)}")
    if examples is not None and examples < 1:
        raise InputError(f"--examples must be at least 1, got {examples}")
    names = properties or list(PROPERTIES)
    unknown = [n for n in names if n not in PROPERTIES]
    if unknown:
        raise InputError(f"unknown fuzz properties {unknown}; known: {', '.join(PROPERTIES)}")
    register_profiles()
    path = prepare_run_dir(run_dir) if run_dir is not None else new_run_dir(profile)
    campaign = CampaignResult(path, profile)
    for name in names:
        campaign.results.append(run_property(name, path, profile, examples, progress, database))
        (path / "fuzz.json").write_text(json.dumps(campaign.as_dict(), indent=2) + "\n", encoding="utf-8")
    return campaign
