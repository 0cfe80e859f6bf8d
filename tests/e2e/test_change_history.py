"""Who changed a customer's phone number: edit it on the page, open the customer, expand the
change on its timeline and read the old and new number and who made the change."""

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from customers.setup import customers_defaults_apply
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, CustomerFactory, MembershipFactory


@pytest.fixture
def setting(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        dana = MembershipFactory(
            company=company,
            role=Membership.Role.MANAGER,
            user__first_name="Dana",
            user__last_name="Fox",
        ).user
        customers_defaults_apply(company)
        customer = CustomerFactory(company=company, name="Krüger Bäckerei", phone="+49 30 1111")
    return dana, customer


def test_the_timeline_says_who_changed_the_phone_from_what_to_what(page, setting):
    dana, customer = setting
    log_in(page, dana.username, DEFAULT_PASSWORD)
    page.goto(f"/customers/{customer.pk}/edit/")
    page.get_by_label("Phone").fill("+49 30 2222")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Krüger Bäckerei")

    timeline = page.locator("section.timeline")
    change = timeline.locator("details.timeline-changes")
    summary = change.locator("summary")
    expect(summary).to_contain_text("Changed phone from “+49 30 1111” to “+49 30 2222” by Dana Fox")
    details = change.locator("li", has_text="Phone")
    expect(details).to_be_hidden()  # collapsed until asked for
    summary.click()
    expect(details).to_be_visible()
    expect(details).to_contain_text("+49 30 1111")
    expect(details).to_contain_text("+49 30 2222")
    assert_accessible(page)
    screenshot(page, "change-history-timeline")

    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the customer page scrolls sideways by {overflow}px at 390px wide"
