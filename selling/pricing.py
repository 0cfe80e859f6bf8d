"""Pricing: every price, discount, VAT amount and total of a quotation or order comes from here.

The rules (DESIGN.md "Money"):

- Unit prices are net. **A new line's unit price is the party's group price for the product if
  the group's price list has one, else the catalog price.** VAT is always the product's rate.
- The party's discount comes from its customer group and its customer type. **When both give a
  discount, the larger one applies; they are never added up** (10 % group + 5 % type = 10 %).
  The document stores the percentage and a sentence saying where it came from, and prints it
  (``selling.terms_notes`` writes it again in the reader's language).
- **Rule order: the price list first, then the discount.** The party discount applies to every
  line, whether its price came from the group's price list or the catalog (as in ERPNext, where
  a price list rate and a pricing rule's discount both apply). A group whose price list already
  is its deal gives itself no discount. The document stores which price list it uses and a
  sentence saying so (``price_rule``), printed beside the discount rule.
- Terms are fixed when a document is made (price list, discount, net or gross, payment terms),
  and an order made from a quotation keeps the quotation's. Payment terms come from the
  customer group; a party without a group pays in ``DEFAULT_PAYMENT_TERMS_DAYS`` (30 days net).
- What a party may buy (``customers.selectors.ProductLimits``) is checked against the party as
  it is at each write, not as it was when the document was made.
- Each line is rounded on its own, half up to cents: net = quantity × price × (1 − discount),
  VAT = net × rate, gross = net + VAT. A document's totals are the sums of its rounded lines, so
  a printed document always adds up.
- Business customers see net prices, private customers gross (``prices_include_vat``). Only the
  display changes: the stored amounts are the same either way.
- A party that is not a customer yet (an opportunity) is priced as the customer it would become
  (its lead's organization makes it a business).
- What the portal's catalog shows and what a portal request's opportunity is worth come from
  here too (``party_price``, ``wish_list_net``), so the customer, the pipeline and the quotation
  made from the request agree. The catalog's list price is the catalog's, never the group's.
- The wish list on a lead's, an opportunity's and a customer's page is priced here as well
  (``wish_list_priced``, registered with ``leads.wish_pricing``): the unit prices, line amounts
  and total a quotation made from it would carry, and the rules that gave them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from crm.errors import DomainError
from crm.models import Product
from crm.money import ZERO, round_money
from customers.models import (
    DEFAULT_PAYMENT_TERMS_DAYS,
    Customer,
    CustomerGroup,
    CustomerLink,
    GroupPrice,
)
from customers.selectors import Buyer, customer_link_for
from customers.services import proposed_customer
from leads.models import Lead, Opportunity
from leads.wish_pricing import PricedWish, PricedWishList
from selling.terms_notes import discount_rule_text, price_rule_text

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class Terms:
    """How a party is priced: the discount that applies, why, whether prices show VAT, the
    group whose price list gives unit prices (and its prices by product id), and when it pays."""

    discount_percent: Decimal
    discount_rule: str
    prices_include_vat: bool
    price_group_id: int | None = None
    price_rule: str = ""
    payment_terms_days: int = DEFAULT_PAYMENT_TERMS_DAYS
    group_prices: Mapping[int, Decimal] = field(default_factory=lambda: MappingProxyType({}))

    def unit_price(self, product: Product) -> Decimal:
        """The group's price for ``product`` if its price list has one, else the catalog's."""
        return self.group_prices.get(product.pk, product.unit_price)


@dataclass(frozen=True)
class PartyPrice:
    """A product's unit price for a party, as the party sees prices (both net, or both with
    VAT): ``list_price`` is the catalog's, ``price`` what a new quotation line charges for one
    (the group's price list first, then the party discount); ``from_group`` says whether the
    group's price list gave it."""

    list_price: Decimal
    price: Decimal
    from_group: bool


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
        source, name, percent, other = "group", customer_group, group_percent, type_percent
    else:
        source, name, percent, other = "type", customer_type, type_percent, group_percent
    rule = discount_rule_text(
        percent=percent, source=source, name=str(name), larger_of_two=bool(other)
    )
    return percent, rule


def opportunity_customer(opportunity: Opportunity) -> Customer | None:
    """The customer an opportunity became or was opened for, if any."""
    link = (
        CustomerLink.objects.filter(company=opportunity.company_id, opportunity=opportunity)
        .select_related("customer__customer_type", "customer__customer_group")
        .first()
    )
    return link.customer if link else None


def buyer_for(*, customer: Customer | None = None, opportunity: Opportunity | None = None) -> Buyer:
    """The party of a document as it is now (the customer wins over the opportunity)."""
    if customer is None and opportunity is not None:
        customer = opportunity_customer(opportunity)
    if customer is not None:
        return Buyer(
            name=str(customer),
            customer_type=customer.customer_type,
            customer_group=customer.customer_group,
        )
    if opportunity is not None:
        return _prospect(opportunity=opportunity)
    raise ValueError("a document's party is a customer or an opportunity")


def _prospect(*, lead: Lead | None = None, opportunity: Opportunity | None = None) -> Buyer:
    """Not a customer yet: priced as the customer it would become, which has no group."""
    proposal = proposed_customer(lead=lead, opportunity=opportunity)
    return Buyer(
        name=str(opportunity or lead), customer_type=proposal.customer_type, customer_group=None
    )


def document_buyer(document) -> Buyer:
    """Who a quotation or order is for, as product limits see them now."""
    return buyer_for(customer=document.customer, opportunity=document.opportunity)


def _price_rule(group: CustomerGroup | None) -> str:
    return price_rule_text(None if group is None else str(group))


def terms_for(
    *,
    customer: Customer | None = None,
    opportunity: Opportunity | None = None,
    buyer: Buyer | None = None,
) -> Terms:
    """The pricing terms for a document's party (the customer wins over the opportunity)."""
    if buyer is None:
        buyer = buyer_for(customer=customer, opportunity=opportunity)
    customer_type, customer_group = buyer.customer_type, buyer.customer_group
    percent, rule = _discount(customer_type, customer_group)
    # A group with an empty price list prices from the catalog, and the document says so.
    prices: Mapping[int, Decimal] = MappingProxyType({})
    if customer_group is not None:
        prices = group_prices(
            company_id=customer_group.company_id, price_group_id=customer_group.pk
        )
    price_group = customer_group if prices else None
    return Terms(
        discount_percent=percent,
        discount_rule=rule,
        prices_include_vat=not customer_type.is_business,
        price_group_id=price_group.pk if price_group else None,
        price_rule=_price_rule(price_group),
        payment_terms_days=(
            customer_group.payment_terms_days if customer_group else DEFAULT_PAYMENT_TERMS_DAYS
        ),
        group_prices=prices,
    )


def group_prices(*, company_id: int, price_group_id: int | None) -> Mapping[int, Decimal]:
    """A group's price list by product id, in one query (none without a group)."""
    if price_group_id is None:
        return MappingProxyType({})
    rows = GroupPrice.objects.filter(company=company_id, customer_group=price_group_id)
    return MappingProxyType(dict(rows.values_list("product_id", "unit_price")))


def document_terms(document) -> Terms:
    """The terms a document was made with (stored on it), with its price list loaded."""
    return Terms(
        discount_percent=document.discount_percent,
        discount_rule=document.discount_rule,
        prices_include_vat=document.prices_include_vat,
        price_group_id=document.price_group_id,
        price_rule=document.price_rule,
        payment_terms_days=document.payment_terms_days,
        group_prices=group_prices(
            company_id=document.company_id, price_group_id=document.price_group_id
        ),
    )


def line_defaults(product: Product, terms: Terms) -> dict:
    """A new line's price (the group's or the catalog's), VAT rate, discount and description."""
    return {
        "product": product,
        "description": product.name,
        "unit_price": terms.unit_price(product),
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


def new_line_amounts(product: Product, quantity: Decimal, terms: Terms) -> LineAmounts:
    """The amounts of a new line for ``quantity`` of ``product``, priced as ``line_defaults``
    prices it (the price list, then the party discount)."""
    defaults = line_defaults(product, terms)
    return line_amounts(
        quantity=Decimal(quantity),
        unit_price=defaults["unit_price"],
        discount_percent=defaults["discount_percent"],
        vat_rate=defaults["vat_rate"],
    )


def party_price(product: Product, terms: Terms) -> PartyPrice:
    """The catalog price and the party's price of one ``product``, as a new line would price it."""
    include_vat = terms.prices_include_vat
    one = new_line_amounts(product, Decimal("1"), terms)
    return PartyPrice(
        list_price=_shown(product.unit_price, product.vat_rate, include_vat=include_vat),
        price=one.gross if include_vat else one.net,
        from_group=product.pk in terms.group_prices,
    )


def wish_list_net(lines: Iterable[tuple[Product, Decimal]], terms: Terms) -> Decimal:
    """The net total of a quotation made from these products and quantities with ``terms``:
    each line priced as a new line and rounded on its own, then summed."""
    return sum(
        (new_line_amounts(product, quantity, terms).net for product, quantity in lines), ZERO
    )


def customer_wish_list_net(*, customer: Customer, lines: Iterable) -> Decimal:
    """What requested lines (``product``, ``quantity``) come to net at ``customer``'s terms as
    they are now: the expected amount of the opportunity a portal request opens."""
    return wish_list_net(
        ((line.product, line.quantity) for line in lines), terms_for(customer=customer)
    )


def _wish_list_buyer(party) -> Buyer | None:
    """Who a quotation made from ``party``'s wish list would be for, as ``quotation_create``
    finds it: a customer as it is; an opportunity's customer if it has one; a lead as the
    customer its opportunity would become (no group yet). None where no quotation could say
    (a company without customer types yet): the catalog prices it."""
    try:
        if isinstance(party, Customer):
            return buyer_for(customer=party)
        if isinstance(party, Opportunity):
            # The page has read (or will read) the opportunity's customer link: reuse it, and
            # read the customer's type and group only when there is a customer.
            link = customer_link_for(party)
            if link is None:
                return _prospect(opportunity=party)
            customer = Customer.objects.select_related("customer_type", "customer_group").get(
                company=party.company_id, pk=link.customer_id
            )
            return buyer_for(customer=customer)
        if isinstance(party, Lead):
            return _prospect(lead=party)
    except DomainError:
        return None
    return None


def wish_list_priced(party, items) -> PricedWishList | None:
    """``party``'s wish-list ``items`` (products loaded) priced as new quotation lines for the
    party: its terms and its group's price list, a fixed number of queries for any number of
    items. The notes say which rules moved a price off the catalog's, in the active language."""
    buyer = _wish_list_buyer(party)
    if buyer is None:
        return None
    terms = terms_for(buyer=buyer)
    lines = []
    for item in items:
        amounts = new_line_amounts(item.product, item.quantity, terms)
        lines.append(
            PricedWish(
                item=item,
                unit_price=terms.unit_price(item.product),
                list_price=item.product.unit_price,
                discount_percent=terms.discount_percent,
                net_amount=amounts.net,
            )
        )
    notes = []
    if any(line.off_catalog for line in lines):
        notes.append(terms.price_rule)
    if terms.discount_percent:
        notes.append(terms.discount_rule)
    return PricedWishList(
        lines=tuple(lines),
        total=sum((line.net_amount for line in lines), ZERO),
        notes=tuple(notes),
    )


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


def _shown(unit_price: Decimal, vat_rate: Decimal, *, include_vat: bool) -> Decimal:
    if not include_vat:
        return Decimal(unit_price)
    return round_money(Decimal(unit_price) * (HUNDRED + Decimal(vat_rate)) / HUNDRED)


def shown_unit_price(line, *, include_vat: bool) -> Decimal:
    """The unit price as the party sees it: net for businesses, with VAT for private customers."""
    return _shown(line.unit_price, line.vat_rate, include_vat=include_vat)


def shown_line_amount(line, *, include_vat: bool) -> Decimal:
    return line.gross_amount if include_vat else line.net_amount
