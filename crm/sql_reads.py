"""Hot reads in SQL written once per process from the models' metadata (issue 17).

On a record page the ORM's cost is mostly before the database: building a queryset and
compiling it to SQL, on every request, for a statement that differs only in its parameters. A
page's hottest reads may be written with this module instead: the statement once per process
and database vendor (``kept``), from ``_meta`` (tables, columns, keys), never a value in its
text, every value that varies a parameter and the company in every ``WHERE``. What comes back
goes through the converters the ORM applies to each column on this database (``Columns``), so a
row is what the queryset gives: its values, or a model instance (``Model.from_db``).

Reach for it where a profile shows that building and compiling the queryset, not the database,
is what a hot page pays; everywhere else the ORM reads better. Each use keeps a test that reads
the same rows through the ORM and compares.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

from django.db import connection, models

T = TypeVar("T")


def quote(name: str) -> str:
    """A table's or column's name as this database's SQL writes it."""
    return connection.ops.quote_name(name)


def table(model: type[models.Model]) -> str:
    """``model``'s table, quoted."""
    return quote(model._meta.db_table)


def column_name(model: type[models.Model], name: str) -> str:
    """The column of ``model``'s field ``name``, unquoted (for a ``PlainRead``'s ``where`` and
    ``order``, which name plain lower-case columns)."""
    return model._meta.get_field(name).column


def column(alias: str, field: models.Field) -> str:
    """``field``'s column read from the table (or join) named ``alias``."""
    return f"{alias}.{quote(field.column)}"


@dataclass(frozen=True)
class Columns:
    """Columns of a SELECT, each a field read from a table alias: ``sql`` is their list, and
    ``values`` turns their raw values into what the ORM gives for them."""

    fields: tuple[models.Field, ...]
    sql: str
    # For each column that has any: its index, its converters and the expression they are given.
    converters: tuple[tuple[int, tuple[Callable, ...], Any], ...]
    # The model whose row the columns are (``model_columns``), else None.
    model: type[models.Model] | None = None

    @cached_property
    def attnames(self) -> tuple[str, ...]:
        """Each column's attribute name on its model (``from_db``'s field names)."""
        return tuple(field.attname for field in self.fields)

    @property
    def width(self) -> int:
        return len(self.fields)

    def values(self, raw: Sequence, start: int = 0) -> list:
        """The columns' values in ``raw`` (a row of the statement, these columns from
        ``start``), converted as the ORM converts them."""
        values = list(raw[start : start + len(self.fields)])
        for index, converters, expression in self.converters:
            for converter in converters:
                values[index] = converter(values[index], expression, connection)
        return values

    def instance(self, raw: Sequence, start: int = 0) -> models.Model | None:
        """The model instance these columns hold (they must be ``model_columns``'s: one model's
        concrete fields in their order), or None where its key is NULL (a LEFT JOIN that
        found no row)."""
        model = self.model
        values = self.values(raw, start)
        if values[self.fields.index(model._meta.pk)] is None:
            return None
        return model.from_db(connection.alias, self.attnames, values)


def select(*columns: tuple[str, models.Field]) -> Columns:
    """``Columns`` for ``(alias, field)`` pairs, in their order."""
    converters = []
    for index, (alias, field) in enumerate(columns):
        expression = field.get_col(alias)
        found = tuple(
            connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        )
        if found:
            converters.append((index, found, expression))
    return Columns(
        fields=tuple(field for _alias, field in columns),
        sql=", ".join(column(alias, field) for alias, field in columns),
        converters=tuple(converters),
    )


def model_columns(
    model: type[models.Model],
    alias: str,
    *,
    parents: dict[type[models.Model], str] | None = None,
    only: tuple[str, ...] = (),
) -> Columns:
    """Every concrete column of ``model`` read from ``alias``: what the ORM reads for a row,
    ready for ``Columns.instance``. A child model's inherited columns are read from its
    parents' tables, joined as ``parents`` names them (parent model -> alias). ``only`` narrows
    them as ``QuerySet.only`` does (the key stays; the others load when read)."""
    parents = parents or {}
    fields = model._meta.concrete_fields
    if only:
        wanted = {model._meta.get_field(name).attname for name in only}
        fields = [field for field in fields if field.attname in wanted or field.primary_key]
    columns = select(
        *((alias if field.model is model else parents[field.model], field) for field in fields)
    )
    return Columns(columns.fields, columns.sql, columns.converters, model)


_KEPT: dict[tuple[str, Any], Any] = {}


def kept(key: Any, build: Callable[[], T]) -> T:
    """What ``build()`` gives (a statement, or a statement with its ``Columns``), built once
    per process and database vendor for ``key``. ``key`` names the statement's shape (which
    relations, which kinds), never a value a request brings: values are parameters."""
    full = (connection.vendor, key)
    try:
        return _KEPT[full]
    except KeyError:
        value = _KEPT[full] = build()
        return value


