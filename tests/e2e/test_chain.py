"""The whole chain as a salesperson: lead -> opportunity -> board -> customer -> dashboard."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from addressbook.models import AddressLink, ContactLink
from crm.models import Membership
from customers.models import Customer
from customers.setup import customers_defaults_apply
from leads.models import Lead, OpportunityStage
from leads.setup import leads_defaults_apply
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    MembershipFactory,
    ProductFactory,
    SalespersonFactory,
)


@pytest.fixture
def seller(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        SalespersonFactory(company=company, name="Sam Seller", user=user)
        ProductFactory(company=company, sku="HW-MON-27", name="27 inch monitor")
        ProductFactory(company=company, sku="HW-DOCK", name="USB-C dock")
    return company, user


def linked_rows(model, field, owner):
    return set(
        model.objects.filter(
            owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
        ).values_list(field, flat=True)
    )


def test_a_lead_becomes_a_customer_with_the_same_rows(page, seller):
    company, user = seller
    log_in(page, user.username, DEFAULT_PASSWORD)

    # A lead with an address, a contact and two wishes.
    page.goto("/leads/new/")
    page.get_by_label("First name").fill("Lena")
    page.get_by_label("Last name").fill("Krüger")
    page.get_by_label("Organization").fill("Krüger Bäckerei GmbH")
    page.get_by_label("E-mail").fill("lena@krueger.example.com")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lena Krüger")

    addresses = page.locator("#addresses-panel")
    addresses.get_by_text("Add a new address").click()
    addresses.get_by_label("Street").fill("Hafenstraße 21")
    addresses.get_by_label("Postal code").fill("20457")
    addresses.get_by_label("City").fill("Hamburg")
    addresses.get_by_label("Country").fill("DE")
    addresses.get_by_role("button", name="Add address").click()
    expect(page.locator("#addresses-panel")).to_contain_text("Hafenstraße 21")
    contacts = page.locator("#contacts-panel")
    contacts.get_by_text("Add a new contact").click()
    contacts.get_by_label("First name").fill("Jonas")
    contacts.get_by_label("Last name").fill("Weber")
    contacts.get_by_role("button", name="Add contact").click()
    expect(page.locator("#contacts-panel")).to_contain_text("Jonas Weber")
    for product, quantity in (("HW-MON-27 · 27 inch monitor", "3"), ("HW-DOCK · USB-C dock", "2")):
        page.get_by_label("Product").select_option(label=product)
        page.get_by_label("Quantity").fill(quantity)
        page.get_by_role("button", name="Add to wish list").click()
        expect(page.get_by_text("Added to the wish list.")).to_be_visible()

    # -> opportunity, then dragged to Negotiation on the board.
    page.get_by_role("button", name="Convert to opportunity").click()
    expect(page.get_by_role("heading", level=2, name="Wish list")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Pipeline board").click()
    # A salesperson starts on their own opportunities; the new one has no salesperson yet.
    whose = page.get_by_role("list", name="Whose opportunities")
    expect(whose.get_by_role("link", name="Mine")).to_have_attribute("aria-current", "true")
    whose.get_by_role("link", name="Everyone's").click()
    with scope(company=company):
        lead = Lead.objects.get()
        opportunity = lead.opportunity
        negotiation = OpportunityStage.objects.get(name="Negotiation")
    page.locator(f"#opportunity-{opportunity.pk}").drag_to(
        page.locator(f'.board-column[data-stage="{negotiation.pk}"]')
    )
    expect(page.get_by_text(f"{opportunity.title} moved to Negotiation.")).to_be_visible()

    # -> customer, from the opportunity's page.
    page.goto(opportunity.get_absolute_url())
    page.get_by_role("link", name="Convert to customer").click()
    expect(page.get_by_text("No existing customer has the same e-mail")).to_be_visible()
    page.get_by_role("button", name="Create customer").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Krüger Bäckerei GmbH")
    expect(page.locator("#addresses-panel")).to_contain_text("Hafenstraße 21")
    expect(page.locator("#contacts-panel")).to_contain_text("Jonas Weber")
    wish_list = page.get_by_role("region", name="Wish list")
    expect(wish_list).to_contain_text("27 inch monitor")
    expect(wish_list).to_contain_text("USB-C dock")
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("Created from opportunity")
    # The opportunity's own steps stay on its page: the customer's timeline tells its events.
    expect(timeline).not_to_contain_text("Stage changed from Prospecting to Negotiation")
    expect(timeline).not_to_contain_text("Converted to opportunity")
    assert_accessible(page)
    screenshot(page, "chain-customer")

    with scope(company=company):
        customer = Customer.objects.get()
        for model, field in ((AddressLink, "address_id"), (ContactLink, "contact_id")):
            rows = linked_rows(model, field, lead)
            assert rows and rows == linked_rows(model, field, opportunity)
            assert rows == linked_rows(model, field, customer)

    # The dashboard's funnel counts it: one lead, one opportunity, one customer.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    funnel = page.get_by_role("region", name="Sales funnel")
    expect(funnel.locator("dd").first).to_have_text("1")
    funnel.get_by_text("Show the numbers").click()
    table = funnel.get_by_role("table", name="Sales funnel (Last 30 days)")
    for step in ("Leads", "Opportunities", "Customers"):
        expect(table.get_by_role("row", name=re.compile(rf"^{step}"))).to_contain_text("1")
    screenshot(page, "chain-dashboard")
