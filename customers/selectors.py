"""Reads for customer pages: the 360-degree view in a fixed number of queries."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from customers.models import Customer, CustomerGroup, CustomerLink, CustomerType, ProductLimit
from leads.models import WishListItem
from leads.services import wish_list_amount

MAX_HIERARCHY_DEPTH = 10


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
        .only("pk", "name", "is_active", "company_id", "customer_type__name")
        .order_by("name")[:50]
    )
    return {
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


# --- what a party may buy ------------------------------------------------------------------------


@dataclass(frozen=True)
class Buyer:
    """Who is buying, as product limits see it: the party's name, customer type and group (the
    group may be none; so may the type of a party priced before it is a customer)."""

    name: str
    customer_type: CustomerType | None
    customer_group: CustomerGroup | None


class ProductLimits:
    """Which of a company's products are limited to some customer types or groups, read in one
    query. The one place that decides whether a party may buy a product:

    - a product without limits is for everyone;
    - limited to types, only a party of one of those types may buy it;
    - limited to groups, only a member of one of those groups;
    - limited to both, only a party that passes both.
    """

    def __init__(self, *, company, product_ids: Iterable[int] | None = None) -> None:
        rows = ProductLimit.objects.filter(company=company).select_related(
            "customer_type", "customer_group"
        )
        if product_ids is not None:
            rows = rows.filter(product_id__in=list(product_ids))
        self.types: dict[int, dict[int, CustomerType]] = defaultdict(dict)
        self.groups: dict[int, dict[int, CustomerGroup]] = defaultdict(dict)
        for row in rows:
            if row.customer_type_id:
                self.types[row.product_id][row.customer_type_id] = row.customer_type
            else:
                self.groups[row.product_id][row.customer_group_id] = row.customer_group

    def is_limited(self, product_id: int) -> bool:
        return product_id in self.types or product_id in self.groups

    def allows(self, product_id: int, buyer: Buyer) -> bool:
        return self.refusal(product_id, buyer, product_name="") is None

    def refusal(self, product_id: int, buyer: Buyer, *, product_name: str) -> str | None:
        """Why ``buyer`` may not buy the product, or None if it may."""
        types = self.types.get(product_id)
        if types and (buyer.customer_type is None or buyer.customer_type.pk not in types):
            return _(
                "“%(product)s” is sold only to these customer types: %(types)s; %(party)s is "
                "“%(type)s”."
            ) % {
                "product": product_name,
                "types": _names(types.values()),
                "party": buyer.name,
                "type": buyer.customer_type or _("not a customer yet"),
            }
        groups = self.groups.get(product_id)
        if groups and (buyer.customer_group is None or buyer.customer_group.pk not in groups):
            if buyer.customer_group is None:
                return _(
                    "“%(product)s” is sold only to these customer groups: %(groups)s; "
                    "%(party)s is in no group."
                ) % {
                    "product": product_name,
                    "groups": _names(groups.values()),
                    "party": buyer.name,
                }
            return _(
                "“%(product)s” is sold only to these customer groups: %(groups)s; %(party)s is in "
                "“%(group)s”."
            ) % {
                "product": product_name,
                "groups": _names(groups.values()),
                "party": buyer.name,
                "group": buyer.customer_group,
            }
        return None


def _names(rows) -> str:
    return ", ".join(sorted(f"“{row}”" for row in rows))
