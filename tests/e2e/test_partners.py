import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    IndividualPartnerFactory,
    MembershipFactory,
    ProductFactory,
    SalespersonFactory,
)


@pytest.fixture
def owner(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.OWNER).user
        IndividualPartnerFactory(company=company, first_name="Hannah", last_name="Berg")
        boss = SalespersonFactory(company=company, name="Maria Manager")
        SalespersonFactory(company=company, name="Sam Seller", manager=boss)
        ProductFactory(company=company, sku="HW-MON-27", name="27 inch monitor")
    return user


def test_create_an_organization_partner_and_open_it(page, owner):
    log_in(page, owner.username, DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
    expect(page.get_by_role("heading", level=1, name="Sales partners")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "partner-list")

    page.get_by_role("link", name="New organization").click()
    assert_accessible(page)
    page.get_by_label("Organization name").fill("Brightline Consulting GmbH")
    page.get_by_label("Tax / VAT id").fill("DE811223344")
    page.get_by_label("Website").fill("https://brightline.example.com")
    page.get_by_label("E-mail").fill("partners@brightline.example.com")
    page.get_by_label("Commission rate (%)").fill("12.5")
    screenshot(page, "partner-form")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Sales partner Brightline Consulting GmbH was added.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Brightline Consulting GmbH")
    expect(page.get_by_text("DE811223344")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "partner-detail")

    page.get_by_role("link", name="Sales partners").first.click()
    row = page.get_by_role("row", name="Brightline Consulting GmbH")
    expect(row).to_contain_text("Organization")
    expect(row).to_contain_text("12.50 %")
    row.get_by_role("link", name="Brightline Consulting GmbH").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Brightline Consulting GmbH")


def test_a_partners_description_is_typed_in_and_its_notes_go_on_the_timeline(page, owner):
    log_in(page, owner.username, DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Partners").click()
    page.get_by_role("link", name="Hannah Berg").click()
    expect(page.get_by_role("heading", name="Description")).to_be_visible()
    expect(page.get_by_role("heading", name="Notes", exact=True)).to_have_count(0)
    expect(page.get_by_text("No description yet.")).to_be_visible()

    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_text("Notes, calls and tasks go on its timeline.")).to_be_visible()
    page.get_by_label("Description").fill("Brings the trade-fair leads.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Sales partner Hannah Berg was saved.")).to_be_visible()
    description = page.locator("section", has=page.get_by_role("heading", name="Description"))
    expect(description).to_contain_text("Brings the trade-fair leads.")

    timeline = page.locator("section.timeline")
    timeline.get_by_label("Text").fill("Agreed the commission for next year.")
    timeline.get_by_role("button", name="Add", exact=True).click()
    expect(
        timeline.locator(".timeline-body", has_text="Agreed the commission for next year.")
    ).to_be_visible()
    expect(page.get_by_text("No notes yet")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "partner-description")


def test_a_bad_commission_shows_a_field_error(page, owner):
    log_in(page, owner.username, DEFAULT_PASSWORD)
    page.goto("/partners/new/individual/")
    page.get_by_label("First name").fill("Too")
    page.get_by_label("Last name").fill("Greedy")
    page.get_by_label("Commission rate (%)").fill("150")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".field-error")).to_contain_text("100")
    assert_accessible(page)
    screenshot(page, "partner-form-error")


def test_team_and_catalog_pages_are_accessible(page, owner):
    log_in(page, owner.username, DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sales team").click()
    expect(page.get_by_role("row", name="Sam Seller")).to_contain_text("Maria Manager")
    assert_accessible(page)
    screenshot(page, "salesperson-list")
    page.get_by_role("link", name="Maria Manager").first.click()
    expect(page.get_by_text("Sam Seller")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "salesperson-detail")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    expect(page.get_by_role("row", name="HW-MON-27")).to_contain_text("EUR")
    assert_accessible(page)
    screenshot(page, "product-list")
    page.get_by_role("link", name="HW-MON-27").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("27 inch monitor")
    assert_accessible(page)
    screenshot(page, "product-detail")
    page.get_by_role("link", name="Edit").click()
    assert_accessible(page)
    screenshot(page, "product-form")
