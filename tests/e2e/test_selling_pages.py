"""Browser tests of the quotation and order pages: list -> quotation -> send -> accept -> order,
and the duplicate-customer decision, each page checked with axe.

Screenshots go to $SHOTS_DIR (default /tmp/shots-pages), outside the repository, for a person to
look at.
"""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from customers.setup import customers_defaults_apply
from leads.models import OpportunityStage
from leads.setup import leads_defaults_apply
from selling import services
from selling.models import Quotation, SalesOrder
from tests.e2e.conftest import assert_accessible, log_in
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    CustomerFactory,
    LeadFactory,
    MembershipFactory,
    OpportunityFactory,
    ProductFactory,
    SalespersonFactory,
    WishListItemFactory,
)

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-pages"))


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def world(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders", currency="EUR")
        user = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        # The user is Priya: the opportunity and its quotation are hers to change (crm.access).
        seller = SalespersonFactory(company=company, name="Priya Raman", user=user)
        lead = LeadFactory(
            company=company,
            first_name="Lena",
            last_name="Krüger",
            organization_name="Krüger Bäckerei GmbH",
            email="lena@krueger.example.com",
        )
        stage = (
            OpportunityStage.objects.filter(company=company, kind="open").order_by("order").first()
        )
        opportunity = OpportunityFactory(
            company=company,
            lead=lead,
            title="Ovens for the new bakery",
            stage=stage,
            salesperson=seller,
        )
        oven = ProductFactory(
            company=company,
            sku="OV-200",
            name="Deck oven",
            unit_price=Decimal("4800.00"),
            vat_rate=Decimal("19.00"),
        )
        tray = ProductFactory(
            company=company,
            sku="TR-10",
            name="Baking tray",
            unit_price=Decimal("24.90"),
            vat_rate=Decimal("7.00"),
        )
        for product, quantity in ((oven, 2), (tray, 40)):
            WishListItemFactory(
                company=company,
                lead=None,
                opportunity=opportunity,
                product=product,
                quantity=Decimal(quantity),
            )
        quotation = services.quotation_create(opportunity=opportunity, actor=None)
        other = CustomerFactory(company=company, name="Café Morgenrot")
        services.quotation_create(customer=other, actor=None)
    return user, company, opportunity, quotation


def test_from_the_list_to_an_order(page, world):
    user, company, opportunity, quotation = world
    log_in(page, user.username, DEFAULT_PASSWORD)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Quotations").click()
    expect(page.get_by_role("heading", level=1, name="Quotations")).to_be_visible()
    page.get_by_label("Search").fill("ovens")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("link", name=quotation.number)).to_be_visible()
    expect(page.get_by_role("link", name="Café Morgenrot")).to_have_count(0)
    assert_accessible(page)
    shot(page, "e2e-quotation-list")

    page.get_by_role("link", name=quotation.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(quotation.number)
    expect(page.get_by_text("Prices shown without VAT")).to_be_visible()
    expect(page.get_by_role("row", name="VAT 7 % on 996.00 69.72")).to_be_visible()
    assert_accessible(page)
    shot(page, "e2e-quotation-draft")

    page.get_by_role("button", name="Mark as sent").click()
    expect(page.get_by_text(f"Quotation {quotation.number} is marked as sent.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sent")
    page.get_by_text("Reject…").click()
    expect(page.get_by_label("Reason (optional)")).to_be_visible()
    assert_accessible(page)
    shot(page, "e2e-quotation-sent")

    page.get_by_role("button", name="Mark as accepted").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accepted")
    page.get_by_role("button", name="Create sales order").click()

    # The order made the prospect a customer; the user lands on the draft order to confirm it.
    expect(page.get_by_text("Krüger Bäckerei GmbH is now a customer.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sales order")
    expect(page.get_by_role("link", name="Krüger Bäckerei GmbH").first).to_be_visible()
    expect(page.get_by_role("link", name=f"from {quotation.number}, line 1")).to_be_visible()
    assert_accessible(page)
    shot(page, "e2e-order-draft")
    with scope(company=company):
        order = SalesOrder.objects.get()
        assert order.quotation_id == quotation.pk
        assert Quotation.objects.get(pk=quotation.pk).status == Quotation.Status.ORDERED

    page.get_by_role("button", name="Confirm order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirmed")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_text("Total incl. VAT")).to_be_visible()
    assert_accessible(page)
    shot(page, "e2e-order-confirmed-390")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(opportunity.get_absolute_url())
    expect(page.get_by_role("heading", name="Quotations and orders")).to_be_visible()
    expect(page.get_by_role("link", name=order.number)).to_be_visible()
    assert_accessible(page)
    shot(page, "e2e-opportunity-panel")


def test_an_order_for_a_prospect_that_matches_a_customer(page, world):
    user, company, opportunity, _quotation = world
    with scope(company=company):
        existing = CustomerFactory(
            company=company, name="Krüger Bäckerei", email="lena@krueger.example.com"
        )
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(opportunity.get_absolute_url())
    page.locator(".selling-panel").get_by_role("button", name="Create order").click()

    expect(
        page.get_by_role("heading", level=1, name="Which customer is this order for?")
    ).to_be_visible()
    expect(page.get_by_text("same e-mail, similar name")).to_be_visible()
    assert_accessible(page)
    shot(page, "e2e-order-duplicate-decision")

    page.get_by_role("button", name="Order for this customer Krüger Bäckerei").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sales order")
    with scope(company=company):
        assert SalesOrder.objects.get().customer == existing
