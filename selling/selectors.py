"""Reads for the quotation and order pages and for the panels on other records' pages.

Every function here runs a fixed number of queries, however many documents or lines there are.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    F,
    Max,
    Model,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from crm import sql_reads
from crm.models import SalesPartner
from crm.money import ZERO, percent_of, round_money
from crm.ui.rows import url_maker
from customers.models import Customer, CustomerLink, CustomerUser
from customers.selectors import customer_links
from leads.models import Opportunity
from selling import document_page, pricing
from selling.models import Quotation, QuotationItem, SalesOrder, SalesOrderItem

# No narrowing: every row the company scope allows.
_EVERY = Q()

# How many documents a panel on another record's page lists before linking to the full list.
PANEL_LIMIT = 10


# --- lists ---------------------------------------------------------------------------------------


# Up to this many opportunity ids, a customer's quotations are found by its id OR those ids
# (0.1 ms at a million rows, where the UNION took 0.46 ms); beyond, the list of ids would cost
# more to send and plan than the UNION, which finds them through the links itself.
OPPORTUNITY_IDS_INLINE = 200


def quotations_of_customer(
    customer: Customer | int, *, opportunity_ids: Collection[int] | None = None
) -> Q:
    """Quotations for the customer, including those made for one of its opportunities before it
    was a customer (the quotation's ``customer`` is empty, the opportunity's link names it).

    Where the caller knows the customer's linked opportunities (``opportunity_ids``, from its
    links) and they are few, an OR of the customer and those ids. Otherwise one
    ``pk IN (… UNION …)`` rather than an OR across a join: each half starts from the customer's
    own rows (its quotations; its links, then their opportunities' quotations), so the database
    reads the customer's rows, not every quotation without a customer nor every opportunity of
    the company."""
    if opportunity_ids is not None and len(opportunity_ids) <= OPPORTUNITY_IDS_INLINE:
        own = Q(customer=customer)
        if not opportunity_ids:
            return own
        return own | Q(customer__isnull=True, opportunity__in=sorted(opportunity_ids))
    own = Quotation.objects.filter(customer=customer).order_by().values("pk")
    before = (
        Quotation.objects.filter(
            customer__isnull=True, opportunity__customer_link__customer=customer
        )
        .order_by()
        .values("pk")
    )
    return Q(pk__in=own.union(before))


def quotations_for_list(queryset: QuerySet[Quotation]) -> QuerySet[Quotation]:
    """What a list row shows (``selling.tables``), in the one query that loads the page of rows:
    the party's names (the customer's, the customer its opportunity became, the opportunity's
    title; ``party_name`` is the one sorted by) and the salesperson's, as plain columns of the
    quotation's row. Read as related rows, each row built up to five model instances: 0.9 ms of
    CPU a page of 50 at 1M, against the same joins read as values."""
    return queryset.annotate(
        party_name=Coalesce(
            "customer__name", "opportunity__customer_link__customer__name", "opportunity__title"
        ),
        customer_name=F("customer__name"),
        opportunity_title=F("opportunity__title"),
        linked_customer_id=F("opportunity__customer_link__customer_id"),
        linked_customer_name=F("opportunity__customer_link__customer__name"),
        salesperson_name=F("salesperson__name"),
    ).only(
        *_DOCUMENT_COLUMNS,
        "quotation_date",
        "valid_until",
        "customer_id",
        "opportunity_id",
    )


# What both lists' rows show of a document (selling.tables).
_DOCUMENT_COLUMNS = (
    "pk",
    "company_id",
    "number",
    "status",
    "currency",
    "net_total",
    "gross_total",
)


def orders_for_list(queryset: QuerySet[SalesOrder]) -> QuerySet[SalesOrder]:
    """What an order's list row shows, as plain columns of its row (``quotations_for_list``)."""
    return queryset.annotate(
        customer_name=F("customer__name"),
        salesperson_name=F("salesperson__name"),
        quotation_number=F("quotation__number"),
    ).only(
        *_DOCUMENT_COLUMNS,
        "order_date",
        "delivery_date",
        "customer_id",
    )


