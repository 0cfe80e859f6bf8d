"""Whole model rows, one table or a few joined, read by SQL written once per process from the
models' metadata (issue 17; ``addressbook.selectors`` is the house example).

The customer page reads a few small sets of rows (its links with their leads and opportunities,
its last balance entries, its portal users) on every view; building and compiling their
querysets cost more than the database took to answer them. A ``PlainRead`` names the tables
(the first one's rows, each joined one set on its parent's foreign key, as ``select_related``
sets it, None where the key is empty) and the WHERE and ORDER BY of the statement, which the
caller binds: the company's id is always one of its parameters. Each column's value goes through
the converters the ORM would apply (the backend's, then the field's), so SQLite's dates and
decimals come out as they do from a queryset.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, models


def column(model: type[models.Model], name: str) -> str:
    """The column of ``model``'s field ``name`` (for a ``where`` or an ``order``)."""
    return model._meta.get_field(name).column


@dataclass(frozen=True)
class Joined:
    """A table joined to ``parent`` (another read's alias) on the parent's ``field``."""

    alias: str
    model: type[models.Model]
    parent: str
    field: str


class PlainRead:
    """``SELECT`` every concrete column of ``model`` (aliased ``alias``) and of each ``joined``
    table, ``LEFT JOIN``ed on its parent's key, then ``where`` and ``order`` (SQL using the
    aliases, with ``%s`` placeholders), ``limit``, or with ``paged`` a LIMIT and OFFSET the
    caller's last two parameters give. ``only`` narrows the first table's columns as
    ``QuerySet.only`` does (the others load when read). ``read(params)`` gives the first table's
    instances, the joined ones set on them."""

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
        self.only = only  # the first table's fields read (as ``QuerySet.only``); all if none
        self.paged = paged
        self.where, self.order, self.limit = where, order, limit
        self._kept: dict[tuple, tuple] = {}

    def _models(self) -> list[tuple[str, type[models.Model]]]:
        return [(self.alias, self.model)] + [(j.alias, j.model) for j in self.joined]

    def _statement(self) -> tuple:
        """The SQL, each table's place among its columns, and each column's converters (None
        for none), for this connection: made once per process and connection."""
        key = (connection.alias, connection.vendor)
        kept = self._kept.get(key)
        if kept is not None:
            return kept
        quote = connection.ops.quote_name
        tables = self._models()
        columns, layout, converters = [], [], []
        for alias, model in tables:
            fields = model._meta.concrete_fields
            if alias == self.alias and self.only:
                wanted = {model._meta.get_field(name).attname for name in self.only}
                fields = [f for f in fields if f.attname in wanted or f.primary_key]
            pk_index = len(columns) + list(fields).index(model._meta.pk)
            layout.append((alias, model, [f.attname for f in fields], len(columns), pk_index))
            for field in fields:
                columns.append(f"{alias}.{quote(field.column)}")
                col = field.get_col(alias)
                found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                converters.append((found, col) if found else None)
        sql = f"SELECT {', '.join(columns)} FROM {quote(self.model._meta.db_table)} {self.alias}"
        models_by_alias = dict(tables)
        for join in self.joined:
            column = models_by_alias[join.parent]._meta.get_field(join.field).column
            sql += (
                f" LEFT JOIN {quote(join.model._meta.db_table)} {join.alias}"
                f" ON {join.alias}.{quote(join.model._meta.pk.column)}"
                f" = {join.parent}.{quote(column)}"
            )
        sql += f" WHERE {self.where}"
        if self.order:
            sql += f" ORDER BY {self.order}"
        if self.limit is not None:
            sql += f" LIMIT {int(self.limit)}"
        if self.paged:  # the caller's last two parameters: how many, from where
            sql += " LIMIT %s OFFSET %s"
        kept = (sql, layout, [item for item in enumerate(converters) if item[1] is not None])
        self._kept[key] = kept
        return kept

    def read(self, params: list) -> list[models.Model]:
        """The first table's rows the statement finds, in its order, the joined ones set on
        them (each loaded whole, as ``select_related`` loads them)."""
        sql, layout, converters = self._statement()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        db = connection.alias
        out = []
        for row in rows:
            values = list(row)
            for index, (found, col) in converters:
                for converter in found:
                    values[index] = converter(values[index], col, connection)
            instances = {}
            for alias, model, names, start, pk_index in layout:
                instances[alias] = (
                    None
                    if values[pk_index] is None
                    else model.from_db(db, names, values[start : start + len(names)])
                )
            for join in self.joined:
                parent = instances[join.parent]
                if parent is None:
                    continue
                field, related = parent._meta.get_field(join.field), instances[join.alias]
                field.set_cached_value(parent, related)
                if field.unique and related is not None:  # a one-to-one: its way back too
                    field.remote_field.set_cached_value(related, parent)
            out.append(instances[self.alias])
        return out
