"""Two people edit one lead in their browsers: the second save is refused with the differences
side by side, and saving again keeps the second person's values on purpose."""

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from leads.models import Lead
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, LeadFactory, MembershipFactory


@pytest.fixture
def team(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        dana = MembershipFactory(
            company=company,
            role=Membership.Role.MANAGER,
            user__first_name="Dana",
            user__last_name="Fox",
        ).user
        sam = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
        lead = LeadFactory(
            company=company, first_name="Ada", last_name="Lovelace", phone="+49 30 1111"
        )
    return company, dana, sam, lead


def test_the_second_save_shows_what_differs_and_saving_again_keeps_it(page, browser, team):
    company, dana, sam, lead = team
    edit_url = f"/leads/{lead.pk}/edit/"

    log_in(page, sam.username, DEFAULT_PASSWORD)
    page.goto(edit_url)  # Sam opens the form and starts typing...
    page.get_by_label("Description").fill("Prefers e-mail before noon.")

    other = browser.new_context(base_url=page.url.split("/leads/")[0])
    dana_page = other.new_page()
    log_in(dana_page, dana.username, DEFAULT_PASSWORD)
    dana_page.goto(edit_url)  # ...while Dana changes the phone number and saves.
    dana_page.get_by_label("Phone").fill("+49 30 2222")
    dana_page.get_by_role("button", name="Save").click()
    expect(dana_page.get_by_role("heading", level=1)).to_contain_text("Ada Lovelace")
    other.close()

    page.get_by_role("button", name="Save").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Dana Fox changed this lead")
    expect(alert).to_contain_text("Nothing of yours was saved")
    differences = page.get_by_role("table", name="What differs now")
    expect(differences.get_by_role("row", name="Phone")).to_contain_text("+49 30 2222")
    expect(differences.get_by_role("row", name="Phone")).to_contain_text("+49 30 1111")
    expect(differences.get_by_role("row", name="Description")).to_contain_text("Prefers e-mail")
    expect(page.get_by_label("Description")).to_have_value("Prefers e-mail before noon.")  # kept
    expect(
        page.get_by_role("link", name="Discard my changes and start again from the saved values")
    ).to_have_attribute("href", edit_url)
    assert_accessible(page)
    screenshot(page, "stale-edit")

    # Sam has read it and saves again: Sam's form wins, on purpose.
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada Lovelace")
    with scope(company=company):
        lead = Lead.objects.get(pk=lead.pk)
    assert lead.notes == "Prefers e-mail before noon."
    assert lead.phone == "+49301111"  # Sam's form still held the old number