# --- detail pages --------------------------------------------------------------------------------


@dataclass
class ShownLine:
    """A line as the party sees it: unit price and amount net or with VAT."""

    line: QuotationItem | SalesOrderItem | PageLine
    unit_price: Decimal
    amount: Decimal


@dataclass
class DocumentView:
    lines: list[ShownLine] = field(default_factory=list)
    totals: pricing.Totals = field(default_factory=pricing.Totals)


def prefetch_present(record: Model, *lookups: Prefetch) -> None:
    """Read each of the record's to-one relations in ``lookups`` that it has (its key is set),
    one query each; one it has not is None without a query. A detail page's optional relations
    (a quotation's opportunity, an order's quotation) are read apart, not joined: PostgreSQL
    spent 15-25 ms *planning* the one query that joined them all."""
    present = [
        lookup
        for lookup in lookups
        if getattr(record, record._meta.get_field(lookup.prefetch_through).attname) is not None
    ]
    if present:
        prefetch_related_objects([record], *present)


def optional_parties(document: Quotation | SalesOrder, company) -> list[Prefetch]:
    """The document's sales partner and portal user, for ``prefetch_present``, where it has
    them: most documents have neither, and joining both to the document's row cost PostgreSQL
    0.5-1 ms more planning on every page than reading one apart costs where there is one. The
    partner is read as ``select_related`` gave it (the base class, not its kind's)."""
    lookups = []
    if document.sales_partner_id is not None:
        partners = SalesPartner.objects.filter(company=company).non_polymorphic()
        lookups.append(Prefetch("sales_partner", partners))
    if document.customer_user_id is not None:
        lookups.append(Prefetch("customer_user", CustomerUser.objects.filter(company=company)))
    return lookups


def document_lines(document: Quotation | SalesOrder) -> DocumentView:
    """The document's lines (one query) priced for display, and the VAT breakdown by rate."""
    if isinstance(document, Quotation):
        lines = QuotationItem.objects.filter(company=document.company_id, quotation=document)
        lines = lines.select_related("product")
    else:
        lines = SalesOrderItem.objects.filter(company=document.company_id, order=document)
        lines = lines.select_related("product", "quotation_item")
    lines = list(lines.order_by("position", "pk"))
    return _priced(lines, include_vat=document.prices_include_vat)


def _priced(lines: list, *, include_vat: bool) -> DocumentView:
    """``lines`` (models or ``PageLine``s) with their prices as the document shows them (net or
    gross, as ``include_vat`` says) and the document's totals."""
    return DocumentView(
        lines=[
            ShownLine(
                line=line,
                unit_price=pricing.shown_unit_price(line, include_vat=include_vat),
                amount=pricing.shown_line_amount(line, include_vat=include_vat),
            )
            for line in lines
        ],
        totals=pricing.document_totals(lines),
    )


@dataclass(slots=True)
class PageLine:
    """A line as its document's page shows it, read as plain values: the page writes ten or so
    lines, and building each line's model and its product's cost more than writing them."""

    pk: int
    position: int
    product_name: str
    sku: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    vat_rate: Decimal
    net_amount: Decimal
    vat_amount: Decimal
    gross_amount: Decimal
    # An order's line made from a quotation's line: that line's key and position.
    quotation_item_id: int | None = None
    quotation_item_position: int | None = None


_PAGE_LINE_COLUMNS = (
    "pk",
    "position",
    "product__name",
    "product__sku",
    "description",
    "quantity",
    "unit_price",
    "discount_percent",
    "vat_rate",
    "net_amount",
    "vat_amount",
    "gross_amount",
)


