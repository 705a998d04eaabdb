"""History tests run against SQLite (the default) and a real PostgreSQL (a team's shared history)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.history.postgres import find_bindir, postgres_server

_DATABASES = itertools.count()


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    bindir = find_bindir()
    missing = "PostgreSQL is not installed (apt install postgresql; make test does)" if bindir is None else None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing = "the psycopg driver is not installed (it is in the dev extras: pip install -e '.[dev]')"
    if missing:
        if os.environ.get("CI"):  # CI installs both: their absence there is a broken set-up, not a skip
            pytest.fail(missing, pytrace=False)
        pytest.skip(missing)
    assert bindir is not None
    with postgres_server(bindir) as (url, _password):
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path) -> str:
    """A fresh, empty history database URL of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite'}"
    admin = request.getfixturevalue("postgres_admin_url")
    name = f"history_{next(_DATABASES)}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return make_url(admin).set(database=name).render_as_string(hide_password=False)
