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