def document_page_lines(document: Quotation | SalesOrder) -> DocumentView:
    """``document_lines`` for the document's own page (``selling.lines``): the same lines,
    prices and totals, each line a ``PageLine`` read in one query, written once per process
    (``document_page.line_rows``: building and compiling its queryset cost more than the rest)."""
    model = QuotationItem if isinstance(document, Quotation) else SalesOrderItem
    rows = document_page.line_rows(
        model, _PAGE_LINE_COLUMNS, company_id=document.company_id, document_id=document.pk
    )
    lines = [PageLine(*row) for row in rows]
    return _priced(lines, include_vat=document.prices_include_vat)


def quotation_customer(quotation: Quotation) -> Customer | None:
    """The quotation's customer, or the customer its opportunity has become since (no query if
    ``opportunity__customer_link__customer`` was selected with the quotation)."""
    if quotation.customer_id:
        return quotation.customer
    if quotation.opportunity_id:
        try:
            return quotation.opportunity.customer_link.customer
        except CustomerLink.DoesNotExist:
            return None
    return None


# --- panels on other records' pages ----------------------------------------------------------------


@dataclass(slots=True)
class PanelQuotation:
    """A quotation as the documents panel and the next step show it, read as plain values:
    building three models a row (the quotation, its opportunity) cost more than the panel."""

    pk: int
    number: str
    status: str
    gross_total: Decimal
    quotation_date: date
    # The opportunity's title, None without one.
    opportunity_title: str | None
    url: str

    def get_absolute_url(self) -> str:
        return self.url

    def get_status_display(self) -> str:
        return str(_QUOTATION_STATUSES.get(self.status, self.status))


@dataclass(slots=True)
class PanelOrder:
    """A sales order as the documents panel and the next step show it (``PanelQuotation``)."""

    pk: int
    number: str
    status: str
    gross_total: Decimal
    order_date: date
    # The number of the quotation it was made from, None without one.
    quotation_number: str | None
    url: str

    def get_absolute_url(self) -> str:
        return self.url

    def get_status_display(self) -> str:
        return str(_ORDER_STATUSES.get(self.status, self.status))


_QUOTATION_STATUSES = dict(Quotation.Status.choices)
_ORDER_STATUSES = dict(SalesOrder.Status.choices)


@dataclass
class DocumentsOverview:
    """A record's latest quotations and orders, how many there are, and the newest open
    quotation and draft order (the deal under way that the record's next step points at)."""

    quotations: list[PanelQuotation]
    quotation_count: int
    orders: list[PanelOrder]
    order_count: int
    newest_open_quotation: PanelQuotation | None = None
    newest_draft_order: PanelOrder | None = None


@dataclass(frozen=True)
class _PanelTable:
    """How the panel reads one kind of document: its model, the row class, the date it is
    sorted by, the related row whose one column it shows, the statuses "under way"."""

    model: type[Quotation] | type[SalesOrder]
    row: type[PanelQuotation] | type[PanelOrder]
    date_field: str
    related: str
    related_column: str
    under_way: tuple[str, ...]
    route: str


_PANEL_TABLES = {
    "quotations": _PanelTable(
        Quotation,
        PanelQuotation,
        "quotation_date",
        "opportunity",
        "title",
        tuple(sorted(Quotation.OPEN)),
        "selling:quotation_detail",
    ),
    "orders": _PanelTable(
        SalesOrder,
        PanelOrder,
        "order_date",
        "quotation",
        "number",
        (SalesOrder.Status.DRAFT,),
        "selling:order_detail",
    ),
}


