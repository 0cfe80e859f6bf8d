"""The dashboard's booked sales: confirmed and fulfilled orders by salesperson and by month,
net of VAT, read from the orders (not the pipeline), linked to the order list."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.ui.dashboard import period_for
from selling import services
from selling.dashboard import booked_by_month, booked_by_salesperson
from selling.figures import booked_counted
from selling.kept import BOOKED_DAYS
from selling.models import BookedDayFigure, SalesOrder
from tests.conftest import at_noon
from tests.crm.test_dashboard import chart_tables
from tests.factories import CompanyFactory, CustomerFactory, ProductFactory, SalespersonFactory

pytestmark = pytest.mark.clock


# A fixed day under time_machine (tests.conftest.at_noon): mid-month, so "this month" and "the
# last 30 days" hold the orders each test puts on "today" whatever day the suite runs.
DAY = date(2026, 12, 15)


@pytest.fixture(autouse=True)
def _at_noon():
    with at_noon(DAY):  # time_machine.travel to noon of DAY
        yield


def order(company, member, *, net, status=SalesOrder.Status.CONFIRMED, seller=None, on=None):
    """An order of one line worth ``net`` (VAT 19% on top), moved to ``status``."""
    customer = CustomerFactory(company=company)
    product = ProductFactory(company=company, unit_price=Decimal(net), vat_rate=Decimal("19"))
    document = services.order_create(customer=customer, actor=member, order_date=on)
    services.document_lines_save(
        document=document,
        lines=[services.LineInput(product=product, quantity=Decimal("1"))],
        actor=member,
    )
    if status != SalesOrder.Status.DRAFT:
        document = services.order_confirm(order=document, actor=member)
    if status == SalesOrder.Status.FULFILLED:
        document = services.order_fulfil(order=document, actor=member)
    elif status == SalesOrder.Status.CANCELLED:
        document = services.order_cancel(order=document, actor=member)
    document.refresh_from_db()
    if document.salesperson_id != (seller.pk if seller else None):
        SalesOrder.objects.filter(pk=document.pk).update(salesperson=seller)
    return document


def dashboard(client, period="month"):
    response = client.get(reverse("crm:dashboard") + f"?period={period}")
    assert response.status_code == 200
    return response.content.decode()


def test_only_confirmed_and_fulfilled_orders_count_at_their_net_total(company, member):
    ana = SalespersonFactory(company=company, name="Ana Seller")
    ben = SalespersonFactory(company=company, name="Ben Seller")
    today = timezone.localdate()
    order(company, member, net="1000.00", seller=ana, on=today)
    order(company, member, net="500.00", seller=ana, on=today, status="fulfilled")
    order(company, member, net="700.00", seller=ben, on=today)
    order(company, member, net="9999.00", seller=ben, on=today, status="draft")
    order(company, member, net="8888.00", seller=ben, on=today, status="cancelled")
    order(company, member, net="300.00", seller=None, on=today)

    rows = booked_by_salesperson(company=company, period=period_for("month"))
    assert [(row.label, row.orders, row.amount) for row in rows] == [
        ("Ana Seller", 2, Decimal("1500.00")),
        ("Ben Seller", 1, Decimal("700.00")),
        ("Unassigned", 1, Decimal("300.00")),
    ]


def test_the_period_decides_which_orders_count(company, member):
    period = period_for("30d")
    seller = SalespersonFactory(company=company, name="Ana Seller")
    order(company, member, net="100.00", seller=seller, on=period.start)
    order(company, member, net="200.00", seller=seller, on=period.end)
    order(
        company,
        member,
        net="400.00",
        seller=seller,
        on=date.fromordinal(period.start.toordinal() - 1),
    )
    rows = booked_by_salesperson(company=company, period=period)
    assert [(row.orders, row.amount) for row in rows] == [(2, Decimal("300.00"))]


def test_months_are_the_twelve_up_to_the_end_with_empty_months_shown(company, member):
    end = date(2026, 12, 15)
    order(company, member, net="100.00", on=date(2026, 12, 1))
    order(company, member, net="50.00", on=date(2026, 12, 15))
    order(company, member, net="70.00", on=date(2026, 3, 31))
    order(company, member, net="999.00", on=date(2025, 12, 31))  # the 13th month back
    order(company, member, net="999.00", on=date(2026, 12, 16))  # after the end
    rows = booked_by_month(company=company, end=end)
    assert [row.key for row in rows][0] == date(2026, 1, 1)
    assert [row.key for row in rows][-1] == date(2026, 12, 1)
    amounts = {row.key: (row.orders, row.amount) for row in rows}
    assert amounts[date(2026, 12, 1)] == (2, Decimal("150.00"))
    assert amounts[date(2026, 3, 1)] == (1, Decimal("70.00"))
    assert amounts[date(2026, 6, 1)] == (0, Decimal("0.00"))
    assert len(rows) == 12


def test_the_dashboard_shows_both_cards_and_links_to_the_orders_they_count(
    member_client, company, member
):
    seller = SalespersonFactory(company=company, name="Ana Seller")
    today = timezone.localdate()
    counted = order(company, member, net="1234.00", seller=seller, on=today)
    draft = order(company, member, net="50.00", seller=seller, on=today, status="draft")
    body = dashboard(member_client, "month")
    assert ">Booked sales by salesperson</h2>" in body
    assert ">Booked sales by month</h2>" in body
    tables = chart_tables(body)
    by_person = next(
        t for caption, t in tables.items() if caption.startswith("Booked sales by salesperson")
    )
    assert "Ana Seller" in by_person
    assert "1,234" in " ".join(by_person["Ana Seller"])

    # The bar's link lists exactly the booked orders of the period.
    link = reverse("selling:order_list") + f"?status=booked&salesperson={seller.pk}"
    assert link.replace("&", "&amp;") in body
    listed = member_client.get(
        reverse("selling:order_list"),
        {
            "status": "booked",
            "salesperson": seller.pk,
            "date_from": today.replace(day=1).isoformat(),
            "date_to": today.isoformat(),
        },
    ).content.decode()
    assert f">{counted.number}</a>" in listed
    assert f">{draft.number}</a>" not in listed


def test_an_empty_company_sees_the_empty_states(member_client, company):
    body = dashboard(member_client)
    assert "No order was confirmed in this period." in body
    assert "No order was confirmed in these twelve months yet." in body


def test_the_queries_do_not_grow_with_orders(member_client, company, member):
    seller = SalespersonFactory(company=company)
    order(company, member, net="10.00", seller=seller, on=timezone.localdate())
    # One request first: content types are cached per process, so whether the first measured
    # request pays for their lookups would depend on which tests ran before in this worker.
    dashboard(member_client)
    with CaptureQueriesContext(connection) as few:
        dashboard(member_client)
    for _ in range(5):
        order(
            company,
            member,
            net="10.00",
            seller=SalespersonFactory(company=company),
            on=timezone.localdate(),
        )
    with CaptureQueriesContext(connection) as many:
        dashboard(member_client)
    assert len(many) == len(few)


def test_another_companys_orders_never_count(member_client, company, member):
    other = CompanyFactory()
    order(company, member, net="10.00", on=timezone.localdate())
    assert booked_by_salesperson(company=other, period=period_for("month")) == []


# --- the figures the database keeps per day (selling.kept) ------------------------------------


def _agree(company) -> bool:
    return BOOKED_DAYS.stored(company) == booked_counted(company)


def test_every_write_path_keeps_the_booked_figures(company, member):
    ana = SalespersonFactory(company=company, name="Ana")
    confirmed = order(company, member, net="100.00")
    order(company, member, net="50.05", status=SalesOrder.Status.FULFILLED, seller=ana)
    draft = order(company, member, net="7.00", status=SalesOrder.Status.DRAFT)
    assert _agree(company)
    assert BOOKED_DAYS.stored(company)[(DAY, ana.pk)] == (1, 5005)
    services.order_cancel(order=confirmed, actor=member)
    SalesOrder.objects.filter(company=company).update(salesperson=ana)
    assert _agree(company)
    services.order_confirm(order=draft, actor=member)
    SalesOrder.objects.filter(pk=draft.pk).update(order_date=date(2026, 11, 30))
    assert _agree(company)
    SalesOrder.objects.filter(pk=draft.pk).delete()
    assert _agree(company)
    assert BOOKED_DAYS.stored(company) == {(DAY, ana.pk): (1, 5005)}


def test_verify_figures_repairs_the_booked_figures(company, member):
    order(company, member, net="10.00")
    BookedDayFigure.objects.filter(company=company).update(net_cents=1)
    out = StringIO()
    with pytest.raises(CommandError, match="1 row"):
        call_command(
            "verify_figures", "--company", company.slug, "--only", "booked_figures", stdout=out
        )
    assert "1 order, 10.00 in the orders" in out.getvalue()
    call_command(
        "verify_figures",
        "--company",
        company.slug,
        "--only",
        "booked_figures",
        "--fix",
        stdout=StringIO(),
    )
    assert _agree(company)
