"""PostgreSQL-only behaviour of the history: authentication and connection errors are clear and never
show the password (the shared behaviour runs on both databases in test_history_store.py)."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy.engine import make_url

from bench.history import HistoryError, record_run, trend
from tests.history.test_history_store import write_run


def test_wrong_password_is_a_clear_error_without_the_password(postgres_admin_url, tmp_path) -> None:
    url = make_url(postgres_admin_url).set(password="wr0ng-s3cret").render_as_string(hide_password=False)
    with pytest.raises(HistoryError) as exc:
        record_run(write_run(tmp_path, 0, {"max_te": 1.0}), url=url)
    message = str(exc.value)
    assert "password authentication failed" in message and "wr0ng-s3cret" not in message and "***" in message


def test_unreachable_server_is_a_clear_error(postgres_admin_url) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    url = make_url(postgres_admin_url).set(port=port).render_as_string(hide_password=False)
    with pytest.raises(HistoryError, match="history database postgresql"):
        trend(url)
