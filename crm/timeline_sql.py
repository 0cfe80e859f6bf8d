"""The timeline panel's reads in hand-written SQL (``crm.timeline._timeline_entries``).

Building and compiling the ORM's two querysets (the entries with their authors and the newest
change's date, then their subtypes' own columns with task assignees) was about half of what the
panel cost a record page. The SQL here is written from the models' metadata (tables and columns
from ``_meta``), its fixed parts once per process and database vendor; everything that varies
(the company, the owners' content types and ids, the system event type, the limit) is a
parameter, and the company is in every ``WHERE``. The rows become model instances through
``Model.from_db``, their values converted by the ORM's own converters (``crm.sql_reads``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crm import sql_reads
from crm.models import Activity, Task


def _aware(value):
    """The newest change's date as the ORM reads a datetime: aware (SQLite gives the
    subquery's value as text). The entries' own columns convert through ``crm.sql_reads``."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, connection.timezone)
    return value


def _columns(fields: Sequence[models.Field], alias: str) -> sql_reads.Columns:
    return sql_reads.select(*((alias, field) for field in fields))


@cache
def subtype_links() -> dict[type[models.Model], models.Field]:
    """Each direct subtype of Activity (note, call, ...) and its link to the entry's row."""
    return {
        rel.related_model: rel.remote_field
        for rel in Activity._meta.related_objects
        if rel.one_to_one and rel.parent_link and issubclass(rel.related_model, Activity)
    }


@cache
def own_fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    """A subtype's own columns (those of its table but the link to the entry's row)."""
    return tuple(
        field
        for field in model._meta.local_concrete_fields
        if not (field.one_to_one and field.remote_field.parent_link)
    )


@cache
def _entries_parts(vendor: str) -> tuple[str, str, sql_reads.Columns, sql_reads.Columns]:
    """The entries' query around its ``WHERE``: the SELECT of the entries' and their authors'
    columns (``a``, ``u``) and the ORDER BY; and those columns."""
    quote = connection.ops.quote_name
    entry = _columns(Activity._meta.concrete_fields, "a")
    user_model = get_user_model()
    author = _columns(user_model._meta.concrete_fields, "u")
    author_link = Activity._meta.get_field("author")
    select = (
        f"SELECT {entry.sql}, {author.sql}{{newest}}"
        f" FROM {quote(Activity._meta.db_table)} a"
        f" LEFT OUTER JOIN {quote(user_model._meta.db_table)} u"
        f" ON a.{quote(author_link.column)} = u.{quote(user_model._meta.pk.column)}"
        f" WHERE a.{quote(Activity._meta.get_field('company').column)} = %s AND "
    )
    # ``Activity.Meta.ordering``: newest first, the latest written first at the same moment.
    occurred_at = quote(Activity._meta.get_field("occurred_at").column)
    pk = quote(Activity._meta.pk.column)
    order = f" ORDER BY a.{occurred_at} DESC, a.{pk} DESC LIMIT %s"
    return select, order, entry, author


def _owners_sql(keys: dict[int, list[int]]) -> tuple[str, list]:
    """``(owner type and owner id among ...) OR ...`` for ``keys`` (owner type id -> ids)."""
    quote = connection.ops.quote_name
    owner_type = quote(Activity._meta.get_field("owner_type").column)
    owner_id = quote(Activity._meta.get_field("owner_id").column)
    parts, params = [], []
    for type_id, ids in keys.items():
        parts.append(f"(a.{owner_type} = %s AND a.{owner_id} IN ({', '.join(['%s'] * len(ids))}))")
        params += [type_id, *ids]
    return " OR ".join(parts), params


