"""The names an opportunity is found by through its lead, stored on it (``lead_names``).

The search boxes (the opportunity list's and the top bar's) find an opportunity by its title and
by its lead's name, organization, e-mail and phone. Asked through the lead, a fragment went
first to the leads' trigram index, which read every lead of every company holding it ("ange" at a
million leads: 18,909 index entries, 15 ms, for the 101 opportunities wanted), then to the
opportunities by their lead key. Stored, the opportunities' own trigram index (over the title and
this copy, ``crm.ui.search``) answers it like any other column, and the search asks one index.

The copy is the lead's search document (its ``search_fields`` joined by spaces), "" without a
lead: a search term holds no space, so the opportunity's document (title, space, copy) holds a
term exactly when its title or its lead's document does. It is derived, never edited:

- an opportunity's ``save()`` writes it when the opportunity is new or its lead changed
  (``names_for``), and otherwise leaves the column alone, so an opportunity read before its
  lead's rename cannot write the old names back;
- a saved lead refreshes its opportunity (``lead_saved``, connected in ``leads.apps``): a rename
  from a page, the admin, the API or an import;
- the generator writes it with the rows, a migration filled in the existing ones, and
  ``manage.py verify_figures`` recomputes every opportunity's (``lead_names_find``) and repairs
  the ones that disagree.

Save and signals, like the documents' ``party_names``, rather than database triggers (as
``crm.kept_figures`` keeps sums): a lead's names change in one place, a lead's ``save()``
(pages, admin, API, imports; no ``QuerySet.update()`` writes a lead's names), and an
opportunity's lead is set by the conversion and the generator, which write the copy. Triggers
would also cover a hand edit in ``psql``, at the price of SQL written twice (PostgreSQL and
SQLite) and put back after every SQLite migration that rebuilds either table; verify_figures
finds and repairs what a write outside the models left behind.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from crm.event_text import event_message, render
from crm.figures import Difference
from crm.models import Company
from crm.timeline import activity_log_event
from crm.ui.search import search_document

CHUNK = 2000
# The lead's columns whose change shows on its opportunity: the ones its search document holds.
LEAD_NAMES = ("first_name", "last_name", "organization_name", "email", "phone")


def names_expression(lead, *, lead_model=None):
    """The names of an opportunity whose lead is ``lead``: an ``OuterRef`` to the opportunity's
    column, an id, or None. ``lead_model`` is the Lead model (a migration passes its historical
    one). Unscoped: the very lead the opportunity points at."""
    if lead is None:
        return Value("", output_field=TextField())
    if lead_model is None:
        from leads.models import Lead as lead_model
    rows = (
        lead_model._base_manager.filter(pk=lead)
        .annotate(names=search_document(LEAD_NAMES))
        .values("names")[:1]
    )
    return Coalesce(Subquery(rows, output_field=TextField()), Value(""), output_field=TextField())


def stored_expression(*, lead_model=None):
    """``names_expression`` for each opportunity (to annotate or update)."""
    return names_expression(OuterRef("lead_id"), lead_model=lead_model)


def names_for(lead_id: int | None) -> str:
    """What an opportunity whose lead is ``lead_id`` should store, in at most one query."""
    if lead_id is None:
        return ""
    from leads.models import Lead

    return (
        Lead._base_manager.filter(pk=lead_id)
        .annotate(names=search_document(LEAD_NAMES))
        .values_list("names", flat=True)
        .first()
    ) or ""


def refresh(queryset, *, lead_model=None) -> int:
    """Writes the names of the opportunities in ``queryset`` again; returns how many rows."""
    return queryset.update(lead_names=stored_expression(lead_model=lead_model))


def lead_saved(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    # A new lead has no opportunity yet; a save of other fields changes no names.
    if raw or created:
        return
    if update_fields is not None and not set(LEAD_NAMES) & set(update_fields):
        return
    from leads.models import Opportunity

    refresh(Opportunity._base_manager.filter(lead=instance.pk))


# manage.py verify_figures (crm.figures)


def lead_names_count(company: Company) -> int:
    from leads.models import Opportunity

    return Opportunity.objects.filter(company=company).count()


def _problem(stored: str, expected: str) -> dict:
    return event_message(
        gettext_noop('names searched: "%(stored)s" stored, "%(computed)s" from the records'),
        stored=stored.strip(),
        computed=expected.strip(),
    )


def _repair(company_id: int, pk: int) -> list[str]:
    from leads.models import Opportunity

    with transaction.atomic():
        row = (
            Opportunity.objects.select_for_update(of=("self",))
            .filter(company=company_id, pk=pk)
            .annotate(expected=stored_expression())
            .values_list("lead_names", "expected")
            .first()
        )
        if row is None or row[0] == row[1]:
            return []
        stored, expected = row
        Opportunity.objects.filter(company=company_id, pk=pk).update(lead_names=expected)
        problem = _problem(stored, expected)
        activity_log_event(
            owner=Opportunity.objects.get(company=company_id, pk=pk),
            kind="other",
            message=event_message(
                gettext_noop(
                    "The names this opportunity is searched by disagreed with its lead and were "
                    "copied again: %(problems)s."
                ),
                problems=problem,
            ),
            data={"event": "figure_repaired", "problems": [render(problem)]},
        )
    return [render(problem)]


def lead_names_find(company: Company, advance: Callable[[], None]) -> list[Difference]:
    """Every opportunity whose stored names are not its lead's."""
    from leads.models import Opportunity

    rows = (
        Opportunity.objects.filter(company=company)
        .annotate(expected=stored_expression())
        .values_list("pk", "lead_names", "expected")
        .order_by("pk")
    )
    wrong: dict[int, tuple[str, str]] = {}
    for pk, stored, expected in rows.iterator(chunk_size=CHUNK):
        if stored != expected:
            wrong[pk] = (stored, expected)
        advance()
    records = Opportunity.objects.filter(company=company, pk__in=list(wrong)).order_by("pk")
    return [
        Difference(
            record=record,
            problems=[render(_problem(*wrong[record.pk]))],
            repair=lambda pk=record.pk: _repair(company.pk, pk),
        )
        for record in records
    ]
