"""Reads for customer pages: the 360-degree view in a fixed number of queries."""

from customers.models import BalanceEntry, Customer, CustomerLink
from leads.models import WishListItem
from leads.services import wish_list_amount

MAX_HIERARCHY_DEPTH = 10
BALANCE_ENTRIES_SHOWN = 5


def customer_ancestors(customer: Customer) -> list[Customer]:
    """Parent, grandparent… (nearest first), at most ``MAX_HIERARCHY_DEPTH`` levels."""
    ancestors = []
    parent_id = customer.parent_id
    seen = {customer.pk}
    while parent_id and parent_id not in seen and len(ancestors) < MAX_HIERARCHY_DEPTH:
        parent = (
            Customer.objects.filter(company=customer.company_id, pk=parent_id)
            .only("pk", "name", "parent_id", "company_id")
            .first()
        )
        if parent is None:
            break
        ancestors.append(parent)
        seen.add(parent.pk)
        parent_id = parent.parent_id
    return ancestors


def customer_overview(*, customer: Customer) -> dict:
    """Everything the customer page shows besides its own fields and the shared panels."""
    links = list(
        CustomerLink.objects.filter(company=customer.company_id, customer=customer)
        .select_related("lead", "opportunity__stage", "opportunity__salesperson")
        .order_by("-created_at", "-pk")
    )
    opportunities = [link.opportunity for link in links if link.opportunity_id]
    leads = [link.lead for link in links if link.lead_id]
    # The wish list of where it came from: the opportunity's, or the lead's if it came directly.
    origin_filter = None
    if customer.opportunity_id:
        origin_filter = {"opportunity_id": customer.opportunity_id}
    elif customer.lead_id:
        origin_filter = {"lead_id": customer.lead_id}
    wish_list = []
    if origin_filter:
        wish_list = list(
            WishListItem.objects.filter(company=customer.company_id, **origin_filter)
            .select_related("product")
            .order_by("pk")
        )
    children = list(
        Customer.objects.filter(company=customer.company_id, parent=customer)
        .select_related("customer_type")
        .only("pk", "name", "status", "company_id", "customer_type__name")
        .order_by("name")[:50]
    )
    balance_entries = list(
        BalanceEntry.objects.filter(company=customer.company_id, customer=customer).order_by(
            "-created_at", "-pk"
        )[:BALANCE_ENTRIES_SHOWN]
    )
    return {
        "balance_entries": balance_entries,
        "links": links,
        "opportunities": opportunities,
        "leads": leads,
        "open_pipeline": sum(
            (o.expected_amount for o in opportunities if o.stage.kind == "open"),
            start=0,
        ),
        "wish_list": wish_list,
        "wish_list_total": wish_list_amount(wish_list),
        "children": children,
        "ancestors": customer_ancestors(customer),
    }
