"""Selling's figures in a customer's hierarchy roll-up (``customers.rollup``), registered in
``SellingConfig.ready``: open quotations, and booked orders. Net totals: a roll-up adds business
and private customers together, and only the net is comparable between them."""

from django.db.models import Count, Expression, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from customers.hierarchy import tree_opportunity_ids
from customers.rollup import CUSTOMER_KEY, Measure, register_figure, rows_by_path
from selling.models import Quotation, SalesOrder


def open_quotation_rows(company_id: int, customer_ids: Expression) -> QuerySet[Quotation]:
    """Open quotations of the customers, counted for their customer, or for the customer their
    opportunity has become since (as ``selectors.quotations_of_customer`` reads them). The rows
    are found from the tree's own (its quotations, its links' quotations), not by reading every
    open quotation of the company."""
    open_ones = Quotation.objects.filter(company=company_id, status__in=Quotation.OPEN).order_by()
    own = open_ones.filter(customer__in=customer_ids)
    # The tree's linked opportunities, read once for this figure and the open pipeline.
    before = open_ones.filter(customer__isnull=True, opportunity__in=tree_opportunity_ids())
    return Quotation.objects.filter(
        pk__in=own.values("pk").union(before.values("pk")), company=company_id
    ).annotate(**{CUSTOMER_KEY: Coalesce("customer", "opportunity__customer_link__customer")})


def register() -> None:
    register_figure(
        "open_quotations",
        order=30,
        rows=open_quotation_rows,
        measures=[
            Measure("open_quotations", _("Open quotations"), Count("pk")),
            Measure(
                "open_quotations_value", _("Open quotations (net)"), Sum("net_total"), money=True
            ),
        ],
    )
    register_figure(
        "booked_orders",
        order=40,
        rows=rows_by_path(SalesOrder, "customer", status__in=SalesOrder.BOOKED),
        measures=[
            Measure("booked_orders", _("Booked orders"), Count("pk")),
            Measure("booked_orders_value", _("Booked orders (net)"), Sum("net_total"), money=True),
        ],
    )
