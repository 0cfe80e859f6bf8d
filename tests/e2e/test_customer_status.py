"""Browser test of a customer's hold: put it on hold with a reason, see the banner and that no
quotation can be made (the reason is shown where the button was, and a stale page's button is
refused with it), release the hold, and make the quotation. Each page checked with axe."""

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from customers.models import Customer
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from selling.models import Quotation
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, CustomerFactory, MembershipFactory

REASON = "Two invoices overdue by 60 days"


@pytest.fixture
def world(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        customer = CustomerFactory(company=company, name="Krüger Bäckerei")
    return user, company, customer


def test_put_on_hold_see_the_refusal_release_and_quote(page, world):
    user, company, customer = world
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(customer.get_absolute_url())
    panel = page.locator(".selling-panel")
    # Nothing under way: the next step offers the new quotation (the panel does not repeat it).
    expect(
        page.locator("[data-next-step]").get_by_role("button", name="New quotation")
    ).to_be_visible()
    expect(panel.get_by_role("button", name="New quotation")).to_have_count(0)

    # A second tab keeps the page as it was before the hold.
    stale = page.context.new_page()
    stale.goto(customer.get_absolute_url())

    page.get_by_text("Put on hold…").click()
    page.get_by_label("Reason").fill(REASON)
    assert_accessible(page)
    page.get_by_role("button", name="Put on hold", exact=True).click()

    expect(page.get_by_text("Krüger Bäckerei is on hold: no new quotations")).to_be_visible()
    banner = page.locator(".status-banner")
    expect(banner).to_contain_text(f"On hold: {REASON}")
    # Releasing the hold is the next step, the one primary button at the top.
    next_step = page.locator("[data-next-step]")
    expect(next_step.get_by_role("button", name="Release hold")).to_be_visible()
    expect(panel.get_by_role("button", name="New quotation")).to_have_count(0)
    expect(panel).to_contain_text(f"Krüger Bäckerei is on hold: {REASON}")
    assert_accessible(page)
    screenshot(page, "customer-on-hold")

    # The stale tab's button is refused by the service, with the reason.
    stale.locator("[data-next-step]").get_by_role("button", name="New quotation").click()
    expect(
        stale.get_by_text(f"Krüger Bäckerei is on hold: {REASON}. Release the hold")
    ).to_be_visible()
    stale.close()
    with scope(company=company):
        assert not Quotation.objects.exists()

    next_step.get_by_role("button", name="Release hold").click()
    expect(page.get_by_text("The hold on Krüger Bäckerei is released")).to_be_visible()
    expect(page.locator(".status-banner")).to_have_count(0)
    next_step.get_by_role("button", name="New quotation").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Quotation QTN-")
    with scope(company=company):
        quotation = Quotation.objects.get()
        assert quotation.customer == customer
        assert Customer.objects.get(pk=customer.pk).status == Customer.Status.ACTIVE
