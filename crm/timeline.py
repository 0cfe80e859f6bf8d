"""Timeline writes (services) and reads (selectors).

Other apps record what happened to their rows with ``activity_log_event`` and show a record's
history, including the records it came from, with ``timeline_for_many``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_scopes import scope

from crm import timeline_sql
from crm.access import Action, Level, level_for, viewable_rows
from crm.actors import portal_actor_name, staff_user
from crm.audit import changes_for_many, newest_change_sql
from crm.errors import DomainError, validate_or_raise
from crm.event_text import event_message, render_english
from crm.models import Activity, Call, Company, Meeting, Membership, Note, SystemEvent, Task

# What ``_timeline_entries`` gives for the newest change's date when no entry carried it.
UNREAD = object()

# The kinds a person may add by hand; system events come from services only.
ADDABLE_KINDS: dict[str, type[Activity]] = {
    "note": Note,
    "call": Call,
    "meeting": Meeting,
    "task": Task,
}

# Fields each kind accepts from ``activity_add`` besides ``body`` and ``occurred_at``.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "note": (),
    "call": ("direction", "duration_minutes", "outcome"),
    "meeting": ("starts_at", "ends_at", "location"),
    "task": ("title", "due_date", "assigned_to"),
}


def can_have_timeline(model: type[Model]) -> bool:
    """The company itself, or a model that sets ``timeline_enabled = True`` (its polymorphic
    children inherit it); never a timeline entry, a link row or a membership."""
    if issubclass(model, Company):
        return True
    return bool(getattr(model, "timeline_enabled", False)) and not issubclass(model, Activity)


def owner_company(owner: Model) -> Company:
    """The company an owner belongs to: itself for a Company, else its ``company``."""
    if isinstance(owner, Company):
        return owner
    company_id = getattr(owner, "company_id", None)
    if company_id is None or owner.pk is None:
        raise DomainError(_("This record cannot have a timeline."))
    return owner.company


def owner_company_id(owner: Model) -> int:
    """The id of the company an owner belongs to, without loading the company (a read that
    only filters by it needs no row)."""
    if isinstance(owner, Company):
        return owner.pk
    company_id = getattr(owner, "company_id", None)
    if company_id is None or owner.pk is None:
        raise DomainError(_("This record cannot have a timeline."))
    return company_id


def _owner_key(owner: Model) -> tuple[int, int]:
    return ContentType.objects.get_for_model(owner).pk, owner.pk


def _validate(activity: Activity) -> None:
    validate_or_raise(activity, exclude=["company", "owner_type"])


def _is_company_admin(user, company: Company) -> bool:
    if user is None:
        return False
    if user.is_superuser:
        return True
    membership = Membership.objects.filter(company=company, user=user).first()
    return bool(membership and membership.is_admin)


@transaction.atomic
def activity_log_event(
    *,
    owner: Model,
    kind: str,
    message: dict,
    data: dict[str, Any] | None = None,
    actor=None,
) -> SystemEvent:
    """Record something that happened to ``owner`` (a conversion, a status change).

    ``kind`` is one of ``SystemEvent.Kind``; ``message`` is built with
    ``crm.event_text.event_message`` (an untranslated msgid and its parameters), so every
    reader reads it in their own language; ``data`` holds machine-readable details (JSON).
    """
    if kind not in SystemEvent.Kind.values:
        raise DomainError(_("Unknown event kind “%(kind)s”.") % {"kind": kind})
    if not isinstance(message, dict):
        raise TypeError("Build the message with crm.event_text.event_message(gettext_noop(...)).")
    on_portal = portal_actor_name(actor)
    if on_portal:
        message = event_message(
            gettext_noop("%(message)s (by %(name)s, on the portal)"),
            message=message,
            name=on_portal,
        )
        data = {**(data or {}), "customer_user": actor.pk}
        if kind == SystemEvent.Kind.OTHER:
            kind = SystemEvent.Kind.PORTAL  # the badge says where it happened
    event = SystemEvent(
        company=owner_company(owner),
        owner=owner,
        author=staff_user(actor),
        event_kind=kind,
        body=render_english(message),
        data={**(data or {}), "message": message},
    )
    _validate(event)
    event.save()
    return event


@transaction.atomic
def activity_add(*, owner: Model, kind: str, actor, **fields: Any) -> Activity:
    """Add a note, call, meeting or task to ``owner``'s timeline, written by ``actor``."""
    model = ADDABLE_KINDS.get(kind)
    if model is None:
        raise DomainError(_("Choose a note, call, meeting or task."))
    allowed = {"body", "occurred_at", *KIND_FIELDS[kind]}
    unknown = set(fields) - allowed
    if unknown:
        raise DomainError(
            _("A %(kind)s has no field %(fields)s.")
            % {"kind": model._meta.verbose_name, "fields": ", ".join(sorted(unknown))}
        )
    if not can_have_timeline(type(owner)):
        raise DomainError(_("A %(model)s has no timeline.") % {"model": owner._meta.verbose_name})
    values = {name: value for name, value in fields.items() if value is not None}
    company = owner_company(owner)
    if kind == "note" and not (values.get("body") or "").strip():
        raise DomainError(_("Write something in the note."))
    if kind == "meeting" and "occurred_at" not in values and values.get("starts_at"):
        values["occurred_at"] = values["starts_at"]
    assignee = values.get("assigned_to")
    if assignee is not None and not (
        assignee.is_superuser or Membership.objects.filter(company=company, user=assignee).exists()
    ):
        raise DomainError(_("Tasks can only be assigned to members of this company."))
    activity = model(company=company, owner=owner, author=actor, **values)
    _validate(activity)
    activity.save()
    return activity