def read_entries(
    *,
    company_id: int,
    owners: dict[int, list[int]],
    related: dict[int, list[int]],
    system_type_id: int | None,
    newest: Sequence[tuple[str, list]],
    limit: int,
) -> tuple[tuple[dict, models.Model | None, list], ...]:
    """The newest ``limit`` entries of ``company_id`` on ``owners`` (owner type id -> ids), and
    those not of type ``system_type_id`` on ``related``, newest first: for each, its
    ``Activity`` column values by attribute name, its author (or None) and the values of the
    ``newest`` subqueries (SQL and parameters) read along."""
    select, order, entry, author = _entries_parts(connection.vendor)
    conditions, params = [], []
    if owners:
        sql, more = _owners_sql(owners)
        conditions.append(sql)
        params += more
    if related:
        sql, more = _owners_sql(related)
        ctype = connection.ops.quote_name(Activity._meta.get_field("polymorphic_ctype").column)
        conditions.append(f"(({sql}) AND (a.{ctype} IS NULL OR a.{ctype} <> %s))")
        params += [*more, system_type_id]
    newest_sql = "".join(f", ({sql})" for sql, _params in newest)
    statement = select.format(newest=newest_sql) + f"({' OR '.join(conditions)})" + order
    newest_params = [param for _sql, more in newest for param in more]
    user_model = get_user_model()
    db = connection.alias
    width = len(entry.attnames)
    found = []
    with connection.cursor() as cursor:
        cursor.execute(statement, [*newest_params, company_id, *params, limit])
        for raw in cursor.fetchall():
            values = dict(zip(entry.attnames, entry.values(raw[:width]), strict=True))
            user_raw = raw[width : width + len(author.attnames)]
            user = None
            if values["author_id"] is not None and user_raw[0] is not None:
                user = user_model.from_db(db, author.attnames, author.values(user_raw))
            dates = [_aware(value) for value in raw[width + len(author.attnames) :]]
            found.append((values, user, dates))
    return tuple(found)


@cache
def _subtype_parts(vendor: str, present: tuple[type[models.Model], ...]) -> tuple:
    """The subtypes' query around its id list, for the subtypes ``present`` (in that order):
    each one's link and own columns, joined to the entries' own table, and with tasks their
    assignees (``au``)."""
    quote = connection.ops.quote_name
    links = subtype_links()
    pk = quote(Activity._meta.pk.column)
    selected, joins, readers = [f"a.{pk}"], [], []
    for index, model in enumerate(present):
        alias = f"s{index}"
        link = links[model]
        columns = _columns([link, *own_fields(model)], alias)
        selected.append(columns.sql)
        joins.append(
            f" LEFT OUTER JOIN {quote(model._meta.db_table)} {alias}"
            f" ON {alias}.{quote(link.column)} = a.{pk}"
        )
        readers.append((model, columns))
    assignees = None
    if Task in present:
        user_model = get_user_model()
        assignees = _columns(user_model._meta.concrete_fields, "au")
        assigned_to = Task._meta.get_field("assigned_to").column
        selected.append(assignees.sql)
        joins.append(
            f" LEFT OUTER JOIN {quote(user_model._meta.db_table)} au"
            f" ON au.{quote(user_model._meta.pk.column)}"
            f" = s{present.index(Task)}.{quote(assigned_to)}"
        )
    company = quote(Activity._meta.get_field("company").column)
    statement = (
        f"SELECT {', '.join(selected)} FROM {quote(Activity._meta.db_table)} a{''.join(joins)}"
        f" WHERE a.{company} = %s AND a.{pk} IN "
    )
    return statement, readers, assignees


def read_subtype_values(
    *, company_id: int, ids: Sequence[int], present: tuple[type[models.Model], ...]
) -> dict[int, tuple[type[models.Model] | None, dict, models.Model | None]]:
    """For each entry of ``company_id`` among ``ids``: which of the subtypes ``present`` has a
    row for it (None: none, as when its row is gone), the values of that row's columns by
    attribute name, and its task's assignee (or None)."""
    statement, readers, assignees = _subtype_parts(connection.vendor, present)
    statement += f"({', '.join(['%s'] * len(ids))})"
    user_model = get_user_model()
    db = connection.alias
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(statement, [company_id, *ids])
        for raw in cursor.fetchall():
            found_model, values = None, {}
            offset = 1
            for model, columns in readers:
                part = raw[offset : offset + len(columns.attnames)]
                offset += len(columns.attnames)
                if part[0] is not None:
                    found_model = model
                    values = dict(zip(columns.attnames, columns.values(part), strict=True))
            user = None
            if assignees is not None and raw[offset] is not None:
                user = user_model.from_db(db, assignees.attnames, assignees.values(raw[offset:]))
            found[raw[0]] = (found_model, values, user)
    return found
