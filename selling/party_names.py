"""The names a quotation or an order is found by, stored on the document (``party_names``).

The search box finds a quotation by its number and by whoever it is for: its customer's name,
e-mail and phone, its opportunity's title, and the customer that opportunity became; an order
by its number and its customer's. Asked through the relations, a fragment that many
opportunities hold walked the company's quotations one by one (39 ms at a million leads, and
growing with the company). Stored, the documents' own trigram index (``crm.ui.search``) answers
it like any other column.

The copy is each related row's search document (its ``search_fields`` joined by spaces), the
parts joined by spaces: a search term holds no space, so it is found in the copy exactly when
one of the related documents holds it. ``crm.stored_names`` keeps it (``QUOTATION_NAMES``,
``ORDER_NAMES``): a document's ``save()`` writes it when the document is new or its customer or
opportunity changed; a saved customer, opportunity or customer link refreshes the documents that
show its names (connected in ``selling.apps``), an opportunity that becomes a customer included;
the generator writes it with the rows, a migration filled in the existing ones, and
``manage.py verify_figures`` checks it (``party_names``).
"""

from __future__ import annotations

from django.db.models import Q, Subquery, TextField, Value
from django.db.models.functions import Coalesce, Concat
from django.utils.translation import gettext_noop

from crm.stored_names import Source, StoredNames
from crm.ui.search import search_document

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


def _models() -> dict:
    from customers.models import Customer, CustomerLink
    from leads.models import Opportunity

    return {"Customer": Customer, "CustomerLink": CustomerLink, "Opportunity": Opportunity}


def quotation_names(models_, *, customer_id, opportunity_id):
    """The names of a quotation for ``customer_id`` and ``opportunity_id``: the customer's, the
    opportunity's title and the customer the opportunity became."""
    models_ = models_ or _models()
    return _join(
        _document_of(models_["Customer"], customer_id),
        _document_of(models_["Opportunity"], opportunity_id),
        _linked_customer_of(models_, opportunity_id),
    )


def order_names(models_, *, customer_id):
    """The names of an order for ``customer_id``: the customer's."""
    models_ = models_ or _models()
    return _join(_document_of(models_["Customer"], customer_id))


def _quotations():
    from selling.models import Quotation

    return Quotation._base_manager


def _quotations_of_customer(customer):
    """A customer's own quotations, and its opportunities' (through its customer links)."""
    from customers.models import CustomerLink

    linked = CustomerLink._base_manager.filter(
        customer=customer.pk, opportunity__isnull=False
    ).values("opportunity")
    return _quotations().filter(Q(customer=customer.pk) | Q(opportunity__in=linked))


def _quotations_of_link(link):
    """An opportunity that became (or stopped being) a customer: its quotations carry the
    customer's names (or no longer do)."""
    if link.opportunity_id is None:
        return None
    return _quotations().filter(opportunity=link.opportunity_id)


def _orders_of_customer(customer):
    from selling.models import SalesOrder

    return SalesOrder._base_manager.filter(customer=customer.pk)


_REPAIRED = gettext_noop(
    "The names this document is searched by disagreed with its customer and "
    "opportunity and were copied again: %(problems)s."
)

QUOTATION_NAMES = StoredNames(
    model="selling.Quotation",
    column="party_names",
    keys=("customer_id", "opportunity_id"),
    expression=quotation_names,
    repaired=_REPAIRED,
    sources=(
        Source("customers.Customer", rows=_quotations_of_customer, fields=CUSTOMER_FIELDS),
        Source(
            "leads.Opportunity",
            rows=lambda opportunity: _quotations().filter(opportunity=opportunity.pk),
            fields=OPPORTUNITY_FIELDS,
        ),
        Source("customers.CustomerLink", rows=_quotations_of_link),
    ),
)

ORDER_NAMES = StoredNames(
    model="selling.SalesOrder",
    column="party_names",
    keys=("customer_id",),
    expression=order_names,
    repaired=_REPAIRED,
    sources=(Source("customers.Customer", rows=_orders_of_customer, fields=CUSTOMER_FIELDS),),
)
