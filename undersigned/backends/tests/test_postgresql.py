from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import dj_database_url
import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

from undersigned.backends.postgresql.base import DatabaseWrapper

PG_URL = os.environ.get("TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")


@pytest.fixture
def wrapper(django_db_blocker: Any) -> Iterator[DatabaseWrapper]:
    """A connection of our backend to the test server, outside Django's test database."""
    settings = dj_database_url.parse(PG_URL)
    settings["CONN_HEALTH_CHECKS"] = True
    settings["ENGINE"] = "undersigned.backends.postgresql"
    settings["OPTIONS"] = {"prepare_threshold": 5}  # as settings.py sets for PostgreSQL
    configured = ConnectionHandler().configure_settings({"default": settings})["default"]
    db = DatabaseWrapper(configured, alias="pg")
    with django_db_blocker.unblock():
        try:
            db.ensure_connection()
        except OperationalError as exc:  # pragma: no cover - depends on the machine
            pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {exc}")
        yield db
        db.close()


def checks(db: DatabaseWrapper, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = db.is_usable

    def counted() -> bool:
        calls.append(1)
        return real()

    monkeypatch.setattr(db, "is_usable", counted)
    return calls


def test_a_connection_used_a_moment_ago_is_not_asked_again(
    wrapper: DatabaseWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = checks(wrapper, monkeypatch)
    wrapper._used_at -= 5  # the connection has sat idle since it was opened
    for _request in range(3):
        wrapper.health_check_done = False  # what Django does as each request starts
        wrapper.close_if_health_check_failed()
    assert len(calls) == 1  # only the first, after the connection sat idle


def test_an_idle_or_failed_connection_is_checked_as_django_does(
    wrapper: DatabaseWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = checks(wrapper, monkeypatch)
    wrapper._used_at -= 5  # idle since it was opened
    wrapper.health_check_done = False
    wrapper.close_if_health_check_failed()
    wrapper.health_check_done = False
    wrapper._used_at -= 5  # a quiet spell
    wrapper.close_if_health_check_failed()
    wrapper.health_check_done = False
    wrapper.errors_occurred = True
    wrapper.close_if_health_check_failed()
    assert len(calls) == 3


def test_a_hot_statement_is_prepared_once_and_errors_stay_djangos(
    wrapper: DatabaseWrapper,
) -> None:
    from django.db import IntegrityError

    from undersigned.backends.postgresql import fetchone_prepared

    wrapper.ensure_connection()
    with wrapper.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE prepared_probe (id int PRIMARY KEY, at timestamptz)")
    sql = "INSERT INTO prepared_probe (id, at) SELECT %s, %s RETURNING id, at IS NULL"
    assert fetchone_prepared(wrapper, sql, [1, None]) == (1, True)  # NULL takes the column's type
    assert fetchone_prepared(wrapper, sql, [2, None]) == (2, True)
    with wrapper.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["INSERT INTO prepared_probe%"],
        )
        assert cursor.fetchone() == (1,)  # prepared once, used twice
    with pytest.raises(IntegrityError):
        fetchone_prepared(wrapper, sql, [2, None])


def test_a_hot_statement_on_a_dropped_connection_reconnects(wrapper: DatabaseWrapper) -> None:
    """The sign request's first query can be the prepared INSERT: like Django's cursors, it
    must health-check a connection that sat idle and reconnect if the server dropped it."""
    import psycopg

    from undersigned.backends.postgresql import fetchone_prepared

    wrapper.ensure_connection()
    pid = wrapper.connection.info.backend_pid
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    wrapper._used_at -= 5  # idle since its last request
    wrapper.health_check_done = False  # as Django resets it when a request starts
    assert fetchone_prepared(wrapper, "SELECT %s::int + 1", [41]) == (42,)
    assert wrapper.connection.info.backend_pid != pid
