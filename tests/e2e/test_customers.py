import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from customers.models import Customer, CustomerLink
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    AddressLinkFactory,
    CompanyFactory,
    CustomerFactory,
    LeadFactory,
    MembershipFactory,
    SalespersonFactory,
)


@pytest.fixture
def setup(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        existing = CustomerFactory(
            company=company, name="Krüger Bäckerei", email="orders@krueger.example.com"
        )
        lead = LeadFactory(
            company=company,
            first_name="Lena",
            last_name="Krüger",
            organization_name="Krüger Bäckerei GmbH",
            email="lena@krueger.example.com",
        )
        new_lead = LeadFactory(
            company=company,
            first_name="Tom",
            last_name="Baker",
            organization_name="Baker & Sons Ltd",
            email="tom@baker.example.com",
        )
        AddressLinkFactory(company=company, owner=new_lead)
    return user, company, existing, lead, new_lead


def test_link_a_lead_to_the_customer_the_check_offers(page, setup):
    user, company, existing, lead, _new_lead = setup
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(lead.get_absolute_url())
    page.get_by_role("link", name="Convert to customer").click()
    expect(page.get_by_role("heading", level=1, name="Convert lead to customer")).to_be_visible()
    expect(page.get_by_role("link", name="Krüger Bäckerei", exact=True)).to_be_visible()
    expect(page.get_by_text("similar name", exact=True)).to_be_visible()
    assert_accessible(page)
    screenshot(page, "customer-convert")

    page.get_by_role("button", name="Link to this customer Krüger Bäckerei").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Krüger Bäckerei")
    expect(page.get_by_role("link", name=str(lead))).to_be_visible()  # under Leads
    with scope(company=company):
        assert CustomerLink.objects.get(lead=lead).customer == existing
        assert Customer.objects.count() == 1


def test_create_a_customer_from_a_lead_and_see_it_listed(page, setup):
    user, company, _existing, _lead, new_lead = setup
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(new_lead.get_absolute_url())
    page.get_by_role("link", name="Convert to customer").click()
    expect(page.get_by_text("No existing customer has the same e-mail")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Baker & Sons Ltd")
    page.get_by_role("button", name="Create customer").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Baker & Sons Ltd")
    expect(page.get_by_role("heading", level=2, name="Addresses")).to_be_visible()
    expect(page.get_by_text("Created from lead")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "customer-detail")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Customers").click()
    expect(page.get_by_role("link", name="Baker & Sons Ltd")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "customer-list")


def customer_row(page, name):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def test_assign_two_customers_to_a_salesperson_from_the_list(page, setup):
    user, company, existing, _lead, _new_lead = setup
    with scope(company=company):
        SalespersonFactory(company=company, name="Maria Manager")
        CustomerFactory(company=company, name="Baker & Sons Ltd")
        CustomerFactory(company=company, name="Carter Wholesale")
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/customers/")
    bar = page.get_by_role("group", name="Change the selected customers")
    expect(bar.get_by_text("No customers selected")).to_be_visible()
    expect(bar.get_by_label("Salesperson")).to_be_hidden()

    page.get_by_label("Select Krüger Bäckerei").check()
    page.get_by_label("Select Baker & Sons Ltd").check()
    expect(bar.get_by_text("2 customers selected")).to_be_visible()
    bar.get_by_label("Action").select_option(label="Assign to a salesperson")
    bar.get_by_label("Salesperson").select_option(label="Maria Manager")
    assert_accessible(page)
    screenshot(page, "customer-bulk-assign-before")
    bar.get_by_role("button", name="Apply to selected").click()

    expect(page.get_by_text("2 customers assigned to Maria Manager.")).to_be_visible()
    expect(customer_row(page, "Krüger Bäckerei")).to_contain_text("Maria Manager")
    expect(customer_row(page, "Baker & Sons Ltd")).to_contain_text("Maria Manager")
    expect(customer_row(page, "Carter Wholesale")).not_to_contain_text("Maria Manager")
    assert_accessible(page)
    screenshot(page, "customer-bulk-assign-after")
    with scope(company=company):
        assert set(
            Customer.objects.filter(salesperson__name="Maria Manager").values_list(
                "name", flat=True
            )
        ) == {existing.name, "Baker & Sons Ltd"}


@pytest.fixture
def holding(transactional_db):
    """A salesperson's company with a holding, two divisions and a branch under one of them, each
    with a booked order."""
    from decimal import Decimal

    from selling.models import SalesOrder

    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    with scope(company=company):
        customers_defaults_apply(company)
        root = CustomerFactory(company=company, name="Nordlicht Holding")
        east = CustomerFactory(company=company, name="Nordlicht East", parent=root)
        west = CustomerFactory(company=company, name="Nordlicht West", parent=root)
        branch = CustomerFactory(company=company, name="Nordlicht East Depot", parent=east)
        for number, (customer, net) in enumerate(
            [(root, "100.00"), (east, "20.00"), (west, "3.00"), (branch, "400.00")], start=1
        ):
            SalesOrder.objects.create(
                company=company,
                customer=customer,
                number=f"SO-E2E-{number}",
                currency="EUR",
                status=SalesOrder.Status.CONFIRMED,
                net_total=Decimal(net),
                gross_total=Decimal(net),
            )
    return user, root, east, branch


def test_a_parent_shows_its_children_and_the_rollup(page, holding):
    user, root, east, branch = holding
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(root.get_absolute_url())

    section = page.locator("#hierarchy")
    expect(section.get_by_role("heading", level=2, name="Hierarchy")).to_be_visible()
    rollup = section.get_by_role("table", name="Roll-up")
    booked = rollup.get_by_role("row", name="Booked orders (net)")
    expect(booked.get_by_role("cell")).to_have_text(["100.00", "523.00"])
    expect(rollup.get_by_role("columnheader", name="With its 3 descendants")).to_be_visible()
    east_row = section.get_by_role("row", name="Nordlicht East")
    expect(east_row.get_by_role("cell").first).to_have_text("1")  # the depot below it
    expect(section.get_by_role("link", name="Nordlicht West")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "customer-hierarchy")

    # The children fold away, and open again.
    section.get_by_text("2 direct children").click()
    expect(section.get_by_role("link", name="Nordlicht West")).to_be_hidden()
    section.get_by_text("2 direct children").click()

    section.get_by_role("link", name="Nordlicht East", exact=True).click()
    path = page.get_by_role("navigation", name="Place in the hierarchy")
    expect(path.get_by_role("link", name="Nordlicht Holding")).to_be_visible()
    expect(
        page.locator("#hierarchy").get_by_role("link", name="Nordlicht East Depot")
    ).to_be_visible()

    page.goto(branch.get_absolute_url())
    steps = page.get_by_role("navigation", name="Place in the hierarchy").get_by_role("listitem")
    expect(steps).to_have_text(["Nordlicht Holding", "Nordlicht East", "Nordlicht East Depot"])
    expect(page.get_by_text("No customers below this one.")).to_be_visible()
