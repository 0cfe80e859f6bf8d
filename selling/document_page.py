"""The quotation's and the order's own row for their pages, with the rows the page shows beside
it, in one hand-written query (issue 17).

The detail views read the document with ``select_related`` (a quotation: its customer,
salesperson, creator and sales order; an order: its customer with the customer's type, its
salesperson and creator). Building and compiling that queryset on every request was half of
what reading the document cost the page: here its SQL is written once per process from the
models' metadata (tables, columns, keys), the company always a parameter of the WHERE, and the
rows become the models ``select_related`` makes (``Model.from_db``, each column through the
converters the ORM applies to it), the related ones cached on the document as it caches them.
Who may see the row is ``crm.access.can``'s answer for it, the one ``access_filter`` gives the
queryset for the same user, so a document outside the user's level is the same 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, models
from django.http import Http404

from crm.access import Action, can
from selling.models import Quotation, QuotationItem, SalesOrder, SalesOrderItem

# What each page reads with its document, as its view's ``select_related`` named it.
PAGE_RELATIONS: dict[type[models.Model], tuple[str, ...]] = {
    Quotation: ("customer", "salesperson", "created_by", "sales_order"),
    SalesOrder: ("customer", "customer__customer_type", "salesperson", "created_by"),
}


@dataclass(frozen=True)
class _Part:
    """One model's columns in the query: the document's (``path`` empty) or a related row's."""

    path: str
    model: type[models.Model]
    relation: models.Field | models.ForeignObjectRel | None
    # Per column with any, its index, the converters the ORM applies to it on this database and
    # the column expression they are given.
    converters: tuple[tuple[int, tuple, models.expressions.Col], ...]


@dataclass(frozen=True)
class _Read:
    sql: str
    parts: tuple[_Part, ...]


def _column_converters(field: models.Field, alias: str) -> tuple:
    """The converters the ORM applies to ``field``'s column read as ``alias`` on this database
    (the backend's, then the field's own), and the column expression they are given."""
    column = field.get_col(alias)
    return tuple(
        connection.ops.get_db_converters(column) + column.get_db_converters(connection)
    ), column


def _converters(model: type[models.Model], alias: str) -> tuple:
    found = []
    for index, field in enumerate(model._meta.concrete_fields):
        converters, column = _column_converters(field, alias)
        if converters:
            found.append((index, converters, column))
    return tuple(found)


def _read_for(model: type[models.Model]) -> _Read:
    """The document's query: its columns and each related row's, each related table joined
    (LEFT: a relation it lacks is None) on the key ``select_related`` follows."""
    quote = connection.ops.quote_name
    aliases = {"": "d"}
    parts = [_Part("", model, None, ())]
    joins = []
    for number, path in enumerate(PAGE_RELATIONS[model], start=1):
        parent_path, _sep, name = path.rpartition("__")
        parent = next(part.model for part in parts if part.path == parent_path)
        relation = parent._meta.get_field(name)
        alias = aliases[path] = f"r{number}"
        target = relation.related_model
        if relation.concrete:  # a foreign key of the parent's: the target's key is its value
            on = (
                f"{alias}.{quote(target._meta.pk.column)}"
                f" = {aliases[parent_path]}.{quote(relation.column)}"
            )
        else:  # a one-to-one pointing at the parent: its key column holds the parent's key
            on = (
                f"{alias}.{quote(relation.field.column)}"
                f" = {aliases[parent_path]}.{quote(parent._meta.pk.column)}"
            )
        joins.append(f" LEFT OUTER JOIN {quote(target._meta.db_table)} {alias} ON {on}")
        parts.append(_Part(path, target, relation, ()))
    parts = [
        _Part(
            part.path,
            part.model,
            part.relation,
            _converters(part.model, aliases[part.path]),
        )
        for part in parts
    ]
    selected = ", ".join(
        f"{aliases[part.path]}.{quote(field.column)}"
        for part in parts
        for field in part.model._meta.concrete_fields
    )
    sql = (
        f"SELECT {selected} FROM {quote(model._meta.db_table)} d{''.join(joins)}"
        f" WHERE d.{quote('company_id')} = %s AND d.{quote(model._meta.pk.column)} = %s"
    )
    return _Read(sql, tuple(parts))


_READS: dict[tuple[str, type[models.Model]], _Read] = {}


def _row(part: _Part, values: list, start: int) -> models.Model | None:
    fields = part.model._meta.concrete_fields
    own = values[start : start + len(fields)]
    for index, converters, column in part.converters:
        for converter in converters:
            own[index] = converter(own[index], column, connection)
    if own[fields.index(part.model._meta.pk)] is None:  # joined, and it has none
        return None
    return part.model.from_db(connection.alias, [field.attname for field in fields], own)


