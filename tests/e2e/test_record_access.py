"""A salesperson cannot edit a colleague's lead until an admin widens the level (crm.access).

Sam and Dana sell for the same company, neither below the other: by default each edits their
own leads only. Sam sees Dana's lead without an Edit button and its edit address is a 404; the
admin sets "Salesperson may edit leads" to Company on /settings/access/, and Sam's next page
has the button and saves.
"""

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from selling.services import quotation_create
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    CustomerFactory,
    LeadFactory,
    MembershipFactory,
    SalespersonFactory,
)


@pytest.fixture
def team(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        admin = MembershipFactory(
            company=company, role=Membership.Role.ADMIN, user__username="ada"
        ).user
        sam = MembershipFactory(
            company=company, role=Membership.Role.SALESPERSON, user__username="sam"
        ).user
        dana = MembershipFactory(
            company=company, role=Membership.Role.SALESPERSON, user__username="dana"
        ).user
        SalespersonFactory(company=company, name="Sam Seller", user=sam)
        danas = SalespersonFactory(company=company, name="Dana Deal", user=dana)
        lead = LeadFactory(
            company=company,
            first_name="Grace",
            last_name="Hopper",
            organization_name="Compilers Inc",
            salesperson=danas,
        )
        customer = CustomerFactory(company=company, name="Compilers Inc", salesperson=danas)
        with scope(company=company):
            quotation = quotation_create(customer=customer, actor=dana)
    return admin, sam, lead, quotation


def test_a_salesperson_edits_a_colleagues_lead_only_once_the_level_allows(
    page, browser, live_server, team
):
    admin, sam, lead, quotation = team
    detail = reverse("leads:lead_detail", args=[lead.pk])
    edit = reverse("leads:lead_update", args=[lead.pk])

    log_in(page, sam.username, DEFAULT_PASSWORD)
    page.goto(detail)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Grace Hopper")
    actions = page.locator(".page-header .actions")
    expect(actions.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    assert page.goto(edit).status == 404
    # Dana's quotation too: Sam reads it, without a button that would change it.
    page.goto(quotation.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text(quotation.number)
    for button in ("Edit details", "Edit lines", "Mark as sent"):
        expect(page.get_by_text(button, exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Print")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "colleagues-quotation-read-only")

    # The admin, in a browser of their own, lets salespeople edit every lead.
    admin_context = browser.new_context(base_url=live_server.url)
    admin_page = admin_context.new_page()
    try:
        log_in(admin_page, admin.username, DEFAULT_PASSWORD)
        admin_page.goto(reverse("crm:access_settings"))
        expect(admin_page.get_by_role("heading", level=1, name="Who may do what")).to_be_visible()
        admin_page.get_by_label("Salesperson may edit leads").select_option(label="Company")
        admin_page.get_by_role("button", name="Save").click()
        expect(admin_page.get_by_text("Access levels saved.")).to_be_visible()
        expect(admin_page.get_by_label("Salesperson may edit leads")).to_have_value("company")
        assert_accessible(admin_page)
        screenshot(admin_page, "access-settings-saved")
    finally:
        admin_context.close()

    # Sam's next request: the button is there and the edit saves.
    page.goto(detail)
    page.locator(".page-header .actions").get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Organization")).to_have_value("Compilers Inc")
    assert_accessible(page)
    page.get_by_label("Organization").fill("Compilers International")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("was saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Grace Hopper")
    screenshot(page, "colleagues-lead-edited")
