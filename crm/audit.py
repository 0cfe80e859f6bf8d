"""Field-level history of every business record: who changed which field from what to what, when.

Recorded by django-simple-history (see the README's "Change history" for why not pghistory):
every ``save()`` and ``delete()`` of a tracked model writes one historical row in the same
transaction, with the model's fields as they were after the write. Who it was comes, in order,
from an explicit ``audit_context(actor=...)`` (commands, jobs, the import), the request's staff
user (pages, bulk actions, the admin, the API), or the customer user on the portal (who is no
Django user: their name and id go to ``history_portal_actor`` and ``history_customer_user_id``).
A command that names no actor still says which command it was (``history_change_reason``).

Writes that bypass ``save()`` leave no history, so services never ``QuerySet.update()`` a tracked
field and bulk inserts go through ``bulk_create_audited``. Derived figures that are kept by
relative ``UPDATE``s (totals, balances, lifetime sales value) are left out of the history on
purpose: their sources (lines, the balance ledger) are recorded instead.

Historical tables carry ``company`` like every tenant table (so row-level security and the
scopes cover them): the history managers are company-scoped, and a record's own history is
read through the record, which filters by its company.
"""

from __future__ import annotations

import contextvars
import datetime
import functools
import inspect
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, models
from django.db.models import OuterRef, Subquery
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from django_scopes.manager import DisabledQuerySet
from django_scopes.state import get_scope
from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history

from crm.actors import portal_actor_name, staff_user
from crm.phones import PhoneField, active_region, display_phone

__all__ = [
    "AuditedCommand",
    "AuditedHistory",
    "audit_context",
    "audit_history",
    "bulk_create_audited",
    "is_tracked",
]

# Bookkeeping every versioned record has: the history row's own date and user say the same.
VERSION_BOOKKEEPING = ("version", "updated_at", "updated_by")


@dataclass(frozen=True)
class _AuditContext:
    actor: Any = None
    reason: str = ""


_context: contextvars.ContextVar[_AuditContext | None] = contextvars.ContextVar(
    "crm_audit_context", default=None
)


@contextmanager
def audit_context(*, actor=None, reason: str = "") -> Iterator[None]:
    """Writes inside are recorded as ``actor``'s (a staff user, a customer user or None) with
    ``reason`` (say which command or job it was: "manage.py expire_quotations")."""
    token = _context.set(_AuditContext(actor=actor, reason=reason[:100]))
    try:
        yield
    finally:
        _context.reset(token)


def _request():
    return getattr(HistoricalRecords.context, "request", None)


def _actor():
    """The one who writes now: the explicit context's, the portal's customer user or the
    request's user (None: a command or job that named nobody)."""
    explicit = _context.get()
    if explicit is not None:
        return explicit.actor
    request = _request()
    if request is None:
        return None
    customer_user = getattr(request, "customer_user", None)
    if customer_user is not None:
        return customer_user
    return getattr(request, "user", None)


def _history_user(instance=None, request=None, **kwargs):
    """simple-history's ``get_user``: the staff user behind the write, if any."""
    user = staff_user(_actor())
    if user is None and instance is not None and _context.get() is None and _request() is None:
        # A service called outside a request that said who edited (``edited_by``).
        editor = (
            getattr(instance, "updated_by", None) if hasattr(instance, "updated_by_id") else None
        )
        user = staff_user(editor)
    return user


def _reason() -> str:
    explicit = _context.get()
    return explicit.reason if explicit is not None else ""


def _portal_attrs() -> dict[str, Any]:
    actor = _actor()
    name = portal_actor_name(actor)
    if not name:
        return {}
    return {"history_portal_actor": name[:200], "history_customer_user_id": actor.pk}


def fill_history_row(sender, *, history_instance, **kwargs) -> None:
    """``pre_create_historical_record`` receiver: the portal actor and the context's reason."""
    for name, value in _portal_attrs().items():
        setattr(history_instance, name, value)
    if not history_instance.history_change_reason:
        history_instance.history_change_reason = _reason() or None


class ScopedHistoryManager(HistoryManager):
    """``Model.history``: a record's own history (filtered by its company too), or, across
    records, only the active company's rows; outside a scope it refuses, like ``ScopedManager``."""

    def get_super_queryset(self):
        queryset = super().get_super_queryset()
        if self.instance is not None:
            return queryset.filter(company_id=self.instance.company_id)
        current = get_scope()
        if not current.get("_enabled", True):
            return queryset
        if "company" not in current:
            return DisabledQuerySet(self.model, using=self._db, missing_scopes={"company"})
        company = current["company"]
        if isinstance(company, list | tuple):
            return queryset.filter(company__in=company)
        return queryset if company is None else queryset.filter(company=company)


