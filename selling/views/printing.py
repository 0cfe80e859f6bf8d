"""The printable quotation and sales order: an A4 document a company sends to its customer.

A standalone page (no app navigation) in a fixed number of queries: the document with its party
and people, its lines with their products, the party's address links, the company's address.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.generic import DetailView

from addressbook.models import Address, AddressLink
from crm.access.views import AccessQuerysetMixin
from crm.country_names import country_name
from crm.models import Company
from crm.money import format_plain
from crm.views.mixins import CompanyQuerysetMixin
from selling import pricing
from selling.models import Quotation, SalesOrder
from selling.views.items import url_prefix

# Statuses stamped across the top of the page, so nobody mistakes the paper for a final one.
STAMPED = {
    Quotation.Status.DRAFT,
    Quotation.Status.REJECTED,
    Quotation.Status.EXPIRED,
    SalesOrder.Status.CANCELLED,
}


@dataclass(frozen=True)
class Recipient:
    name: str
    attention: str
    address_lines: list[str]


@dataclass(frozen=True)
class PrintedLine:
    position: int
    description: str
    sku: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: str
    vat_rate: str
    amount: Decimal


def percent(value: Decimal) -> str:
    """19.00 -> "19", 7.50 -> "7.5" ("7,5" in Indonesian): rates as people write them."""
    return format_plain(value)


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that is safe inside a <style> element: anything but
    letters, digits, spaces and plain punctuation becomes a CSS escape (so "<" cannot end it)."""
    safe = set(" -_.,:;·()/")
    escaped = "".join(
        char if char.isalnum() and char.isascii() or char in safe else f"\\{ord(char):x} "
        for char in text
    )
    return mark_safe(f'"{escaped}"')  # safe: every other character is escaped above


def address_lines(address: Address) -> list[str]:
    place = " ".join(part for part in (address.postal_code, address.city) if part)
    country = country_name(address.country) or address.country
    return [
        line for line in (address.street, address.street2, place, address.region, country) if line
    ]


def _best_link(links: list[AddressLink]) -> AddressLink | None:
    """The primary link, else a billing address, else the first."""
    for wanted in (
        lambda link: link.is_primary,
        lambda link: link.purpose == AddressLink.Purpose.BILLING,
        lambda link: True,
    ):
        for link in links:
            if wanted(link):
                return link
    return None


def owner_addresses(company: Company, owners: list) -> dict[tuple[int, int], list[AddressLink]]:
    """The address links of several owners in one query, keyed by (content type id, owner id)."""
    condition = Q()
    keys = []
    for owner in owners:
        content_type = ContentType.objects.get_for_model(owner, for_concrete_model=True)
        keys.append((content_type.pk, owner.pk))
        condition |= Q(owner_type=content_type, owner_id=owner.pk)
    found: dict[tuple[int, int], list[AddressLink]] = {key: [] for key in keys}
    if not keys:
        return found
    links = (
        AddressLink.objects.filter(company=company)
        .filter(condition)
        .select_related("address")
        .order_by("-is_primary", "purpose", "pk")
    )
    for link in links:
        found.setdefault((link.owner_type_id, link.owner_id), []).append(link)
    return found


def _key(owner) -> tuple[int, int]:
    return ContentType.objects.get_for_model(owner, for_concrete_model=True).pk, owner.pk


def _recipient(document, addresses) -> Recipient:
    customer, opportunity = document.customer, document.opportunity
    lead = opportunity.lead if opportunity is not None else None
    if customer is not None:
        name, attention, owners = customer.name, "", [customer]
    elif lead is not None:
        name = lead.organization_name or lead.full_name
        attention = lead.full_name if lead.organization_name else ""
        owners = [opportunity, lead]
    else:
        name, attention, owners = opportunity.title, "", [opportunity]
    link = None
    for owner in owners:
        link = _best_link(addresses.get(_key(owner), []))
        if link is not None:
            break
    return Recipient(
        name=name,
        attention=attention,
        address_lines=address_lines(link.address) if link else [],
    )


def print_context(document) -> dict:
    """What the printed document shows: the print page and the e-mailed PDF render the same
    template with it (``document`` loaded with its company, party and salesperson)."""
    company = document.company
    include_vat = document.prices_include_vat
    lines = list(
        document.items.filter(company=company).select_related("product").order_by("position")
    )
    party_owners = [o for o in (document.customer, document.opportunity) if o is not None]
    if document.customer is None and document.opportunity and document.opportunity.lead:
        party_owners.append(document.opportunity.lead)
    addresses = owner_addresses(company, [company, *party_owners])
    totals = pricing.document_totals(lines)
    company_link = _best_link(addresses.get(_key(company), []))
    title = _("Quotation") if isinstance(document, Quotation) else _("Sales order")
    return {
        "document": document,
        "page_footer_css": css_string(f"{title} {document.number} · {company.name}"),
        "is_quotation": isinstance(document, Quotation),
        "title": title,
        "company": company,
        "company_address": address_lines(company_link.address) if company_link else [],
        "recipient": _recipient(document, addresses),
        "lines": [
            PrintedLine(
                position=line.position,
                description=line.description or line.product.name,
                sku=line.product.sku,
                quantity=line.quantity,
                unit_price=pricing.shown_unit_price(line, include_vat=include_vat),
                discount_percent=percent(line.discount_percent),
                vat_rate=percent(line.vat_rate),
                amount=pricing.shown_line_amount(line, include_vat=include_vat),
            )
            for line in lines
        ],
        "has_discounts": any(line.discount_percent for line in lines),
        "totals": totals,
        "vat_rows": [
            {"rate": percent(row.rate), "net": row.net, "vat": row.vat}
            for row in totals.vat_breakdown
        ],
        "stamp": document.get_status_display() if document.status in STAMPED else "",
        "back_url": document.get_absolute_url(),
        "items_url": reverse(f"selling:{url_prefix(document)}_items", args=[document.pk]),
    }


class DocumentPrintView(AccessQuerysetMixin, CompanyQuerysetMixin, DetailView):
    template_name = "selling/print.html"
    context_object_name = "document"

    def get_queryset(self):
        related = ["company", "customer", "opportunity__lead", "salesperson"]
        if self.model is SalesOrder:
            related.append("quotation")
        return super().get_queryset().select_related(*related)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(print_context(self.object))
        return context


class QuotationPrintView(DocumentPrintView):
    model = Quotation


class OrderPrintView(DocumentPrintView):
    model = SalesOrder