def _locked_task(task: Task) -> Task:
    return Task.objects.select_for_update(of=("self",)).get(pk=task.pk, company=task.company_id)


@transaction.atomic
def task_complete(*, task: Task, actor) -> Task:
    """Mark the task done (again: no change)."""
    task = _locked_task(task)
    if not task.done:
        task.done = True
        task.done_at = timezone.now()
        task.save(update_fields=["done", "done_at"])
    return task


@transaction.atomic
def task_reopen(*, task: Task, actor) -> Task:
    """Mark a done task open again."""
    task = _locked_task(task)
    if task.done:
        task.done = False
        task.done_at = None
        task.save(update_fields=["done", "done_at"])
    return task


@transaction.atomic
def activity_delete(*, activity: Activity, actor) -> None:
    """Delete a hand-written entry; only its author or a company admin may, and never a
    system event (the record of what happened stays)."""
    if isinstance(activity, SystemEvent):
        raise DomainError(_("System events are part of the record's history and stay."))
    is_author = actor is not None and activity.author_id == actor.pk
    if not (is_author or _is_company_admin(actor, activity.company)):
        raise DomainError(_("Only the author or a company admin can delete this entry."))
    Activity.objects.filter(pk=activity.pk, company=activity.company_id).delete()


def timeline_owner_models() -> list[type[Model]]:
    """The models whose rows have a timeline (``timeline_enabled = True``, inherited by
    polymorphic children), the company aside."""
    return [
        model
        for model in apps.get_models()
        if can_have_timeline(model) and not issubclass(model, Company)
    ]


