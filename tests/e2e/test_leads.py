import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    MembershipFactory,
    OpportunityStageFactory,
    ProductFactory,
)


@pytest.fixture
def owner(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.OWNER).user
        ProductFactory(company=company, sku="HW-MON-27", name="27 inch monitor")
        OpportunityStageFactory(company=company, name="Prospecting", order=10, probability=10)
    return user


def test_create_a_lead_add_a_wish_and_convert_it(page, owner):
    log_in(page, owner.username, DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    expect(page.get_by_role("heading", level=1, name="Leads")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="New lead").first.click()
    assert_accessible(page)
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Organization").fill("Analytical Engines Ltd")
    page.get_by_label("E-mail").fill("ada@engines.example.com")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Lovelace")
    page.get_by_label("Product").select_option(label="HW-MON-27 · 27 inch monitor")
    page.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Add to wish list").click()
    expect(page.get_by_text("Added to the wish list.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "lead-detail")

    page.get_by_role("button", name="Convert to opportunity").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Lovelace")
    expect(page.get_by_role("heading", level=2, name="Wish list")).to_be_visible()
    expect(page.get_by_role("cell", name="HW-MON-27 · 27 inch monitor", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Ada Lovelace (Analytical Engines Ltd)")).to_be_visible()
    assert "/leads/opportunities/" in page.url
    assert_accessible(page)
    screenshot(page, "opportunity-detail")
