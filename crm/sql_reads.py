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
from typing import Any, TypeVar

from django.db import connection, models

T = TypeVar("T")


def quote(name: str) -> str:
    """A table's or column's name as this database's SQL writes it."""
    return connection.ops.quote_name(name)


def table(model: type[models.Model]) -> str:
    """``model``'s table, quoted."""
    return quote(model._meta.db_table)


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
        return model.from_db(connection.alias, [field.attname for field in self.fields], values)


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
    model: type[models.Model], alias: str, *, parents: dict[type[models.Model], str] | None = None
) -> Columns:
    """Every concrete column of ``model`` read from ``alias``: what the ORM reads for a row,
    ready for ``Columns.instance``. A child model's inherited columns are read from its
    parents' tables, joined as ``parents`` names them (parent model -> alias)."""
    parents = parents or {}
    columns = select(
        *(
            (alias if field.model is model else parents[field.model], field)
            for field in model._meta.concrete_fields
        )
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