def delete_timeline_of_owner(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    """``post_delete`` receiver: a deleted record's entries go with it, in the same transaction,
    so no task stays on "My tasks" without its record.

    A polymorphic child fires once for itself and once per parent class, each time with that
    class as ``sender``; entries are stored under the concrete class's content type, so each
    call deletes those stored under its own.
    """
    owner_type = ContentType.objects.get_for_model(sender)
    # The owner's own company: deletes also come from commands and from a company's cascade,
    # where the active scope may be another company or none.
    with scope(company=instance.company_id):
        Activity.objects.filter(
            company=instance.company_id, owner_type=owner_type, owner_id=instance.pk
        ).delete()


# --- selectors -------------------------------------------------------------------------------


def timeline_for_many(
    owners: Iterable[Model], *, limit: int = 50, related: Iterable[Model] = ()
) -> list[Activity]:
    """The newest ``limit`` entries of all ``owners`` together, each as its own subtype, and
    people's entries (not system events) of the ``related`` records a page also shows: a
    conversion is one event on each record it touched, not the same event again on every page
    that shows the chain.

    Two queries however many entries, in SQL written from the models (``crm.timeline_sql``):
    one for the newest entries with their authors, one for those entries' subtypes' rows
    (joined, not one query per subtype as django-polymorphic would) with the tasks' assignees;
    the company is a parameter of both. Owners must share one company (call
    inside its scope); each entry's ``owner`` is the object passed in, so no query per row.
    """
    return _timeline_entries(owners, limit=limit, related=related)[0]


def _timeline_entries(
    owners: Iterable[Model],
    *,
    limit: int,
    related: Iterable[Model] = (),
    newest_change_of: Iterable[Model] = (),
) -> tuple[list[Activity], Any]:
    """``timeline_for_many``'s entries, and with ``newest_change_of`` (tracked records) the date
    of their newest recorded change read in the entries' query (None: never changed;
    ``UNREAD`` when no entry came back to carry it). Read in SQL (``crm.timeline_sql``)."""
    owners = [owner for owner in owners if owner is not None and owner.pk is not None]
    related = [owner for owner in related if owner is not None and owner.pk is not None]
    if not owners and not related:
        return [], UNREAD
    by_key = {_owner_key(owner): owner for owner in [*related, *owners]}
    company_id = owner_company_id([*owners, *related][0])
    newest = newest_change_sql(newest_change_of, company_id=company_id)
    system_type_id = None
    if related:
        system = ContentType.objects.get_for_model(SystemEvent, for_concrete_model=False)
        system_type_id = system.pk
    rows = timeline_sql.read_entries(
        company_id=company_id,
        owners=_ids_by_type(owners),
        related=_ids_by_type(related),
        system_type_id=system_type_id,
        newest=newest,
        limit=limit,
    )
    newest_change = UNREAD
    if rows and newest:
        newest_change = max((date for date in rows[0][2] if date is not None), default=None)
    entries = _as_subtypes(rows, company_id=company_id)
    owner_field = Activity._meta.get_field("owner")
    for entry in entries:
        # The owner as passed in (its type and id are the entry's own): no query per entry.
        owner_field.set_cached_value(entry, by_key[(entry.owner_type_id, entry.owner_id)])
    return entries, newest_change


def _as_subtypes(rows, *, company_id: int) -> list[Activity]:
    """The entries of ``rows`` (``timeline_sql.read_entries``: their columns and authors) as
    their own subtypes, in their order, tasks with their assignees.

    Each entry is built from its row and its subtype's own columns, which are read by id in a
    second query, joined to the entries' own table (none when the entries' kinds have no
    columns of their own, as notes): PostgreSQL took about 8 ms to *plan* the one query that
    also sorted, limited and joined the authors (seven tables), and runs it in 0.25 ms; apart,
    the two plan in under 1 ms.
    """
    if not rows:
        return []
    links = timeline_sql.subtype_links()
    row_models = [
        ContentType.objects.get_for_id(values["polymorphic_ctype_id"]).model_class()
        for values, _author, _dates in rows
    ]
    # Only the subtypes this page shows: each joined table costs planning time however few of
    # its rows there are (a page of notes and calls need not join meetings, tasks and events).
    present = tuple(
        sorted(
            {model for model in row_models if model in links and timeline_sql.own_fields(model)},
            key=lambda model: model._meta.model_name,
        )
    )
    own = {}
    if present:
        own = timeline_sql.read_subtype_values(
            company_id=company_id, ids=[values["id"] for values, _a, _d in rows], present=present
        )
    db = connection.alias
    entries = []
    for (values, author, _dates), model in zip(rows, row_models, strict=True):
        found, own_values, assignee = own.get(values["id"], (None, {}, None))
        if model in links and (found is model or not timeline_sql.own_fields(model)):
            values = {**values, **own_values, links[model].attname: values["id"]}
        elif model is Activity or model in links:
            model = Activity  # its subtype's row is gone meanwhile: the entry's own
        else:  # a deeper subtype: django-polymorphic's own (slower) way
            entry = _built(Activity, db, values, author)
            entries.append(entry.get_real_instance())
            continue
        entry = _built(model, db, values, author)
        if model is Task and (assignee is not None or entry.assigned_to_id is None):
            entry.assigned_to = assignee  # read with its row
        entries.append(entry)
    return entries


def _built(model: type[Activity], db: str, values: dict, author) -> Activity:
    entry = model.from_db(
        db, None, [values[field.attname] for field in model._meta.concrete_fields]
    )
    if author is not None or entry.author_id is None:
        entry.author = author  # read with the row
    return entry


def _ids_by_type(owners: list[Model]) -> dict[int, list[int]]:
    """The owners' ids by their content type's id, each list in order."""
    by_type: dict[int, list[int]] = {}
    for type_id, owner_id in {_owner_key(owner) for owner in owners}:
        by_type.setdefault(type_id, []).append(owner_id)
    return {type_id: sorted(ids) for type_id, ids in by_type.items()}


def timeline_with_changes(
    owners: Iterable[Model], *, limit: int = 50, related: Iterable[Model] = (), offset: int = 0
) -> list:
    """The timeline panel's entries: the owners' activities and their recorded field changes
    (``crm.audit.RecordChange``, ``kind == "change"``), with people's entries of the
    ``related`` records (see ``timeline_for_many``), newest first, ``limit`` in all after the
    newest ``offset`` (a later page: the same queries, each reading ``offset`` rows more)."""
    owners = [owner for owner in owners if owner is not None and owner.pk is not None]
    wanted = offset + limit
    activities, newest_change = _timeline_entries(
        owners, limit=wanted, related=related, newest_change_of=owners
    )
    changes = [] if _no_change_shown(activities, newest_change, wanted) else None
    entries: list = [
        *activities,
        *(changes_for_many(owners, limit=wanted) if changes is None else changes),
    ]
    # Stable: entries at the same moment keep their sources' order, so pages never overlap.
    entries.sort(key=lambda entry: entry.occurred_at, reverse=True)
    return entries[offset:wanted]


def _no_change_shown(activities: list, newest_change, wanted: int) -> bool:
    """Whether no recorded change can be among the ``wanted`` newest entries, known from the
    entries' query alone (no query for the changes): the records were never changed, or
    ``wanted`` entries came back and the newest change is no newer than the last of them (at
    the same moment an entry sorts first)."""
    if newest_change is UNREAD:
        return False
    if newest_change is None:
        return True
    return len(activities) >= wanted and newest_change <= activities[wanted - 1].occurred_at


TIMELINE_PAGE_SIZE = 20
# Without JavaScript "Show older" reloads the page with one page more; this many at most.
TIMELINE_MAX_PAGES = 50


def timeline_page(
    owners: Iterable[Model], *, page: int = 1, related: Iterable[Model] = (), through: bool = False
) -> tuple[list, bool]:
    """Page ``page`` of the timeline panel (``TIMELINE_PAGE_SIZE`` entries, newest first), or
    with ``through`` every entry from the newest to the end of that page; and whether older
    entries follow. One entry more is read to know that, never a count."""
    page = min(max(page, 1), TIMELINE_MAX_PAGES)
    size = TIMELINE_PAGE_SIZE
    offset = 0 if through else (page - 1) * size
    shown = page * size - offset
    entries = timeline_with_changes(owners, limit=shown + 1, related=related, offset=offset)
    return entries[:shown], len(entries) > shown


def about(record: Model) -> dict[str, Any]:
    """What a system event logged on another record says it is about (``data["about"]``): a
    quotation's step mirrored on its customer names the quotation, so the entry can be left
    out for those who may not view that quotation (``entries_the_user_may_view``)."""
    return {"model": record._meta.label_lower, "pk": record.pk}


def _concerned(entry) -> list[tuple[type[Model], int]]:
    """The records an entry tells about: the one it is on, and the one it names."""
    found = []
    owner_type_id = getattr(entry, "owner_type_id", None)
    if owner_type_id is not None:
        model = ContentType.objects.get_for_id(owner_type_id).model_class()
        if model is not None:
            found.append((model, entry.owner_id))
    named = (getattr(entry, "data", None) or {}).get("about")
    if isinstance(named, dict):
        with contextlib.suppress(KeyError, LookupError, TypeError, ValueError):
            found.append((apps.get_model(named["model"]), int(named["pk"])))
    return found


def entries_the_user_may_view(entries: Iterable, user, company: Company) -> list:
    """``entries`` without those about a record beyond the user's view level: an entry on such
    a record (the dashboard lists every record's) or a system event naming one (a quotation's
    step mirrored on its customer). Left out rather than shown without the number: the entry
    is all about that record, as ERPNext leaves linked documents a user may not read out of a
    timeline. One query per kind of record concerned that the user sees only part of."""
    entries = list(entries)
    if user is None:
        return entries
    levels: dict[type[Model], str | None] = {}
    wanted: dict[type[Model], set[int]] = {}
    for entry in entries:
        for model, pk in _concerned(entry):
            if model not in levels:
                try:
                    levels[model] = level_for(user, company, model, Action.VIEW)
                except KeyError:
                    levels[model] = None  # not a record type with levels: the scope decides
            if levels[model] not in (None, Level.COMPANY):  # the whole company: no query
                wanted.setdefault(model, set()).add(pk)
    hidden: set[tuple[type[Model], int]] = set()
    for model, ids in wanted.items():
        rows = model._default_manager.filter(company=company, pk__in=sorted(ids))
        seen = set(viewable_rows(rows, user, company).values_list("pk", flat=True))
        hidden.update((model, pk) for pk in ids - seen)
    if not hidden:
        return entries
    return [
        entry
        for entry in entries
        if not any((model, pk) in hidden for model, pk in _concerned(entry) if model in wanted)
    ]


def timeline_for(owner: Model, *, limit: int = 50) -> list[Activity]:
    """The newest ``limit`` entries on one owner's timeline."""
    return timeline_for_many([owner], limit=limit)


def open_tasks_for(*, user, company: Company):
    """Open tasks assigned to or written by ``user``, soonest due first (no date last)."""
    return (
        Task.objects.filter(company=company, done=False)
        .filter(Q(assigned_to=user) | Q(author=user))
        .select_related("author", "assigned_to", "owner_type")
        .order_by(F("due_date").asc(nulls_last=True), "occurred_at", "pk")
    )


# --- related owners: whose history a record's timeline also shows ---------------------------

RelatedOwners = Callable[[Model], Iterable[Model]]
_related_owner_resolvers: list[RelatedOwners] = []


def register_related_owners(resolver: RelatedOwners) -> None:
    """Let a higher app add records to a record's timeline panel (a customer shows its lead's
    and opportunity's history): ``resolver(obj)`` returns the extra owners, or nothing."""
    if resolver not in _related_owner_resolvers:
        _related_owner_resolvers.append(resolver)


def related_owners(obj: Model) -> list[Model]:
    extra: list[Model] = []
    for resolver in _related_owner_resolvers:
        extra.extend(owner for owner in resolver(obj) or () if owner is not None)
    return extra