def _panel_sql(table: _PanelTable, where: str) -> str:
    """The statement ``_panel_rows`` runs, written once per process, table and record filter
    (``where``, on the document ``d``) from the models' metadata: building and compiling the
    ORM's query was most of what the panel and the next step cost a page. The latest
    ``PANEL_LIMIT`` rows, each carrying how many rows there are and the pk of the newest one
    under way (window functions run before the limit). Its parameters: the statuses under way,
    the company, then the record filter's."""
    quote = connection.ops.quote_name
    meta = table.model._meta
    related = meta.get_field(table.related)
    date_column = quote(meta.get_field(table.date_field).column)
    pk = quote(meta.pk.column)
    columns = ", ".join(
        f"d.{quote(meta.get_field(name).column)}" for name in ("number", "status", "gross_total")
    )
    statuses = ", ".join(["%s"] * len(table.under_way))
    return (
        f"SELECT d.{pk}, {columns}, d.{date_column},"
        f" r.{quote(related.related_model._meta.get_field(table.related_column).column)},"
        f" COUNT(*) OVER (),"
        f" MAX(CASE WHEN d.{quote(meta.get_field('status').column)} IN ({statuses})"
        f" THEN d.{pk} END) OVER ()"
        f" FROM {quote(meta.db_table)} d"
        f" LEFT OUTER JOIN {quote(related.related_model._meta.db_table)} r"
        f" ON d.{quote(related.column)} = r.{quote(related.related_model._meta.pk.column)}"
        f" WHERE d.{quote(meta.get_field('company').column)} = %s AND {where}"
        f" ORDER BY d.{date_column} DESC, d.{pk} DESC"
        f" LIMIT {int(PANEL_LIMIT)}"
    )


_PANEL_SQL: dict[tuple, str] = {}


def _column(model, name: str) -> str:
    return f"d.{connection.ops.quote_name(model._meta.get_field(name).column)}"


def _record_where(model, field_name: str, extra: int = 0) -> str:
    """``d.<field> = %s``, or for a customer's quotations with ``extra`` opportunity ids, that
    or a quotation without a customer for one of them (``quotations_of_customer``)."""
    own = f"{_column(model, field_name)} = %s"
    if not extra:
        return own
    ids = ", ".join(["%s"] * extra)
    return (
        f"({own} OR ({_column(model, 'customer')} IS NULL"
        f" AND {_column(model, 'opportunity')} IN ({ids})))"
    )


def _panel_rows(table: _PanelTable, company: int, field_name: str, values: list) -> list:
    """The rows of ``_panel_sql`` for the documents whose ``field_name`` is ``values[0]`` (or,
    with more values, one of those opportunity ids: ``_record_where``)."""
    key = (connection.vendor, table.model, field_name, len(values))
    sql = _PANEL_SQL.get(key)
    if sql is None:
        where = _record_where(table.model, field_name, len(values) - 1)
        sql = _PANEL_SQL[key] = _panel_sql(table, where)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*table.under_way, company, *values])
        rows = cursor.fetchall()
    # The total and the date as the ORM gives them (SQLite's cursor: numbers and text).
    fields = table.model._meta
    converted = sql_reads.kept(
        ("selling.panel_values", table.model),
        lambda: sql_reads.select(
            ("d", fields.get_field("gross_total")), ("d", fields.get_field(table.date_field))
        ),
    )
    return [(*row[:3], *converted.values(row[3:5]), *row[5:]) for row in rows]


def _orm_rows(table: _PanelTable, queryset: QuerySet) -> list:
    """``_panel_rows``' rows read through the ORM: for a filter the hand-written statement does
    not know (a user who sees only some documents, a customer with many opportunities)."""
    under_way = Q(status__in=table.under_way)
    return list(
        queryset.annotate(
            panel_count=Window(expression=Count("pk")),
            under_way_pk=Window(expression=Max("pk", filter=under_way)),
        )
        .order_by(f"-{table.date_field}", "-pk")
        .values_list(
            "pk",
            "number",
            "status",
            "gross_total",
            table.date_field,
            f"{table.related}__{table.related_column}",
            "panel_count",
            "under_way_pk",
        )[:PANEL_LIMIT]
    )


def _panel_documents(table: _PanelTable, rows: list) -> tuple[list, int, int | None]:
    """The rows as ``table.row``s, how many documents there are, the pk of the newest under
    way."""
    if not rows:
        return [], 0, None
    url = url_maker(table.route)
    documents = []
    for pk, number, status, gross_total, when, related, _count, _wanted in rows:
        documents.append(table.row(pk, number, status, gross_total, when, related, url(pk)))
    return documents, rows[0][6], rows[0][7]


