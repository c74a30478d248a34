"""One-row INSERTs whose SQL is built once per model, for the signing path.

`Model.save()` compiles its INSERT afresh every time: for a signature and its outbox row
that was a third of the request. `insert()` builds the statement once per model and
database from the model's own fields, then for each row only prepares the values with each
field's own `get_db_prep_save()`, as the ORM does (a plain string, number or aware
timestamp takes a shorter path to the same value), and runs the one statement. It sends no
pre_save or post_save signal (nothing in this project listens for them on these models) and
falls back to `save(force_insert=True)` for any model whose fields need special SQL.

`insert_pair()` writes a row and the row that points to it (a signature and its email job)
in one round trip on PostgreSQL, and on SQLite in one write transaction run on the DB-API
connection itself, past Django's cursor wrappers, which cost as much as the INSERTs. It
can take one more statement for the same transaction (Extra: a counter's upsert).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.db.models import DateField, DateTimeField, Field, Model
from django.utils import timezone

from undersigned.backends.postgresql import fetchone_prepared
from undersigned.backends.writegate import raw_write_transaction, write_transaction


@dataclass(frozen=True)
class _Plan:
    sql: str
    table: str
    columns: tuple[str, ...]
    pk_column: str
    fields: tuple[Field[Any, Any], ...]
    prepare: tuple[Callable[[Any], Any], ...]
    returning: bool
    # The INSERT without RETURNING, with the DB-API's own placeholders (SQLite's "?").
    qmark: str
    read: Callable[[Model], Sequence[Any]]

    def params(self, obj: Model) -> list[Any]:
        return [prepare(value) for prepare, value in zip(self.prepare, self.read(obj), strict=True)]


def _reader(fields: tuple[Field[Any, Any], ...]) -> Callable[[Model], Sequence[Any]]:
    """What each field's pre_save(obj, add=True) would return, in one attrgetter call where
    pre_save only reads the attribute (a timestamp set by auto_now, for one, does more)."""
    plain = [field.attname for field in fields if _reads_only(field)]
    special = fields[len(plain) :]  # _plan_for puts them last
    get: Callable[[Model], Any] = operator.attrgetter(*plain) if plain else lambda obj: ()
    if len(plain) != 1 and not special:
        return get  # already a tuple of every value

    def read(obj: Model) -> list[Any]:
        values = [get(obj)] if len(plain) == 1 else list(get(obj))
        return values + [field.pre_save(obj, True) for field in special]

    return read


def _reads_only(field: Field[Any, Any]) -> bool:
    method = type(field).pre_save
    if method is Field.pre_save:
        return True
    dated = method is DateField.pre_save or method is DateTimeField.pre_save
    return dated and not (field.auto_now or field.auto_now_add)  # type: ignore[attr-defined]


def _preparer(field: Field[Any, Any], connection: Any) -> Callable[[Any], Any]:
    """How FIELD's value becomes a query parameter: the field's own get_db_prep_save, except
    for timestamps, whose generic path (naive-time checks, parsing) was the slowest part."""
    if isinstance(field, DateTimeField) and not (field.auto_now or field.auto_now_add):
        adapt = connection.ops.adapt_datetimefield_value

        def prepare_datetime(value: Any) -> Any:
            if value is None:
                return None
            if isinstance(value, dt.datetime) and timezone.is_aware(value):
                return adapt(value)
            return field.get_db_prep_save(value, connection)

        return prepare_datetime
    plain = _PLAIN.get(field.get_internal_type())
    if plain is not None and _prepares_as_django_does(field):
        # A value already of the column's Python type goes in as it is, as Django would
        # pass it; anything else takes the field's own path.
        def prepare_plain(value: Any) -> Any:
            if value is None or type(value) in plain:
                return value
            return field.get_db_prep_save(value, connection)

        return prepare_plain
    return lambda value: field.get_db_prep_save(value, connection)


_PLAIN: dict[str, tuple[type, ...]] = {
    "CharField": (str,),
    "TextField": (str,),
    "BooleanField": (bool,),
    "IntegerField": (int,),
    "BigIntegerField": (int,),
    "PositiveSmallIntegerField": (int,),
    "PositiveIntegerField": (int,),
    "SmallIntegerField": (int,),
    "BigAutoField": (int,),
    "AutoField": (int,),
}


def _prepares_as_django_does(field: Field[Any, Any]) -> bool:
    """True when FIELD's class keeps Django's own value preparation (a subclass such as
    django-countries' CountryField, which converts values, does not)."""
    kind = type(field)
    for method in ("get_prep_value", "get_db_prep_value", "get_db_prep_save", "pre_save"):
        mine = getattr(kind, method)
        base = getattr(_base_class(field), method)
        if mine is not base:
            return False
    return True


def _base_class(field: Field[Any, Any]) -> type:
    """The nearest of Django's own field classes that FIELD is an instance of."""
    for klass in type(field).__mro__:
        if klass.__module__.startswith("django.db.models.fields"):
            return klass
    return type(field)


_plans: dict[tuple[str, type[Model]], _Plan | None] = {}


def _plan_for(model: type[Model], using: str) -> _Plan | None:
    connection = connections[using]
    meta = model._meta
    own = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    # Fields whose pre_save only reads the attribute first: one attrgetter reads them all.
    fields = tuple(sorted(own, key=lambda f: not _reads_only(f)))
    for field in fields:
        placeholder = getattr(field, "get_placeholder", None)
        if placeholder is not None and placeholder(None, None, connection) != "%s":
            return None
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = tuple(quote(f.column) for f in fields)
    pk_column = quote(meta.pk.column)  # type: ignore[union-attr]
    # Only the model's own table and column names, quoted by the backend; values are params.
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
    returning = connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {pk_column}"
    prepare = tuple(_preparer(f, connection) for f in fields)
    qmark = sql.partition(" RETURNING ")[0].replace("%s", "?")
    return _Plan(sql, table, columns, pk_column, fields, prepare, returning, qmark, _reader(fields))


def _plan(model: type[Model], using: str) -> _Plan | None:
    key = (using, model)
    if key not in _plans:
        _plans[key] = _plan_for(model, using)
    return _plans[key]


def insert(obj: Model, using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT OBJ as a new row and set its primary key, like save(force_insert=True)."""
    model = type(obj)
    plan = _plan(model, using)
    if plan is None or obj.pk is not None:
        obj.save(force_insert=True, using=using)
        return
    connection = connections[using]
    params = plan.params(obj)
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        if plan.returning:
            pk = cursor.fetchone()[0]
        else:
            meta = model._meta
            pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)  # type: ignore[union-attr]
    _saved(obj, pk, using)


def _saved(obj: Model, pk: Any, using: str) -> None:
    """Leave OBJ as save() leaves a new row: with its key, no longer being added."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = using


# One more statement for a write's own transaction: SQL with %s placeholders, and its values.
Extra = tuple[str, list[Any]]


def run(also: Extra | None, using: str = DEFAULT_DB_ALIAS) -> None:
    """Run ALSO (if any) through Django's cursor, in the caller's transaction."""
    if also is not None:
        with connections[using].cursor() as cursor:
            cursor.execute(*also)


@dataclass(frozen=True)
class Conflict:
    """Write no parent where a unique index already holds it, and the child all the same.

    TARGET is what ON CONFLICT takes, "(columns) WHERE predicate" for a partial index; the
    child is then written without its link and with OVERRIDES (attribute name, value). The
    same statements run either way, so the two outcomes take the same time.
    """

    target: str
    overrides: tuple[tuple[str, Any], ...] = ()


def insert_pair(
    parent: Model,
    child: Model,
    link: str,
    using: str = DEFAULT_DB_ALIAS,
    conflict: Conflict | None = None,
    also: Extra | None = None,
) -> bool:
    """INSERT PARENT and CHILD, whose foreign key LINK points to PARENT, both or neither.

    On PostgreSQL that is one statement (a data-modifying WITH), which is its own
    transaction: one round trip instead of four (BEGIN, two INSERTs, COMMIT). On SQLite the
    two INSERTs run in one write transaction on the DB-API connection itself. Elsewhere,
    through the ORM's cursor in one write transaction. With CONFLICT, returns whether the
    parent was written (else the child was written alone, see Conflict). ALSO runs in the
    same transaction, whether or not the parent was written.
    """
    connection = connections[using]
    parent_plan, child_plan = _plan(type(parent), using), _plan(type(child), using)
    if (
        parent_plan is None
        or child_plan is None
        or parent.pk is not None
        or child.pk is not None
        or connection.vendor not in ("postgresql", "sqlite")
    ):
        return _orm_pair(parent, child, link, using, conflict, also)
    link_field = child._meta.get_field(link)
    assert isinstance(link_field, Field) and link_field.column
    link_column = connection.ops.quote_name(link_field.column)
    parent_params = parent_plan.params(parent)
    setattr(child, link, None)
    child_params = child_plan.params(child)
    pair = _sqlite_pair if connection.vendor == "sqlite" else _postgres_pair
    parent_pk, child_pk = pair(
        using, (parent_plan, parent_params), (child_plan, child_params), link_column, conflict, also
    )
    _saved(child, child_pk, using)
    if parent_pk is None:
        for name, value in conflict.overrides if conflict else ():
            setattr(child, name, value)
        return False
    _saved(parent, parent_pk, using)
    setattr(child, link, parent)
    return True


def _orm_pair(
    parent: Model,
    child: Model,
    link: str,
    using: str,
    conflict: Conflict | None,
    also: Extra | None = None,
) -> bool:
    with write_transaction(using):
        run(also, using)
        try:
            with transaction.atomic(using):
                insert(parent, using)
        except IntegrityError:
            if conflict is None:
                raise
            for name, value in conflict.overrides:
                setattr(child, name, value)
            setattr(child, link, None)
            insert(child, using)
            return False
        setattr(child, link, parent)
        insert(child, using)
    return True


_Rows = tuple[_Plan, list[Any]]  # a plan and the values of one row


def _overridden(plan: _Plan, conflict: Conflict | None) -> dict[int, Any]:
    """Column index → prepared value, for the child row written without its parent."""
    if conflict is None:
        return {}
    index = {field.attname: i for i, field in enumerate(plan.fields)}
    return {index[name]: plan.prepare[index[name]](value) for name, value in conflict.overrides}


def _ignoring(sql: str, conflict: Conflict | None, pk_column: str) -> str:
    """SQL, an INSERT without RETURNING, made to skip a conflicting row and return the key."""
    skip = f" ON CONFLICT {conflict.target} DO NOTHING" if conflict else ""
    return f"{sql}{skip} RETURNING {pk_column}"


def _sqlite_pair(
    using: str,
    parent: _Rows,
    child: _Rows,
    link_column: str,
    conflict: Conflict | None = None,
    also: Extra | None = None,
) -> tuple[Any, Any]:
    """Both INSERTs in one write transaction on SQLite's own connection (raw_write_transaction)."""
    (parent_plan, parent_params), (child_plan, child_params) = parent, child
    link_index = child_plan.columns.index(link_column)
    overrides = _overridden(child_plan, conflict)
    parent_sql = _ignoring(parent_plan.qmark, conflict, parent_plan.pk_column)
    with raw_write_transaction(using) as raw:
        row = raw.execute(parent_sql, parent_params).fetchone()
        parent_pk = row[0] if row else None
        child_params[link_index] = parent_pk
        if parent_pk is None:
            for i, value in overrides.items():
                child_params[i] = value
        child_pk = raw.execute(child_plan.qmark, child_params).lastrowid
        if also is not None:
            raw.execute(also[0].replace("%s", "?"), also[1])
    return parent_pk, child_pk


def _postgres_pair(
    using: str,
    parent: _Rows,
    child: _Rows,
    link_column: str,
    conflict: Conflict | None = None,
    also: Extra | None = None,
) -> tuple[Any, Any]:
    """One statement, a data-modifying WITH: its own transaction, one round trip. ALSO is
    one more WITH item, which PostgreSQL runs whether or not the query reads it."""
    (parent_plan, parent_params), (child_plan, child_params) = parent, child
    connection = connections[using]
    pk = parent_plan.pk_column
    overrides = _overridden(child_plan, conflict)
    values: list[str] = []
    params: list[Any] = []
    for i, (column, value) in enumerate(zip(child_plan.columns, child_params, strict=True)):
        if column == link_column:
            values.append(f"p.{pk}")
        elif i in overrides:
            values.append(f"CASE WHEN p.{pk} IS NULL THEN %s ELSE %s END")
            params += [overrides[i], value]
        else:
            values.append("%s")
            params.append(value)
    parent_sql = _ignoring(parent_plan.sql.partition(" RETURNING ")[0], conflict, pk)
    extra = f", also AS ({also[0]})" if also else ""
    # Table and column names from the models, quoted by the backend; values are params.
    sql = (
        f"WITH parent AS ({parent_sql}){extra} "  # noqa: S608
        f"INSERT INTO {child_plan.table} ({', '.join(child_plan.columns)}) "
        f"SELECT {', '.join(values)} FROM (SELECT (SELECT {pk} FROM parent) AS {pk}) AS p "
        f"RETURNING {child_plan.pk_column}, {link_column}"
    )
    also_params = also[1] if also else []
    child_pk, parent_pk = fetchone_prepared(
        connection, sql, [*parent_params, *also_params, *params]
    )
    return parent_pk, child_pk