class AuditedHistory(models.Model):
    """Extra columns and the scoped default manager of every historical table."""

    history_portal_actor = models.CharField(
        _("customer user (portal)"), max_length=200, blank=True, default=""
    )
    history_customer_user_id = models.BigIntegerField(null=True, blank=True)

    objects = ScopedManager(company="company")

    class Meta:
        abstract = True


def audit_history(
    *, excluded: Sequence[str] = (), versioned: bool = True, unindexed: Sequence[str] = ()
) -> HistoricalRecords:
    """The ``history`` field of a tracked model: version bookkeeping and ``excluded`` (derived
    figures kept elsewhere) are not recorded; ``unindexed`` foreign keys get no index in the
    history table (history is read by record, company and date, never by those: an index
    nobody reads only slows down every write)."""
    excluded_fields = [*(VERSION_BOOKKEEPING if versioned else ()), *excluded]
    return HistoricalRecords(
        bases=[AuditedHistory],
        excluded_fields=excluded_fields,
        no_db_index=list(unindexed),
        get_user=_history_user,
        history_manager=ScopedHistoryManager,
        user_related_name="+",
    )


def is_tracked(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def history_model(model: type[models.Model]) -> type[models.Model]:
    """The tracked ``model``'s history table's model: ``model.history.model`` without the
    manager class django-simple-history builds on every ``model.history`` (a timeline asks on
    every record page)."""
    name = model._meta.simple_history_manager_attribute
    return inspect.getattr_static(model, name).model


def bulk_create_audited(model: type[models.Model], objs: list, *, batch_size: int | None = None):
    """``model.objects.bulk_create(objs)`` with one "created" history row per object, in the
    same transaction, for the current actor (an import's rows: call inside its
    ``audit_context``)."""
    if not is_tracked(model):
        return model.objects.bulk_create(objs, batch_size=batch_size)
    return bulk_create_with_history(
        objs,
        model,
        batch_size=batch_size,
        default_change_reason=_reason(),
        custom_historical_attrs=_portal_attrs() or None,
    )


def record_bulk_created(
    model: type[models.Model], objs: list, *, batch_size: int | None = None, copied_from: str = ""
):
    """One "created" history row per object already written in bulk by other means (an
    import's ``COPY``), for the current actor; nothing for a model without history.

    On PostgreSQL the rows are copied by the database from the records just written (one
    ``INSERT ... SELECT`` per actor and reason, usually one), instead of one Python object
    and one set of parameters per history row: the same columns and values as
    ``bulk_history_create`` gives, at a fraction of the cost. ``copied_from`` names a table
    that holds the same rows to read them from instead (an import's staging table: under
    row-level security the planner cannot see the company's share of the real table and
    would scan all of it for each batch)."""
    if not objs or not is_tracked(model):
        return
    if connection.vendor == "postgresql":
        created_history_plan(model, objs, copied_from=copied_from)()
        return
    model.history.bulk_history_create(
        objs,
        batch_size=batch_size,
        default_change_reason=_reason(),
        custom_historical_attrs=_portal_attrs() or None,
    )


def _nothing() -> None:
    pass


_nothing.references = {}


def created_history_plan(
    model: type[models.Model], objs: list, *, copied_from: str = ""
) -> Callable[[], None]:
    """PostgreSQL: ``record_bulk_created``'s statements, who and why decided now (the audit
    context is this thread's), run when the returned function is called, which may be on
    another thread sharing the connection (an import writing one batch while it checks the
    next) once the objects have their ids. Nothing to run for a model without history."""
    if not objs or not is_tracked(model):
        return _nothing
    history = history_model(model)
    quote = connection.ops.quote_name
    tracked = [history._meta.get_field(f.name).column for f in history.tracked_fields]
    source = [f.column for f in history.tracked_fields]
    extra = {**{"history_portal_actor": "", "history_customer_user_id": None}, **_portal_attrs()}
    columns = [
        *tracked,
        "history_date",
        "history_change_reason",
        "history_type",
        "history_user_id",
        *extra,
    ]
    source_table = copied_from or model._meta.db_table
    statement = (
        f"INSERT INTO {quote(history._meta.db_table)} ({', '.join(map(quote, columns))}) "
        f"SELECT {', '.join(quote(c) for c in source)}, %s, %s, '+', %s, "
        f"{', '.join(['%s'] * len(extra))} "
        f"FROM {quote(source_table)} WHERE {quote(model._meta.pk.column)} = ANY(%s) "
        f"ORDER BY {quote(model._meta.pk.column)}"
    )
    now = timezone.now()
    default_reason = _reason()
    # Who and why are the same for every row but where a record says it itself (its editor
    # when no context names anyone, a change reason set on it): one statement per answer.
    groups: dict[tuple, list] = {}
    for obj in objs:
        key = (
            getattr(obj, "updated_by_id", None),
            getattr(obj, "_change_reason", None),
            getattr(obj, "_history_user", None),
        )
        groups.setdefault(key, []).append(obj)
    inserts = []
    for (_editor, reason, named), members in groups.items():
        user = named or history.get_default_history_user(members[0])
        params = [now, reason or default_reason, user.pk if user is not None else None]
        inserts.append(([*params, *extra.values()], members))

    def run() -> None:
        with connection.cursor() as cursor:
            for params, members in inserts:
                cursor.execute(statement, [*params, [obj.pk for obj in members]])

    # What the rows' one checked reference names (the import locks these users itself when it
    # writes without the foreign-key triggers: crm.imports.engine).
    run.references = {"history_user_id": {params[2] for params, _m in inserts} - {None}}
    return run


class AuditedCommand(BaseCommand):
    """A management command whose writes are recorded as the command's ("manage.py NAME"),
    with nobody as the user: every command of ours that writes records derives from it."""

    def execute(self, *args, **options):
        with audit_context(actor=None, reason=self.audit_reason), self._locale(options):
            return super().execute(*args, **options)

    @staticmethod
    def _locale(options):
        """A command for one company (``--company SLUG``) speaks its language, shows its time
        zone and currency (``crm.i18n``); its messages, reports and what it writes read as the
        company's pages would."""
        from crm.i18n import company_locale
        from crm.models import Company

        slug = options.get("company")
        company = Company.objects.filter(slug=slug).first() if isinstance(slug, str) else None
        return company_locale(company) if company is not None else nullcontext()

    @property
    def audit_reason(self) -> str:
        return f"manage.py {type(self).__module__.rsplit('.', 1)[-1]}"

    def acting_as(self, actor):
        """The writes inside are ``actor``'s (a command run ``--as`` a member), still marked
        as the command's."""
        return audit_context(actor=actor, reason=self.audit_reason)


# --- selectors: a record's changes for its timeline --------------------------------------------

# Never shown as a change: the row's identity and bookkeeping.
_NOT_SHOWN = {"id", "company", "created_at", "polymorphic_ctype"}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class RecordChange:
    """One save of a record that changed what people see, for its timeline."""

    owner: models.Model
    occurred_at: Any
    author: Any  # the staff user, or None
    portal_actor: str
    reason: str
    changes: list[FieldChange]
    kind: str = "change"

    @property
    def actor_name(self) -> str:
        if self.author is not None:
            return self.author.get_full_name() or self.author.get_username()
        return self.portal_actor or self.reason

    @property
    def summary(self) -> str:
        if len(self.changes) == 1:
            change = self.changes[0]
            text = gettext("Changed %(field)s from “%(old)s” to “%(new)s”") % {
                "field": change.label.lower(),
                "old": _short(change.old),
                "new": _short(change.new),
            }
        else:
            text = gettext("Changed %(fields)s") % {
                "fields": ", ".join(change.label.lower() for change in self.changes)
            }
        if self.author is not None:
            return gettext("%(text)s by %(who)s") % {"text": text, "who": self.actor_name}
        if self.portal_actor:
            return gettext("%(text)s by %(who)s on the portal") % {
                "text": text,
                "who": self.portal_actor,
            }
        if self.reason:
            return gettext("%(text)s (%(reason)s)") % {"text": text, "reason": self.reason}
        return text


def _short(text: str, size: int = 60) -> str:
    return text if len(text) <= size else f"{text[: size - 1]}…"


def _shown_fields(history_model) -> list:
    return [
        field
        for field in history_model.tracked_fields
        if field.name not in _NOT_SHOWN
        and not field.primary_key
        and not field.name.endswith("_ptr")
    ]


def _display(field, value, related: dict) -> str:
    if value is None or value == "":
        return "–"
    if field.is_relation:
        found = related.get((field.related_model, value))
        return str(found) if found is not None else f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(field, PhoneField):
        return display_phone(value, region=active_region())
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return str(formats.localize(value))


def _history_pairs(model: type[models.Model], owners: dict, limit: int) -> list[tuple]:
    """(owner, newer row, older row) for the newest ``limit`` changes of ``owners`` (one
    model, one company): two queries, the changes with their users, then their predecessors."""
    history = history_model(model)
    record_id = model._meta.pk.attname
    company_id = next(iter(owners.values())).company_id
    rows = history._base_manager.filter(company_id=company_id)
    earlier = rows.filter(
        **{record_id: OuterRef(record_id)}, history_id__lt=OuterRef("history_id")
    ).order_by("-history_id")
    newer_rows = list(
        rows.filter(**{f"{record_id}__in": list(owners)}, history_type="~")
        .annotate(previous_id=Subquery(earlier.values("history_id")[:1]))
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
    wanted = [row.previous_id for row in newer_rows if row.previous_id is not None]
    older = {row.history_id: row for row in rows.filter(history_id__in=wanted)} if wanted else {}
    return [
        (owners[getattr(row, record_id)], row, older[row.previous_id])
        for row in newer_rows
        if row.previous_id in older
    ]


def newest_change_sql(owners: Iterable[models.Model], *, company_id: int) -> list[tuple[str, list]]:
    """For each kind of tracked record among ``owners`` (one company), a scalar subquery (SQL
    and its parameters, the company among them) of the date of their newest change that
    ``changes_for_many`` would read (NULL: never changed), to read along another query: a page
    can then leave the changes' own query out when none of them would show. Written from the
    history tables' metadata (the timeline reads its entries in SQL: ``crm.timeline_sql``)."""
    ids_by_model: dict[type, set] = {}
    for owner in owners:
        if owner is not None and owner.pk is not None and is_tracked(type(owner)):
            ids_by_model.setdefault(type(owner), set()).add(owner.pk)
    subqueries = []
    for model, ids in ids_by_model.items():
        head, tail = _newest_change_sql(model, connection.vendor)
        subqueries.append(
            (f"{head}({', '.join(['%s'] * len(ids))}){tail}", [company_id, "~", *sorted(ids)])
        )
    return subqueries


@functools.cache
def _newest_change_sql(model: type[models.Model], vendor: str) -> tuple[str, str]:
    """``newest_change_sql``'s subquery for ``model``: before and after its list of ids."""
    history = history_model(model)
    record_id = model._meta.pk.attname
    record = next(f for f in history._meta.concrete_fields if f.attname == record_id)
    quote = connection.ops.quote_name
    date = quote(history._meta.get_field("history_date").column)
    head = (
        f"SELECT h.{date} FROM {quote(history._meta.db_table)} h"
        f" WHERE h.{quote(history._meta.get_field('company').column)} = %s"
        f" AND h.{quote(history._meta.get_field('history_type').column)} = %s"
        f" AND h.{quote(record.column)} IN "
    )
    return head, f" ORDER BY h.{date} DESC LIMIT 1"


def _not_told_by_events(changed: list, told: dict[str, Sequence[str]]) -> list:
    """``changed`` without what the system event of the same write tells (a model's
    ``history_told_by_events``: a status field, and the fields its move writes along): a status
    change shows once on the timeline, as the event its service logs, which says more (the
    reason, the probability). Those fields changed on their own (a lost reason corrected)
    stay."""
    names = {field.name for field in changed}
    hidden = set()
    for field_name, along in told.items():
        if field_name in names:
            hidden.update((field_name, *along))
    return [field for field in changed if field.name not in hidden] if hidden else changed


def changes_for_many(owners: Iterable[models.Model], *, limit: int = 50) -> list[RecordChange]:
    """The newest ``limit`` changes of the tracked ``owners`` (one company), newest first.

    Two queries per kind of record (however many records of it) and one per kind of record a
    changed foreign key names; never a query per change.
    """
    by_model: dict[type, dict] = {}
    for owner in owners:
        if owner is not None and owner.pk is not None and is_tracked(type(owner)):
            by_model.setdefault(type(owner), {})[owner.pk] = owner
    pairs = []  # (owner, newer row, older row, changed fields)
    for model, of_model in by_model.items():
        fields = _shown_fields(history_model(model))
        told = getattr(model, "history_told_by_events", {})
        for owner, newer, older in _history_pairs(model, of_model, limit):
            changed = _not_told_by_events(
                [
                    field
                    for field in fields
                    if getattr(newer, field.attname) != getattr(older, field.attname)
                ],
                told,
            )
            if changed:
                pairs.append((owner, newer, older, changed))
    wanted: dict[type, set] = {}
    for _owner, newer, older, changed in pairs:
        for field in changed:
            if field.is_relation:
                for row in (newer, older):
                    value = getattr(row, field.attname)
                    if value is not None:
                        wanted.setdefault(field.related_model, set()).add(value)
    related: dict = {}
    for model, ids in wanted.items():
        manager = model._base_manager
        queryset = manager.filter(pk__in=ids)
        if any(f.name == "company" for f in model._meta.concrete_fields) and pairs:
            queryset = queryset.filter(company_id=pairs[0][1].company_id)
        related.update({(model, row.pk): row for row in queryset})
    entries = [
        RecordChange(
            owner=owner,
            occurred_at=newer.history_date,
            author=newer.history_user,
            portal_actor=newer.history_portal_actor,
            reason=newer.history_change_reason or "",
            changes=[
                FieldChange(
                    label=capfirst(str(field.verbose_name)),
                    old=_display(field, getattr(older, field.attname), related),
                    new=_display(field, getattr(newer, field.attname), related),
                )
                for field in changed
            ],
        )
        for owner, newer, older, changed in pairs
    ]
    entries.sort(key=lambda entry: entry.occurred_at, reverse=True)
    return entries[:limit]
