"""Issue 16, item 3: the next step, always visible. A salesperson who reads the CRM in Bahasa
Indonesia walks from the lead list to a customer with a confirmed order by following each
page's "Next step" box, in at most 8 clicks. On every record page the box's primary button is
above the fold at 1366x800, and the page passes axe-core at 1366 and 390 px wide.
"""

import re
from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership, Salesperson
from crm.models.preferences import UserPreferences
from customers.models import Customer
from customers.setup import customers_defaults_apply
from leads.models import Opportunity
from leads.setup import leads_defaults_apply
from selling.models import Quotation, SalesOrder
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    LeadFactory,
    MembershipFactory,
    ProductFactory,
    WishListItemFactory,
)

DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def new_lead(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Toko Sinar", currency="IDR")
        membership = MembershipFactory(company=company, role=Membership.Role.SALESPERSON)
        UserPreferences.objects.create(user=membership.user, language="id")
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        seller = Salesperson.objects.create(company=company, name="Sari", user=membership.user)
        lead = LeadFactory(
            company=company,
            first_name="Budi",
            last_name="Santoso",
            organization_name="CV Santoso Jaya",
            email="budi@santoso.example.com",
            status="new",
            salesperson=seller,
        )
        product = ProductFactory(
            company=company, name="Meja kerja", unit_price=Decimal("1500000"), vat_rate=11
        )
        WishListItemFactory(company=company, lead=lead, product=product, quantity=Decimal("2"))
    return company, membership.user, lead


def check_record_page(page, name):
    """The box's one primary button is above the fold; the page passes axe at both widths."""
    page.set_viewport_size(DESKTOP)
    page.evaluate("window.scrollTo(0, 0)")
    primary = page.locator("[data-next-step-primary]")
    expect(primary).to_have_count(1)
    box = primary.bounding_box()
    assert box is not None and box["y"] + box["height"] <= DESKTOP["height"], (name, box)
    assert_accessible(page)
    screenshot(page, f"next-step-{name}-1366")
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    screenshot(page, f"next-step-{name}-390")
    page.set_viewport_size(DESKTOP)
    return primary


def test_from_the_lead_list_to_a_customer_with_a_confirmed_order_in_8_clicks(page, new_lead):
    company, user, lead = new_lead
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.set_viewport_size(DESKTOP)
    clicks = 0

    def click(locator):
        nonlocal clicks
        clicks += 1
        locator.click()
        page.wait_for_load_state()

    page.goto("/leads/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    click(page.get_by_role("link", name=re.compile("Budi Santoso")).first)

    # The lead: converting it is the one primary action (no competing "Convert to customer").
    expect(page.get_by_role("heading", name="Langkah berikutnya")).to_be_visible()
    primary = check_record_page(page, "lead")
    expect(primary).to_have_text("Konversikan menjadi peluang")
    click(primary)

    # The opportunity: a quotation from the wish list, above the fold.
    page.wait_for_url("**/opportunities/**")
    primary = check_record_page(page, "opportunity")
    expect(primary).to_have_text("Penawaran baru")
    click(primary)

    # The quotation: send, accept, order.
    page.wait_for_url("**/quotations/**")
    for name, label in (
        ("quotation-draft", "Tandai terkirim"),
        ("quotation-sent", "Tandai diterima"),
        ("quotation-accepted", "Buat pesanan penjualan"),
    ):
        primary = check_record_page(page, name)
        expect(primary).to_have_text(label)
        click(primary)

    # The new order: "Confirm" is the next step.
    page.wait_for_url("**/orders/**")
    primary = check_record_page(page, "order-draft")
    expect(primary).to_have_text("Konfirmasi pesanan")
    click(primary)
    expect(page.locator("[data-next-step]")).to_contain_text("Dikonfirmasi")
    expect(page.locator("[data-next-step-primary]")).to_have_text("Tandai terpenuhi")

    # On to the customer it made.
    click(page.locator(".doc-party a").first)
    check_record_page(page, "customer")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Santoso")

    assert clicks <= 8, clicks
    with scope(company=company):
        opportunity = Opportunity.objects.get(lead=lead)
        customer = Customer.objects.get()
        order = SalesOrder.objects.get()
        assert order.customer == customer
        assert order.opportunity == opportunity
        assert order.status == SalesOrder.Status.CONFIRMED
        assert Quotation.objects.get().status == Quotation.Status.ORDERED
        assert page.url.endswith(customer.get_absolute_url())


@pytest.fixture
def customer_with_an_open_deal(transactional_db):
    from customers.services import customer_open_opportunity
    from tests.factories import CustomerFactory

    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        membership = MembershipFactory(company=company, role=Membership.Role.SALESPERSON)
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        seller = Salesperson.objects.create(company=company, name="Sam", user=membership.user)
        customer = CustomerFactory(company=company, name="Café Amsel", salesperson=seller)
        opportunity = customer_open_opportunity(
            customer=customer, actor=membership.user, title="Second espresso machine"
        )
        product = ProductFactory(company=company, name="Espresso machine")
        WishListItemFactory(company=company, lead=None, opportunity=opportunity, product=product)
    return company, membership.user, customer, opportunity


def test_a_customers_open_opportunity_is_quoted_from_the_next_step(
    page, customer_with_an_open_deal
):
    company, user, customer, opportunity = customer_with_an_open_deal
    page.set_viewport_size(DESKTOP)
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(customer.get_absolute_url())
    box = page.locator("[data-next-step]")
    expect(box).to_contain_text("The opportunity “Second espresso machine” is open")
    expect(box).not_to_contain_text("No deal under way")
    screenshot(page, "next-step-customer-open-opportunity")
    box.get_by_role("button", name="Quote “Second espresso machine”").click()
    page.wait_for_url("**/selling/quotations/*/")
    expect(page.get_by_text("Espresso machine").first).to_be_visible()
    with scope(company=company):
        quotation = Quotation.objects.get(opportunity=opportunity)
        assert quotation.customer == customer
    # Back on the customer, the box now leads to that quotation.
    page.goto(customer.get_absolute_url())
    expect(box.get_by_role("link", name=f"Open quotation {quotation.number}")).to_be_visible()
