"""One-row INSERTs whose SQL is built once per model, for the signing path.

`Model.save()` compiles its INSERT afresh every time: for a signature and its outbox row
that was a third of the request. `insert()` builds the statement once per model and
database from the model's own fields, then for each row only prepares the values with each
field's own `get_db_prep_save()`, as the ORM does, and runs the one statement. It sends no
pre_save or post_save signal (nothing in this project listens for them on these models) and
falls back to `save(force_insert=True)` for any model whose fields need special SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import DateTimeField, Field, Model
from django.utils import timezone


@dataclass(frozen=True)
class _Plan:
    sql: str
    fields: tuple[Field[Any, Any], ...]
    prepare: tuple[Callable[[Any], Any], ...]
    returning: bool


def _preparer(field: Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    """How FIELD's value becomes a query parameter: the field's own get_db_prep_save, except
    for timestamps, whose generic path (naive-time checks, parsing) was the slowest part."""
    if isinstance(field, DateTimeField) and not (field.auto_now or field.auto_now_add):
        adapt = connection.ops.adapt_datetimefield_value

        def prepare_datetime(value: Any) -> Any:
            if isinstance(value, dt.datetime) and timezone.is_aware(value):
                return adapt(value)
            return field.get_db_prep_save(value, connection)

        return prepare_datetime
    return lambda value: field.get_db_prep_save(value, connection)


_plans: dict[tuple[str, type[Model]], _Plan | None] = {}


def _plan_for(model: type[Model], using: str) -> _Plan | None:
    connection = connections[using]
    meta = model._meta
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)
    for field in fields:
        placeholder = getattr(field, "get_placeholder", None)
        if placeholder is not None and placeholder(None, None, connection) != "%s":
            return None
    quote = connection.ops.quote_name
    # Only the model's own table and column names, quoted by the backend; values are params.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    returning = connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {quote(meta.pk.column)}"  # type: ignore[union-attr]
    return _Plan(sql, fields, tuple(_preparer(f, connection) for f in fields), returning)


def insert(obj: Model, using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT OBJ as a new row and set its primary key, like save(force_insert=True)."""
    model = type(obj)
    key = (using, model)
    if key not in _plans:
        _plans[key] = _plan_for(model, using)
    plan = _plans[key]
    if plan is None or obj.pk is not None:
        obj.save(force_insert=True, using=using)
        return
    connection = connections[using]
    params = [
        prepare(field.pre_save(obj, True))
        for field, prepare in zip(plan.fields, plan.prepare, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        if plan.returning:
            pk = cursor.fetchone()[0]
        else:
            meta = model._meta
            pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)  # type: ignore[union-attr]
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = using
