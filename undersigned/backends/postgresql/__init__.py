"""Django's PostgreSQL backend with a cheaper health check (see base.py), and prepared
statements for the two hottest writes."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper


def fetchone_prepared(connection: BaseDatabaseWrapper, sql: str, params: list[Any]) -> Any:
    """Run SQL (one statement of the signing or confirming path) and return its first row,
    with server-side binding, prepared on the connection's first use of it: PostgreSQL then
    skips parsing and planning it, and psycopg quoting every value into the text.

    Django's cursors bind on the client, so they never prepare. Where the connection does
    not allow it (settings: DATABASE_PREPARE=0, for a transaction-mode pooler that cannot
    keep prepared statements) it still binds on the server, unprepared. Inside a caller's
    transaction it runs in a savepoint, so a failure (a unique conflict) leaves it usable.
    """
    import psycopg  # here: SQLite sites never load it

    # What Django's cursor() does first: the first query of a request may be this one
    # (the statement comes from process memory), so it must find a dropped connection.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    savepoint = (
        transaction.atomic(connection.alias) if connection.in_atomic_block else nullcontext()
    )
    with (
        savepoint,
        connection.wrap_database_errors,
        psycopg.Cursor(connection.connection) as cursor,
    ):
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone()
