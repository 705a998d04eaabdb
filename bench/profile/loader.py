"""Finding, reading and validating profiles, with one clear message per problem.

A profile is given by name (one shipped in ``bench/profile/profiles``) or by path. Every failure
becomes a ``ProfileError`` that names the file, the key path and the reason, so the CLI can print
it and exit with code 2.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bench.errors import ProfileError
from bench.profile.models import Profile

BUILTIN_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = "emulated"


def builtin_profiles() -> dict[str, Path]:
    """Names and paths of the profiles shipped with the bench."""
    return {p.stem: p for p in sorted(BUILTIN_DIR.glob("*.toml"))}


def resolve_profile_path(name_or_path: str | Path | None) -> Path:
    """A profile name (``emulated``) or a path to a TOML file, as a path that exists."""
    if name_or_path is None:
        name_or_path = DEFAULT_PROFILE
    text = str(name_or_path)
    builtins = builtin_profiles()
    if text in builtins:
        return builtins[text]
    path = Path(text).expanduser()
    if path.is_file():
        return path.resolve()
    if path.exists():
        raise ProfileError(f"profile {text}: is not a file")
    names = ", ".join(builtins) or "(none)"
    raise ProfileError(f"profile {text}: no such file, and not a built-in profile (built-in: {names})")


def _key_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + str(item))
    return "".join(parts) or "(top level)"


def _describe(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    msg = str(err.get("msg", "invalid value"))
    return msg.removeprefix("Value error, ")


def format_validation_error(path: Path, exc: ValidationError) -> str:
    """One line per problem: ``FILE: key.path: reason (got VALUE)``."""
    lines = []
    for err in exc.errors():
        where = _key_path(tuple(err.get("loc", ())))
        reason = _describe(err)
        got = err.get("input")
        shown = "" if err.get("type") in ("missing",) or isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"{path}: {where}: {reason}{shown}")
    return "\n".join(lines)


def parse_profile(data: dict[str, Any], source: Path) -> Profile:
    """Validate already-parsed TOML data; ``source`` is named in errors."""
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(format_validation_error(source, exc)) from None


def load_profile(name_or_path: str | Path | None = None) -> Profile:
    """Read and validate a profile by name or path."""
    path = resolve_profile_path(name_or_path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    profile = parse_profile(data, path)
    profile._source = path
    return profile