@dataclass(frozen=True)
class Joined:
    """A table joined to ``parent`` (another alias of the read) on the parent's relation
    ``field``: a foreign key of the parent's, or a one-to-one pointing back at it."""

    alias: str
    model: type[models.Model]
    parent: str
    field: str
    # Its columns read, as ``QuerySet.only`` narrows them (the key stays); all if none.
    only: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Statement:
    sql: str
    # Per table: its alias, its columns and where they start in a row.
    tables: tuple[tuple[str, Columns, int], ...]
    # Per joined table: its parent's alias, its own, the relation to cache it under on the
    # parent and, for a one-to-one, the one to cache the parent under on it.
    caches: tuple[tuple[str, str, Any, Any], ...]


class PlainRead:
    """Whole rows of ``model`` (aliased ``alias``), each with the rows ``joined`` to it, as
    ``select_related`` reads them: ``SELECT`` every concrete column of each table (``only``
    narrows the first one's, as ``QuerySet.only``), each joined table ``LEFT JOIN``ed on its
    relation (None where there is none; ``Joined.only`` narrows its columns), then ``where`` and ``order`` (SQL over the aliases,
    ``%s`` for each parameter; the company's id is always one), ``limit``, or with ``paged`` a
    LIMIT and OFFSET that the last two parameters give. ``read(params)`` gives the first
    table's instances with the joined ones cached on them.

    The statement is written on first use, once per process and database vendor. Declare a
    read once, at module level, next to the queryset it stands for in a comment; its test
    compares the two."""

    def __init__(
        self,
        model: type[models.Model],
        alias: str,
        *,
        joined: tuple[Joined, ...] = (),
        where: str,
        order: str = "",
        limit: int | None = None,
        only: tuple[str, ...] = (),
        paged: bool = False,
    ) -> None:
        self.model, self.alias, self.joined = model, alias, joined
        self.where, self.order, self.limit = where, order, limit
        self.only, self.paged = only, paged
        self._statements: dict[str, _Statement] = {}

    def _statement(self) -> _Statement:
        statement = self._statements.get(connection.vendor)
        if statement is not None:
            return statement
        models_by_alias = {self.alias: self.model, **{j.alias: j.model for j in self.joined}}
        tables, start = [], 0
        narrowed = {self.alias: self.only, **{j.alias: j.only for j in self.joined}}
        for alias, model in models_by_alias.items():
            columns = model_columns(model, alias, only=narrowed[alias])
            tables.append((alias, columns, start))
            start += columns.width
        sql = (
            f"SELECT {', '.join(columns.sql for _alias, columns, _start in tables)}"
            f" FROM {table(self.model)} {self.alias}"
        )
        caches = []
        for join in self.joined:
            parent = models_by_alias[join.parent]
            relation = parent._meta.get_field(join.field)
            back = None
            if relation.one_to_one:
                back = relation.remote_field if relation.concrete else relation.field
            caches.append((join.parent, join.alias, relation, back))
            if relation.concrete:  # the parent's foreign key: the joined row's key is its value
                on = f"{column(join.alias, join.model._meta.pk)} = {column(join.parent, relation)}"
            else:  # a one-to-one pointing at the parent: its column holds the parent's key
                on = (
                    f"{column(join.alias, relation.field)} = {column(join.parent, parent._meta.pk)}"
                )
            sql += f" LEFT OUTER JOIN {table(join.model)} {join.alias} ON {on}"
        sql += f" WHERE {self.where}"
        if self.order:
            sql += f" ORDER BY {self.order}"
        if self.limit is not None:
            sql += f" LIMIT {int(self.limit)}"
        if self.paged:
            sql += " LIMIT %s OFFSET %s"
        statement = _Statement(sql, tuple(tables), tuple(caches))
        self._statements[connection.vendor] = statement
        return statement

    def read(self, params: Sequence) -> list[models.Model]:
        """The first table's rows the statement finds, in its order, the joined ones cached on
        them (each whole, as ``select_related`` loads them)."""
        statement = self._statement()
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, list(params))
            rows = cursor.fetchall()
        found = []
        for row in rows:
            instances = {
                alias: columns.instance(row, start) for alias, columns, start in statement.tables
            }
            for parent_alias, alias, relation, back in statement.caches:
                parent, related = instances[parent_alias], instances[alias]
                if parent is None:
                    continue
                relation.set_cached_value(parent, related)
                if back is not None and related is not None:
                    back.set_cached_value(related, parent)
            found.append(instances[self.alias])
        return found

    def first(self, params: Sequence) -> models.Model | None:
        """The first row ``read`` gives, or None."""
        rows = self.read(params)
        return rows[0] if rows else None
