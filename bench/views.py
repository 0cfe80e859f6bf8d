"""The floors: what serving a page's rows costs at the least.

Each runs behind the same middleware as every page (login, session, company scope), fetches
with raw SQL exactly the rows a page shows, and renders them with a minimal template. Only
``bench.urls`` routes them: they never reach production.

- ``floor``: the default lead list's first page (the company's leads, newest first, the same
  columns; for a salesperson with a salesperson row only their own, like the list's "Mine"),
  one query. The list pages are divided by it.
- ``detail_floor``: a record page's rows, for a lead: the lead's own fields (with its source,
  salesperson, sales partner and lost reason), its addresses and contacts (with their links'
  purpose, role and primary flag) and the first page of its timeline as the page loads it
  (``crm.timeline.TIMELINE_PAGE_SIZE`` entries and one more, which says whether "Show older"
  shows), with each entry's author and its kind's own columns (the benchmark's lead holds
  notes and calls); one query each. The lead,
  opportunity and customer pages are divided by it: the three show the same rows (10
  addresses, 10 contacts, a timeline page in the benchmark), and what an opportunity or
  customer page shows besides (its documents, children, balance) is the page's own cost.
- ``document_floor``: a quotation's rows: its own fields (with its customer, opportunity and
  salesperson), its lines with their products and the first page of its timeline; one query
  each. The quotation and order pages are divided by it (an order shows the same rows): they
  show no addresses or contacts, so the record floor would be heavier than what they show and
  flatter them.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import Http404
from django.shortcuts import render

from addressbook.models import Address, AddressLink, Contact, ContactLink
from crm.models import (
    Activity,
    Call,
    Meeting,
    Membership,
    Product,
    SalesPartner,
    Salesperson,
    SystemEvent,
    Task,
)
from crm.timeline import TIMELINE_PAGE_SIZE
from customers.models import Customer
from leads.models import Lead, LeadSource, LostReason, Opportunity
from selling.models import Quotation, QuotationItem


def floor_sql(*, mine: bool) -> str:
    lead = Lead._meta.db_table
    source = LeadSource._meta.db_table
    seller = Salesperson._meta.db_table
    return (
        "SELECT l.id, l.first_name, l.last_name, l.organization_name, l.email, l.status,"
        " l.created_at, s.name AS source_name, p.name AS salesperson_name"
        f" FROM {lead} l"
        f" LEFT JOIN {source} s ON s.id = l.source_id"
        f" LEFT JOIN {seller} p ON p.id = l.salesperson_id"
        f" WHERE l.company_id = %s{' AND l.salesperson_id = %s' if mine else ''}"
        f" ORDER BY l.created_at DESC, l.id DESC LIMIT {int(settings.PAGE_SIZE)}"
    )


def floor_rows(*, company_id: int, salesperson_id: int | None) -> list[dict]:
    """The rows; only ``salesperson_id``'s when given."""
    mine = salesperson_id is not None
    params = [company_id, salesperson_id] if mine else [company_id]
    with connection.cursor() as cursor:
        cursor.execute(floor_sql(mine=mine), params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def floor(request):
    # The middleware has read the user's salesperson row with the membership (no query here).
    salesperson_id = getattr(request, "salesperson_id", None)
    membership = request.membership
    is_salesperson = membership is not None and membership.role == Membership.Role.SALESPERSON
    rows = floor_rows(
        company_id=request.company.pk,
        salesperson_id=salesperson_id if is_salesperson else None,
    )
    return render(request, "bench/floor.html", {"rows": rows})


# --- the detail floors -----------------------------------------------------------------------


def _rows(sql: str, params: list) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _one(sql: str, params: list) -> dict:
    rows = _rows(sql, params)
    if not rows:
        raise Http404
    return rows[0]


def _table(model) -> str:
    return model._meta.db_table


def lead_sql() -> str:
    return (
        "SELECT l.id, l.first_name, l.last_name, l.organization_name, l.email, l.phone,"
        " l.status, l.notes, l.created_at, s.name AS source_name, p.id AS salesperson_id,"
        " p.name AS salesperson_name, sp.id AS sales_partner_id, sp.name AS sales_partner_name,"
        " r.name AS lost_reason_name"
        f" FROM {_table(Lead)} l"
        f" LEFT JOIN {_table(LeadSource)} s ON s.id = l.source_id"
        f" LEFT JOIN {_table(Salesperson)} p ON p.id = l.salesperson_id"
        f" LEFT JOIN {_table(SalesPartner)} sp ON sp.id = l.sales_partner_id"
        f" LEFT JOIN {_table(LostReason)} r ON r.id = l.lost_reason_id"
        " WHERE l.company_id = %s AND l.id = %s"
    )


def addresses_sql() -> str:
    return (
        "SELECT k.id AS link_id, k.is_primary, k.purpose, a.id, a.label, a.street, a.street2,"
        " a.postal_code, a.city, a.country"
        f" FROM {_table(AddressLink)} k JOIN {_table(Address)} a ON a.id = k.address_id"
        " WHERE k.company_id = %s AND k.owner_type_id = %s AND k.owner_id = %s"
        " ORDER BY k.is_primary DESC, k.purpose, k.id"
    )


def contacts_sql() -> str:
    return (
        "SELECT k.id AS link_id, k.is_primary, k.role, c.id, c.first_name, c.last_name,"
        " c.job_title, c.email, c.phone"
        f" FROM {_table(ContactLink)} k JOIN {_table(Contact)} c ON c.id = k.contact_id"
        " WHERE k.company_id = %s AND k.owner_type_id = %s AND k.owner_id = %s"
        " ORDER BY k.is_primary DESC, k.id"
    )


# Each kind's own columns the timeline shows (a note has none).
_KIND_COLUMNS = {
    Call: ("direction", "duration_minutes", "outcome"),
    Meeting: ("starts_at", "ends_at", "location"),
    Task: ("title", "due_date", "done"),
    SystemEvent: ("event_kind", "data"),
}


def timeline_sql(kinds: tuple = ()) -> str:
    """The newest entries of one owner with their authors and the own columns of ``kinds``:
    the kinds the benchmark's record holds (its notes and calls, a quotation's system events),
    each a LEFT JOIN that costs planning time, so the floor joins only those its rows need."""
    user = connection.ops.quote_name("auth_user")
    columns, joins = [], []
    for index, kind in enumerate(kinds):
        columns += [f"k{index}.{column}" for column in _KIND_COLUMNS[kind]]
        joins.append(f" LEFT JOIN {_table(kind)} k{index} ON k{index}.activity_ptr_id = e.id")
    return (
        "SELECT e.id, e.polymorphic_ctype_id, e.occurred_at, e.body,"
        " u.first_name AS author_first_name, u.last_name AS author_last_name,"
        f" u.username AS author_username{''.join(f', {column}' for column in columns)}"
        f" FROM {_table(Activity)} e"
        f" LEFT JOIN {user} u ON u.id = e.author_id{''.join(joins)}"
        " WHERE e.company_id = %s AND e.owner_type_id = %s AND e.owner_id = %s"
        f" ORDER BY e.occurred_at DESC, e.id DESC LIMIT {TIMELINE_PAGE_SIZE + 1}"
    )


def _timeline(company_id: int, model, pk: int, kinds: tuple) -> tuple[list[dict], bool]:
    """The first timeline page of a record and whether older entries follow."""
    owner_type = ContentType.objects.get_for_model(model).pk
    entries = _rows(timeline_sql(kinds), [company_id, owner_type, pk])
    return entries[:TIMELINE_PAGE_SIZE], len(entries) > TIMELINE_PAGE_SIZE


def detail_floor_rows(*, company_id: int, lead_id: int) -> dict:
    """What the lead's page shows: the lead, its addresses, contacts and first timeline page."""
    lead = _one(lead_sql(), [company_id, lead_id])
    owner = [company_id, ContentType.objects.get_for_model(Lead).pk, lead_id]
    entries, older = _timeline(company_id, Lead, lead_id, (Call,))
    return {
        "record": lead,
        "addresses": _rows(addresses_sql(), owner),
        "contacts": _rows(contacts_sql(), owner),
        "entries": entries,
        "older": older,
    }


def detail_floor(request, pk: int):
    rows = detail_floor_rows(company_id=request.company.pk, lead_id=pk)
    return render(request, "bench/detail_floor.html", rows)


def quotation_sql() -> str:
    """A quotation's own fields, with its customer, opportunity and salesperson."""
    return (
        "SELECT d.id, d.number, d.status, d.currency, d.prices_include_vat, d.net_total,"
        " d.vat_total, d.gross_total, d.payment_terms_days, d.notes, d.created_at,"
        " d.quotation_date, d.valid_until,"
        " c.id AS customer_id, c.name AS customer_name, o.id AS opportunity_id,"
        " o.title AS opportunity_title, p.id AS salesperson_id, p.name AS salesperson_name"
        f" FROM {_table(Quotation)} d"
        f" LEFT JOIN {_table(Customer)} c ON c.id = d.customer_id"
        f" LEFT JOIN {_table(Opportunity)} o ON o.id = d.opportunity_id"
        f" LEFT JOIN {_table(Salesperson)} p ON p.id = d.salesperson_id"
        " WHERE d.company_id = %s AND d.id = %s"
    )


def lines_sql() -> str:
    """A quotation's lines, in the order they are printed, with their products."""
    return (
        "SELECT i.id, i.position, i.description, i.quantity, i.unit_price, i.discount_percent,"
        " i.vat_rate, i.net_amount, i.gross_amount, r.name AS product_name, r.sku"
        f" FROM {_table(QuotationItem)} i JOIN {_table(Product)} r ON r.id = i.product_id"
        " WHERE i.company_id = %s AND i.quotation_id = %s ORDER BY i.position, i.id"
    )


def document_floor_rows(*, company_id: int, quotation_id: int) -> dict:
    """What a quotation's page shows: the quotation, its lines and its first timeline page."""
    quotation = _one(quotation_sql(), [company_id, quotation_id])
    entries, older = _timeline(company_id, Quotation, quotation_id, (SystemEvent,))
    return {
        "record": quotation,
        "lines": _rows(lines_sql(), [company_id, quotation_id]),
        "entries": entries,
        "older": older,
    }


def document_floor(request, pk: int):
    rows = document_floor_rows(company_id=request.company.pk, quotation_id=pk)
    return render(request, "bench/document_floor.html", rows)