def _document_row(model: type[models.Model], *, company_id: int, pk: int) -> models.Model | None:
    read = _READS.get((connection.vendor, model))
    if read is None:
        read = _READS[(connection.vendor, model)] = _read_for(model)
    with connection.cursor() as cursor:
        cursor.execute(read.sql, [company_id, pk])
        row = cursor.fetchone()
    if row is None:
        return None
    values, start, rows = list(row), 0, {}
    for part in read.parts:
        rows[part.path] = _row(part, values, start)
        start += len(part.model._meta.concrete_fields)
        if part.relation is None:
            continue
        parent = rows[part.path.rpartition("__")[0]]
        if parent is None:
            continue
        # As ``select_related`` leaves them: the related row (or None) cached on its parent,
        # and a one-to-one's parent on the row.
        part.relation.set_cached_value(parent, rows[part.path])
        if not part.relation.concrete and rows[part.path] is not None:
            part.relation.field.set_cached_value(rows[part.path], parent)
    return rows[""]


def document_for_page(model: type[models.Model], *, pk: int, request) -> models.Model:
    """The document ``pk`` of the request's company that the user may view, with the related
    rows its page shows (``PAGE_RELATIONS``); otherwise a 404, whichever the reason."""
    document = _document_row(model, company_id=request.company.pk, pk=pk)
    if document is None or not can(request.user, request.company, document, Action.VIEW):
        # Not shown to the user (the 404 page says it), so in Django's words, untranslated.
        raise Http404(f"No {model._meta.model_name} found matching the query")
    return document


# --- the lines -------------------------------------------------------------------------------------

# Each kind of line: its document's key and, after ``selectors.PAGE_LINE_COLUMNS``, the columns
# only its kind has (an order's line made from a quotation's line: that line's key and position).
LINE_READS: dict[type[models.Model], tuple[str, tuple[str, ...]]] = {
    QuotationItem: ("quotation", ()),
    SalesOrderItem: ("order", ("quotation_item_id", "quotation_item__position")),
}


@dataclass(frozen=True)
class _LinesRead:
    sql: str
    # Per column with any, its index, its converters and the column expression they are given.
    converters: tuple[tuple[int, tuple, models.expressions.Col], ...]


def _lines_read_for(model: type[models.Model], columns: tuple[str, ...]) -> _LinesRead:
    """The lines' query, as the ORM writes ``values_list(*columns)`` for them in the order
    ``position, pk``: each related table joined once (INNER where the key is required)."""
    quote = connection.ops.quote_name
    document_field, _own = LINE_READS[model]
    joins: dict[str, str] = {}
    selected, converters = [], []
    for index, path in enumerate(columns):
        relation_name, _sep, name = path.rpartition("__")
        if relation_name:
            relation = model._meta.get_field(relation_name)
            target = relation.related_model
            field = target._meta.pk if name == "pk" else target._meta.get_field(name)
            if relation_name not in joins:
                alias = f"r{len(joins) + 1}"
                kind = "LEFT OUTER JOIN" if relation.null else "INNER JOIN"
                joins[relation_name] = (
                    f" {kind} {quote(target._meta.db_table)} {alias}"
                    f" ON {alias}.{quote(target._meta.pk.column)} = i.{quote(relation.column)}"
                )
            alias = joins[relation_name].split(" ON ", 1)[0].rsplit(" ", 1)[1]
        else:
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
            alias = "i"
        found, column = _column_converters(field, alias)
        if found:
            converters.append((index, found, column))
        selected.append(f"{alias}.{quote(field.column)}")
    document_column = model._meta.get_field(document_field).column
    sql = (
        f"SELECT {', '.join(selected)} FROM {quote(model._meta.db_table)} i{''.join(joins.values())}"
        f" WHERE i.{quote('company_id')} = %s AND i.{quote(document_column)} = %s"
        f" ORDER BY i.{quote('position')} ASC, i.{quote(model._meta.pk.column)} ASC"
    )
    return _LinesRead(sql, tuple(converters))


_LINES_READS: dict[tuple[str, type[models.Model]], _LinesRead] = {}


def line_rows(
    model: type[models.Model], columns: tuple[str, ...], *, company_id: int, document_id: int
) -> list[list]:
    """The document's lines of ``model``, each the values of ``columns`` and then of the
    columns only its kind has (``LINE_READS``), converted as ``values_list`` gives them."""
    key = (connection.vendor, model)
    read = _LINES_READS.get(key)
    if read is None:
        read = _LINES_READS[key] = _lines_read_for(model, (*columns, *LINE_READS[model][1]))
    with connection.cursor() as cursor:
        cursor.execute(read.sql, [company_id, document_id])
        rows = [list(row) for row in cursor.fetchall()]
    for row in rows:
        for index, converters, column in read.converters:
            for converter in converters:
                row[index] = converter(row[index], column, connection)
    return rows
