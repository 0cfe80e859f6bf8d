"""The benchmark's hierarchy page: listed among the pages, its data built as the scenario says,
and the page it measures answers with the markers the load checks."""

from decimal import Decimal

from bench import data
from bench.__main__ import main
from bench.config import make_config
from bench.scenarios import pages_for
from customers.models import Customer
from customers.setup import customers_defaults_apply
from selling.models import SalesOrder
from tests.conftest import login_as
from tests.factories import CustomerFactory, SalespersonFactory


def test_the_hierarchy_page_is_listed_without_a_database(capsys):
    main(["--pages"])
    listed = capsys.readouterr().out
    assert "customer_hierarchy" in listed
    assert "a parent of 1,000 children" in listed


def test_the_hierarchy_data_and_its_page(client, company, salesperson_user):
    customers_defaults_apply(company)
    SalespersonFactory(company=company, user=salesperson_user)
    with_orders = CustomerFactory(company=company, name="Generated With Orders")
    SalesOrder.objects.create(
        company=company,
        customer=with_orders,
        number="SO-BENCH-1",
        currency="EUR",
        status=SalesOrder.Status.CONFIRMED,
        net_total=Decimal("42.00"),
        gross_total=Decimal("42.00"),
    )

    stored = data.hierarchy_records(company, salesperson_user, children=30)

    parent = Customer.objects.get(pk=stored["hierarchy_parent_id"])
    assert parent.name == data.HIERARCHY_PARENT
    children = Customer.objects.filter(parent=parent)
    assert children.count() == 30
    heads = 30 // data.HIERARCHY_GRANDPARENT_EVERY
    assert Customer.objects.filter(parent__parent=parent).count() == (
        heads * data.HIERARCHY_GRANDCHILDREN + 1  # and the generated customer adopted
    )
    with_orders.refresh_from_db()
    assert with_orders.parent.parent == parent

    facts = data.CompanyFacts(
        label="small",
        slug=company.slug,
        company_id=company.pk,
        username=salesperson_user.username,
        salesperson_id=0,
        other_salesperson_id=0,
        detail_lead_id=0,
        detail_lead_name="",
        quotation_id=0,
        quotation_number="",
        **stored,
    )
    page = next(
        p for p in pages_for(facts, make_config(quick=True)) if p.name == "customer_hierarchy"
    )
    login_as(client, salesperson_user, company)
    response = client.get(page.path)
    assert response.status_code == 200
    body = response.content.decode()
    assert all(marker in body for marker in page.markers), page.markers
    rollup = {line.key: line for line in response.context["hierarchy"].figures}
    assert rollup["booked_orders_value"].subtree == Decimal("42.00")