def _latest(
    table: _PanelTable, company: int, field_name: str, values: list, visible: Q, base: Q
) -> tuple[list, int, object]:
    """The latest ``PANEL_LIMIT`` documents, how many there are and the newest one under way:
    one of those read, or read alone (one query more, only when it is older). ``visible`` is
    what the user sees (crm.access); ``base`` is the record filter as a ``Q``, for the ORM."""
    fast = not visible and len(values) <= OPPORTUNITY_IDS_INLINE + 1
    model = table.model
    if fast:
        rows = _panel_rows(table, company, field_name, values)
    else:
        rows = _orm_rows(table, model.objects.filter(base, visible, company=company))
    documents, count, wanted = _panel_documents(table, rows)
    if wanted is None:
        return documents, count, None
    newest = next((document for document in documents if document.pk == wanted), None)
    if newest is None:
        if fast:
            rows = _panel_rows(table, company, "id", [wanted])
        else:
            rows = _orm_rows(table, model.objects.filter(company=company, pk=wanted))
        newest = _panel_documents(table, rows)[0][0] if rows else None
    return documents, count, newest


def _overview(quotations: tuple, orders: tuple) -> DocumentsOverview:
    quotation_rows, quotation_count, open_quotation = _latest(
        _PANEL_TABLES["quotations"], *quotations
    )
    order_rows, order_count, draft_order = _latest(_PANEL_TABLES["orders"], *orders)
    return DocumentsOverview(
        quotations=quotation_rows,
        quotation_count=quotation_count,
        orders=order_rows,
        order_count=order_count,
        newest_open_quotation=open_quotation,
        newest_draft_order=draft_order,
    )


def customer_documents(
    customer: Customer, *, quotations: Q = _EVERY, orders: Q = _EVERY
) -> DocumentsOverview:
    """The customer's latest quotations and orders and how many there are (two queries);
    ``quotations`` and ``orders`` narrow them to the ones the user sees (crm.access)."""
    company = customer.company_id
    # Its links are read once per customer object (the customer page has them already).
    linked = sorted(
        {link.opportunity_id for link in customer_links(customer) if link.opportunity_id}
    )
    return _overview(
        (
            company,
            "customer",
            [customer.pk, *linked],
            quotations,
            quotations_of_customer(customer, opportunity_ids=linked),
        ),
        (company, "customer", [customer.pk], orders, Q(customer=customer)),
    )


def opportunity_documents(
    opportunity: Opportunity, *, quotations: Q = _EVERY, orders: Q = _EVERY
) -> DocumentsOverview:
    company, pk = opportunity.company_id, opportunity.pk
    base = Q(opportunity=pk)
    return _overview(
        (company, "opportunity", [pk], quotations, base),
        (company, "opportunity", [pk], orders, base),
    )


@dataclass
class Commission:
    """What a sales partner earns on the orders it brought in that count as sales."""

    rate: Decimal
    order_count: int
    net_total: Decimal
    amount: Decimal
    orders: list[SalesOrder]


def partner_commission(partner: SalesPartner) -> Commission:
    """Commission on the partner's booked orders (confirmed or fulfilled): the partner's rate
    applied to their net total. One query: the latest orders each carry the count and the net
    total of all of them (window functions run before the limit)."""
    everything = Window(expression=Count("pk")), Window(expression=Sum("net_total"))
    orders = list(
        SalesOrder.objects.filter(
            company=partner.company_id, sales_partner=partner, status__in=SalesOrder.BOOKED
        )
        .select_related("customer")
        .annotate(booked_count=everything[0], booked_net=everything[1])
        .order_by("-order_date", "-pk")[:PANEL_LIMIT]
    )
    order_count = orders[0].booked_count if orders else 0
    net_total = round_money(orders[0].booked_net) if orders else ZERO
    return Commission(
        rate=partner.commission_rate,
        order_count=order_count,
        net_total=net_total,
        amount=percent_of(net_total, partner.commission_rate),
        orders=orders,
    )
