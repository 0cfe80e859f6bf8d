"""The quotation's and the order's page reads (issue 17): the document with the rows its page
shows beside it in one statement, and its lines in another, each written once per process from
the models' metadata by ``crm.sql_reads``.

The detail views read the document with ``select_related`` (a quotation: its customer,
salesperson, creator and sales order; an order: its customer with the customer's type, its
salesperson and creator), and the lines with ``values_list``: building and compiling those
querysets on every request was most of what reading them cost the page. The company is always
a parameter of the WHERE. Who may see the document is ``crm.access.can``'s answer for it, the
one ``access_filter`` gives the queryset for the same user, so a document outside the user's
level is the same 404. ``tests/selling/test_document_page.py`` holds both reads to the ORM's.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.http import Http404
from django.utils.translation import gettext as _

from crm import sql_reads
from crm.access import Action, can
from crm.models import Salesperson
from crm.sql_reads import Joined, PlainRead
from customers.models import Customer, CustomerType
from selling.models import Quotation, QuotationItem, SalesOrder, SalesOrderItem

# What each page reads with its document, as its view's ``select_related`` named it.
PAGE_RELATIONS: dict[type[models.Model], tuple[str, ...]] = {
    Quotation: ("customer", "salesperson", "created_by", "sales_order"),
    SalesOrder: ("customer", "customer__customer_type", "salesperson", "created_by"),
}

_ONE_DOCUMENT = "d.company_id = %s AND d.id = %s"

_DOCUMENT_READS: dict[type[models.Model], PlainRead] = {
    Quotation: PlainRead(
        Quotation,
        "d",
        joined=(
            Joined("c", Customer, "d", "customer"),
            Joined("p", Salesperson, "d", "salesperson"),
            Joined("u", get_user_model(), "d", "created_by"),
            Joined("o", SalesOrder, "d", "sales_order"),
        ),
        where=_ONE_DOCUMENT,
    ),
    SalesOrder: PlainRead(
        SalesOrder,
        "d",
        joined=(
            Joined("c", Customer, "d", "customer"),
            Joined("t", CustomerType, "c", "customer_type"),
            Joined("p", Salesperson, "d", "salesperson"),
            Joined("u", get_user_model(), "d", "created_by"),
        ),
        where=_ONE_DOCUMENT,
    ),
}


def _document_row(model: type[models.Model], *, company_id: int, pk: int) -> models.Model | None:
    return _DOCUMENT_READS[model].first([company_id, pk])


def document_for_page(model: type[models.Model], *, pk: int, request) -> models.Model:
    """The document ``pk`` of the request's company that the user may view, with the related
    rows its page shows (``PAGE_RELATIONS``); otherwise a 404, whichever the reason."""
    document = _document_row(model, company_id=request.company.pk, pk=pk)
    if document is None or not can(request.user, request.company, document, Action.VIEW):
        raise Http404(
            _("No %(verbose_name)s found matching the query")
            % {"verbose_name": model._meta.verbose_name}
        )
    return document


# --- the lines -------------------------------------------------------------------------------------

# Each kind of line: its document's key and, after ``selectors.PAGE_LINE_COLUMNS``, the columns
# only its kind has (an order's line made from a quotation's line: that line's key and position).
LINE_READS: dict[type[models.Model], tuple[str, tuple[str, ...]]] = {
    QuotationItem: ("quotation", ()),
    SalesOrderItem: ("order", ("quotation_item_id", "quotation_item__position")),
}


def _lines_read(model: type[models.Model], columns: tuple[str, ...]):
    """The lines' query, as the ORM writes ``values_list(*columns)`` for them in the order
    ``position, pk``: each related table joined once (INNER where the key is required), and the
    ``Columns`` that convert its values."""
    joins: dict[str, tuple[str, str]] = {}  # relation -> (alias, JOIN clause)
    selected = []
    for path in columns:
        relation_name, _sep, name = path.rpartition("__")
        owner, alias = model, "i"
        if relation_name:
            relation = model._meta.get_field(relation_name)
            owner = relation.related_model
            if relation_name not in joins:
                alias = f"r{len(joins) + 1}"
                kind = "LEFT OUTER JOIN" if relation.null else "INNER JOIN"
                on = (
                    f"{sql_reads.column(alias, owner._meta.pk)} = {sql_reads.column('i', relation)}"
                )
                joins[relation_name] = (alias, f" {kind} {sql_reads.table(owner)} {alias} ON {on}")
            alias = joins[relation_name][0]
        field = owner._meta.pk if name == "pk" else owner._meta.get_field(name)
        selected.append((alias, field))
    selects = sql_reads.select(*selected)
    document = sql_reads.column("i", model._meta.get_field(LINE_READS[model][0]))
    company = sql_reads.column("i", model._meta.get_field("company"))
    sql = (
        f"SELECT {selects.sql} FROM {sql_reads.table(model)} i"
        f"{''.join(clause for _alias, clause in joins.values())}"
        f" WHERE {company} = %s AND {document} = %s"
        f" ORDER BY {sql_reads.column('i', model._meta.get_field('position'))} ASC,"
        f" {sql_reads.column('i', model._meta.pk)} ASC"
    )
    return sql, selects


def line_rows(
    model: type[models.Model], columns: tuple[str, ...], *, company_id: int, document_id: int
) -> list[list]:
    """The document's lines of ``model``, each the values of ``columns`` and then of the
    columns only its kind has (``LINE_READS``), converted as ``values_list`` gives them."""
    sql, selects = sql_reads.kept(
        ("selling.lines", model, columns),
        lambda: _lines_read(model, (*columns, *LINE_READS[model][1])),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [company_id, document_id])
        return [selects.values(row) for row in cursor.fetchall()]
