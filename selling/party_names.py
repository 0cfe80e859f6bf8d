"""The names a quotation or an order is found by, stored on the document (``party_names``).

The search box finds a quotation by its number and by whoever it is for: its customer's name,
e-mail and phone, its opportunity's title, and the customer that opportunity became; an order
by its number and its customer's. Asked through the relations, a fragment that many
opportunities hold walked the company's quotations one by one (39 ms at a million leads, and
growing with the company). Stored, the documents' own trigram index (``crm.ui.search``) answers
it like any other column.

The copy is each related row's search document (its ``search_fields`` joined by spaces), the
parts joined by spaces: a search term holds no space, so it is found in the copy exactly when
one of the related documents holds it. It is derived, never edited:

- a document's ``save()`` writes it when the document is new or its customer or opportunity
  changed (``names_for``), and otherwise leaves the column alone, so a document read before a
  rename cannot write the old names back;
- a saved customer, opportunity or customer link refreshes the documents that show its names
  (``refresh``, connected in ``selling.apps``): a rename from a page, the admin, the API or an
  import, and an opportunity that becomes a customer;
- the generator writes it with the rows, a migration filled in the existing ones, and
  ``manage.py verify_figures`` recomputes every document's (``party_names_find``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext_noop

from crm.event_text import event_message, render
from crm.figures import Difference
from crm.models import Company
from crm.timeline import activity_log_event
from crm.ui.search import search_document

CHUNK = 2000
# The customer's fields whose change shows on its documents; the opportunity's.
CUSTOMER_FIELDS = frozenset({"name", "email", "phone"})
OPPORTUNITY_FIELDS = frozenset({"title"})


def _document_of(model, key) -> Coalesce:
    """``model``'s search document for the row whose key is ``key`` (an ``OuterRef`` or an id),
    or "" without one. Unscoped: the very row the document points at."""
    if key is None:
        return Value("", output_field=TextField())
    rows = (
        model._base_manager.filter(pk=key)
        .annotate(names=search_document(_searched(model)))
        .values("names")[:1]
    )
    return Coalesce(Subquery(rows, output_field=TextField()), Value(""), output_field=TextField())


def _linked_customer_of(models_, opportunity) -> Coalesce:
    """The search document of the customer ``opportunity`` became (its customer link), or ""."""
    if opportunity is None:
        return Value("", output_field=TextField())
    customer_fields = [f"customer__{name}" for name in _searched(models_["Customer"])]
    rows = (
        models_["CustomerLink"]
        ._base_manager.filter(opportunity=opportunity)
        .annotate(names=search_document(customer_fields))
        .values("names")[:1]
    )
    return Coalesce(Subquery(rows, output_field=TextField()), Value(""), output_field=TextField())


# The opportunity's part is its title alone: its lead's names (which its own search also holds,
# ``leads.lead_names``) are not whoever the document is for.
OPPORTUNITY_NAMES = ("title",)


def _searched(model) -> tuple[str, ...]:
    """The columns of ``model`` a document copies: its ``search_fields``, read off the app's
    model (a migration's has none), an opportunity's title."""
    from django.apps import apps

    if model._meta.label == "leads.Opportunity":
        return OPPORTUNITY_NAMES
    return apps.get_model(model._meta.label).search_fields


def _join(*parts):
    if len(parts) == 1:
        return parts[0]
    joined = []
    for part in parts:
        if joined:
            joined.append(Value(" ", output_field=TextField()))
        joined.append(part)
    return Concat(*joined, output_field=TextField())


def names_expression(document_model, *, customer, opportunity=None, models_=None):
    """The names of a document of ``document_model`` whose customer and opportunity are
    ``customer`` and ``opportunity``: each an ``OuterRef`` to the document's column, an id, or
    None. ``models_`` are the models by name (a migration passes its historical ones)."""
    models_ = models_ or _models()
    customer_names = _document_of(models_["Customer"], customer)
    if document_model._meta.model_name == "salesorder":
        return _join(customer_names)
    return _join(
        customer_names,
        _document_of(models_["Opportunity"], opportunity),
        _linked_customer_of(models_, opportunity),
    )


def _models() -> dict:
    from customers.models import Customer, CustomerLink
    from leads.models import Opportunity

    return {"Customer": Customer, "CustomerLink": CustomerLink, "Opportunity": Opportunity}


def _has_opportunity(document_model) -> bool:
    return document_model._meta.model_name == "quotation"


def stored_expression(document_model, models_=None):
    """``names_expression`` for each row of ``document_model`` (to annotate or update)."""
    return names_expression(
        document_model,
        customer=OuterRef("customer_id"),
        opportunity=OuterRef("opportunity_id") if _has_opportunity(document_model) else None,
        models_=models_,
    )


def names_for(document) -> str:
    """What ``document`` (saved or not) should store, read from the database in one query."""
    expression = names_expression(
        type(document),
        customer=document.customer_id,
        opportunity=getattr(document, "opportunity_id", None),
    )
    return (
        Company.objects.filter(pk=document.company_id)
        .annotate(names=expression)
        .values_list("names", flat=True)
        .get()
    )


def refresh(queryset, *, models_=None) -> int:
    """Writes the names of the documents in ``queryset`` again; returns how many rows."""
    return queryset.update(party_names=stored_expression(queryset.model, models_))


def refresh_for_customer(customer_id: int) -> None:
    """The documents that show a customer's names: its own, and its opportunities' quotations."""
    from customers.models import CustomerLink
    from selling.models import Quotation, SalesOrder

    linked = CustomerLink._base_manager.filter(
        customer=customer_id, opportunity__isnull=False
    ).values("opportunity")
    refresh(Quotation._base_manager.filter(Q(customer=customer_id) | Q(opportunity__in=linked)))
    refresh(SalesOrder._base_manager.filter(customer=customer_id))


def refresh_for_opportunity(opportunity_id: int) -> None:
    from selling.models import Quotation

    refresh(Quotation._base_manager.filter(opportunity=opportunity_id))


def _touches(update_fields, fields: frozenset) -> bool:
    return update_fields is None or bool(fields & set(update_fields))


def customer_saved(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    # A new customer has no documents yet; a save of other fields changes no names.
    if raw or created or not _touches(update_fields, CUSTOMER_FIELDS):
        return
    refresh_for_customer(instance.pk)


def opportunity_saved(sender, instance, created, update_fields=None, raw=False, **kwargs) -> None:
    if raw or created or not _touches(update_fields, OPPORTUNITY_FIELDS):
        return
    refresh_for_opportunity(instance.pk)


def customer_link_changed(sender, instance, raw=False, **kwargs) -> None:
    """An opportunity that became (or stopped being) a customer: its quotations carry the
    customer's names (or no longer do)."""
    if raw or instance.opportunity_id is None:
        return
    refresh_for_opportunity(instance.opportunity_id)


# manage.py verify_figures (crm.figures)


def _document_models():
    from selling.models import Quotation, SalesOrder

    return (Quotation, SalesOrder)


def party_names_count(company: Company) -> int:
    return sum(model.objects.filter(company=company).count() for model in _document_models())


def _problem(stored: str, expected: str) -> dict:
    return event_message(
        gettext_noop('names searched: "%(stored)s" stored, "%(computed)s" from the records'),
        stored=stored.strip(),
        computed=expected.strip(),
    )


def _repair(model, company_id: int, pk: int) -> list[str]:
    with transaction.atomic():
        row = (
            model.objects.select_for_update(of=("self",))
            .filter(company=company_id, pk=pk)
            .annotate(expected=stored_expression(model))
            .values_list("party_names", "expected")
            .first()
        )
        if row is None or row[0] == row[1]:
            return []
        stored, expected = row
        model.objects.filter(company=company_id, pk=pk).update(party_names=expected)
        problem = _problem(stored, expected)
        activity_log_event(
            owner=model.objects.get(company=company_id, pk=pk),
            kind="other",
            message=event_message(
                gettext_noop(
                    "The names this document is searched by disagreed with its customer and "
                    "opportunity and were copied again: %(problems)s."
                ),
                problems=problem,
            ),
            data={"event": "figure_repaired", "problems": [render(problem)]},
        )
    return [render(problem)]


def party_names_find(company: Company, advance: Callable[[], None]) -> list[Difference]:
    """Every quotation and order whose stored names are not its customer's and opportunity's."""
    differences = []
    for model in _document_models():
        rows = (
            model.objects.filter(company=company)
            .annotate(expected=stored_expression(model))
            .values_list("pk", "party_names", "expected")
            .order_by("pk")
        )
        wrong: dict[int, tuple[str, str]] = {}
        for pk, stored, expected in rows.iterator(chunk_size=CHUNK):
            if stored != expected:
                wrong[pk] = (stored, expected)
            advance()
        records = model.objects.filter(company=company, pk__in=list(wrong)).order_by("pk")
        differences.extend(
            Difference(
                record=record,
                problems=[render(_problem(*wrong[record.pk]))],
                repair=lambda model=model, pk=record.pk: _repair(model, company.pk, pk),
            )
            for record in records
        )
    return differences
