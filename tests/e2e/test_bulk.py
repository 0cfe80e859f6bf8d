import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from leads.models import Lead
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    LeadFactory,
    LostReasonFactory,
    MembershipFactory,
    SalespersonFactory,
)


@pytest.fixture
def world(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.MANAGER).user
    with scope(company=company):
        SalespersonFactory(company=company, name="Maria Manager")
        SalespersonFactory(company=company, name="Sam Seller")
        LostReasonFactory(company=company, name="Too expensive")
        for first, last in (("Ada", "Lovelace"), ("Bob", "Babbage"), ("Cyd", "Charisse")):
            LeadFactory(company=company, first_name=first, last_name=last, organization_name="")
    return company, user


def row(page, name):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))


def test_assign_two_leads_then_mark_one_lost(page, world):
    company, user = world
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/leads/")
    bar = page.get_by_role("group", name="Change the selected leads")
    expect(bar.get_by_text("No leads selected")).to_be_visible()
    # The stylesheet's bulk section applies (not swallowed by an unclosed block above it).
    assert page.locator(".bulk-bar").evaluate("el => getComputedStyle(el).display") == "flex"
    # Only the field the chosen action needs is shown.
    expect(bar.get_by_label("Salesperson")).to_be_hidden()
    expect(bar.get_by_label("Lost reason")).to_be_hidden()

    page.get_by_label("Select Ada Lovelace").check()
    page.get_by_label("Select Bob Babbage").check()
    expect(bar.get_by_text("2 leads selected")).to_be_visible()
    bar.get_by_label("Action").select_option(label="Assign to a salesperson")
    expect(bar.get_by_label("Lost reason")).to_be_hidden()
    bar.get_by_label("Salesperson").select_option(label="Maria Manager")
    assert_accessible(page)
    screenshot(page, "bulk-assign-before")
    bar.get_by_role("button", name="Apply to selected").click()

    expect(page.get_by_text("2 leads assigned to Maria Manager.")).to_be_visible()
    expect(row(page, "Ada Lovelace")).to_contain_text("Maria Manager")
    expect(row(page, "Bob Babbage")).to_contain_text("Maria Manager")
    expect(row(page, "Cyd Charisse")).not_to_contain_text("Maria Manager")
    screenshot(page, "bulk-assign-after")

    page.get_by_label("Select Cyd Charisse").check()
    bar = page.get_by_role("group", name="Change the selected leads")
    bar.get_by_label("Action").select_option(label="Mark as lost")
    expect(bar.get_by_label("Salesperson")).to_be_hidden()
    bar.get_by_label("Lost reason").select_option(label="Too expensive")
    bar.get_by_role("button", name="Apply to selected").click()

    expect(page.get_by_text("1 lead marked lost (Too expensive).")).to_be_visible()
    expect(row(page, "Cyd Charisse")).to_contain_text("Lost")
    assert_accessible(page)
    with scope(company=company):
        assert Lead.objects.get(first_name="Cyd").status == "lost"
        assert Lead.objects.filter(salesperson__name="Maria Manager").count() == 2


def test_select_all_on_the_page_and_a_refusal(page, world):
    company, user = world
    with scope(company=company):
        Lead.objects.filter(first_name="Bob").update(status="converted")
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/leads/")
    page.get_by_label("Select all leads on this page").check()
    bar = page.get_by_role("group", name="Change the selected leads")
    expect(bar.get_by_text("3 leads selected")).to_be_visible()
    page.get_by_label("Select Ada Lovelace").uncheck()
    expect(bar.get_by_text("2 leads selected")).to_be_visible()
    page.get_by_label("Select all leads on this page").check()
    bar.get_by_label("Action").select_option(label="Mark as lost")
    bar.get_by_label("Lost reason").select_option(label="Too expensive")
    bar.get_by_role("button", name="Apply to selected").click()

    expect(page.get_by_text("Nothing was changed: 1 of 3 leads was refused.")).to_be_visible()
    expect(page.get_by_text("Bob Babbage: A converted lead cannot be set to lost.")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "bulk-refused")
    with scope(company=company):
        assert not Lead.objects.filter(status="lost").exists()


def test_the_list_fits_a_phone(page, world):
    company, user = world
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/leads/")
    page.get_by_label("Select Ada Lovelace").check()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    screenshot(page, "bulk-phone")


def test_filter_then_act_on_the_filtered_page(page, world):
    """The filters swap the table in with htmx; the bulk form that comes with it still counts,
    and posts back to the filtered list."""
    company, user = world
    with scope(company=company):
        Lead.objects.filter(first_name="Ada").update(status="qualified")
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/leads/")
    page.get_by_role("search").get_by_label("Status").select_option(label="Qualified")
    page.wait_for_url("**/leads/?*status=qualified*")
    expect(page.get_by_role("link", name="Bob Babbage")).to_have_count(0)
    page.get_by_label("Select all leads on this page").check()
    bar = page.get_by_role("group", name="Change the selected leads")
    expect(bar.get_by_text("1 lead selected")).to_be_visible()
    bar.get_by_label("Action").select_option(label="Assign to a salesperson")
    bar.get_by_label("Salesperson").select_option(label="Sam Seller")
    bar.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_text("1 lead assigned to Sam Seller.")).to_be_visible()
    assert "status=qualified" in page.url
    expect(row(page, "Ada Lovelace")).to_contain_text("Sam Seller")


def test_a_salesperson_starts_on_their_own_leads(page, world):
    company, _manager = world
    with scopes_disabled():
        seller = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    with scope(company=company):
        sam = SalespersonFactory(company=company, name="Sam Own", user=seller)
        Lead.objects.filter(first_name="Ada").update(salesperson=sam)
    log_in(page, seller.username, DEFAULT_PASSWORD)
    page.goto("/leads/")
    toggle = page.get_by_role("list", name="Whose leads")
    expect(toggle.get_by_role("link", name="Mine")).to_have_attribute("aria-current", "true")
    expect(page.get_by_role("link", name="Ada Lovelace")).to_be_visible()
    expect(page.get_by_role("link", name="Bob Babbage")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "leads-mine")
    toggle.get_by_role("link", name="Everyone's").click()
    expect(page.get_by_role("link", name="Bob Babbage")).to_be_visible()
    page.goto("/leads/")
    expect(page.get_by_role("link", name="Bob Babbage")).to_be_visible()  # remembered


# --- delete pages (they sit next to the bulk actions on the same lists) -----------------------


def test_delete_a_lead_and_be_told_why_a_converted_one_stays(page, world):
    company, user = world
    with scope(company=company):
        from leads.services import lead_convert_to_opportunity
        from tests.factories import OpportunityStageFactory

        OpportunityStageFactory(company=company, name="Prospecting")
        bob = Lead.objects.get(first_name="Bob")
        lead_convert_to_opportunity(lead=bob, actor=None, title="Engines deal")
    log_in(page, user.username, DEFAULT_PASSWORD)

    page.goto("/leads/")
    page.get_by_role("link", name="Bob Babbage").click()
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bob Babbage cannot be deleted")
    expect(page.get_by_text("became the opportunity “Engines deal”")).to_be_visible()
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "lead-delete-refused")

    page.goto("/leads/")
    page.get_by_role("link", name="Ada Lovelace").click()
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete Ada Lovelace?")
    assert_accessible(page)
    screenshot(page, "lead-delete-confirm")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Ada Lovelace was deleted.")).to_be_visible()
    expect(page.get_by_role("link", name="Ada Lovelace")).to_have_count(0)
