"""Pricing: every price, discount, VAT amount and total of a quotation or order comes from here.

The rules (DESIGN.md "Money"):

- Unit prices are net, from the product; VAT is the product's rate.
- The party's discount comes from its customer group and its customer type. **When both give a
  discount, the larger one applies; they are never added up** (10 % group + 5 % type = 10 %).
  The document stores the percentage and a sentence saying where it came from, and prints it.
- Each line is rounded on its own, half up to cents: net = quantity × price × (1 − discount),
  VAT = net × rate, gross = net + VAT. A document's totals are the sums of its rounded lines, so
  a printed document always adds up.
- Business customers see net prices, private customers gross (``prices_include_vat``). Only the
  display changes: the stored amounts are the same either way.
- A party that is not a customer yet (an opportunity) is priced as the customer it would become
  (its lead's organization makes it a business).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from crm.models import Product
from crm.money import ZERO, round_money
from customers.models import Customer, CustomerLink
from customers.services import proposed_customer
from leads.models import Opportunity

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Terms:
    """How a party is priced: the discount that applies, why, and whether prices show VAT."""

    discount_percent: Decimal
    discount_rule: str
    prices_include_vat: bool


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass
class VatRow:
    rate: Decimal
    net: Decimal = ZERO
    vat: Decimal = ZERO


@dataclass
class Totals:
    net: Decimal = ZERO
    vat: Decimal = ZERO
    gross: Decimal = ZERO
    vat_breakdown: list[VatRow] = field(default_factory=list)


def _discount(customer_type, customer_group) -> tuple[Decimal, str]:
    type_percent = customer_type.discount_percent if customer_type else ZERO
    group_percent = customer_group.discount_percent if customer_group else ZERO
    if not type_percent and not group_percent:
        return ZERO, ""
    if group_percent >= type_percent:
        source = _("customer group “%(name)s”") % {"name": customer_group}
        percent, other = group_percent, type_percent
    else:
        source = _("customer type “%(name)s”") % {"name": customer_type}
        percent, other = type_percent, group_percent
    rule = _("%(percent)s %% discount from the %(source)s") % {
        "percent": f"{percent.normalize():f}",
        "source": source,
    }
    if other:
        rule += _(" (the larger of the group and type discounts applies; they are not added)")
    return percent, rule


def opportunity_customer(opportunity: Opportunity) -> Customer | None:
    """The customer an opportunity became or was opened for, if any."""
    link = (
        CustomerLink.objects.filter(company=opportunity.company_id, opportunity=opportunity)
        .select_related("customer__customer_type", "customer__customer_group")
        .first()
    )
    return link.customer if link else None


def terms_for(*, customer: Customer | None = None, opportunity: Opportunity | None = None) -> Terms:
    """The pricing terms for a document's party (the customer wins over the opportunity)."""
    if customer is None and opportunity is not None:
        customer = opportunity_customer(opportunity)
    if customer is not None:
        customer_type, customer_group = customer.customer_type, customer.customer_group
    elif opportunity is not None:
        # Not a customer yet: price it as the customer it would become.
        proposal = proposed_customer(opportunity=opportunity)
        customer_type, customer_group = proposal.customer_type, None
    else:
        raise ValueError("terms_for needs a customer or an opportunity")
    percent, rule = _discount(customer_type, customer_group)
    return Terms(
        discount_percent=percent,
        discount_rule=rule,
        prices_include_vat=not customer_type.is_business,
    )


def line_defaults(product: Product, terms: Terms) -> dict:
    """A new line's price, VAT rate, discount and description for ``product``."""
    return {
        "product": product,
        "description": product.name,
        "unit_price": product.unit_price,
        "vat_rate": product.vat_rate,
        "discount_percent": terms.discount_percent,
    }


def line_amounts(
    *, quantity: Decimal, unit_price: Decimal, discount_percent: Decimal, vat_rate: Decimal
) -> LineAmounts:
    """One line's net, VAT and gross, each rounded half up to cents."""
    net = round_money(quantity * unit_price * (HUNDRED - discount_percent) / HUNDRED)
    vat = round_money(net * vat_rate / HUNDRED)
    return LineAmounts(net=net, vat=vat, gross=net + vat)


def price_line(line) -> None:
    """Set a line's stored amounts from its quantity, price, discount and VAT rate."""
    amounts = line_amounts(
        quantity=Decimal(line.quantity),
        unit_price=Decimal(line.unit_price),
        discount_percent=Decimal(line.discount_percent),
        vat_rate=Decimal(line.vat_rate),
    )
    line.net_amount, line.vat_amount, line.gross_amount = amounts.net, amounts.vat, amounts.gross


def document_totals(lines: Iterable) -> Totals:
    """The totals of priced lines: sums of the rounded line amounts, with VAT per rate."""
    totals = Totals()
    by_rate: dict[Decimal, VatRow] = {}
    for line in lines:
        totals.net += line.net_amount
        totals.vat += line.vat_amount
        totals.gross += line.gross_amount
        row = by_rate.setdefault(Decimal(line.vat_rate), VatRow(rate=Decimal(line.vat_rate)))
        row.net += line.net_amount
        row.vat += line.vat_amount
    totals.vat_breakdown = [by_rate[rate] for rate in sorted(by_rate)]
    return totals


def shown_unit_price(line, *, include_vat: bool) -> Decimal:
    """The unit price as the party sees it: net for businesses, with VAT for private customers."""
    if not include_vat:
        return Decimal(line.unit_price)
    return round_money(Decimal(line.unit_price) * (HUNDRED + Decimal(line.vat_rate)) / HUNDRED)


def shown_line_amount(line, *, include_vat: bool) -> Decimal:
    return line.gross_amount if include_vat else line.net_amount
