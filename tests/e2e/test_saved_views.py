"""Saved views in the browser: filter a list, save it shared with the company, and a colleague
opens it from the same list with one click."""

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership, SavedView
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, LeadFactory, MembershipFactory

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def team(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        owner = MembershipFactory(
            company=company, role=Membership.Role.OWNER, user__first_name="Olga"
        ).user
        colleague = MembershipFactory(
            company=company, role=Membership.Role.MANAGER, user__first_name="Carl"
        ).user
        LeadFactory(company=company, first_name="Ada", last_name="Qualified", status="qualified")
        LeadFactory(company=company, first_name="Bob", last_name="Fresh", status="new")
        LeadFactory(company=company, first_name="Cleo", last_name="Qualified", status="qualified")
    return owner, colleague


def check_both_widths(page, name):
    for label, size in (("1366", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        assert_accessible(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at {label}px"
        screenshot(page, f"{name}-{label}")
    page.set_viewport_size(DESKTOP)


def lead_names(page):
    return sorted(page.locator("#list-table tbody tr").all_inner_texts())


def test_a_saved_view_shared_with_a_colleague(page, team):
    owner, colleague = team
    page.set_viewport_size(DESKTOP)
    log_in(page, owner.username, DEFAULT_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Leads").click()
    saved = page.get_by_role("region", name="Saved views")
    expect(saved.get_by_text("No saved views on this list yet.")).to_be_visible()

    # Filter the list (htmx swaps the table and the address), then keep it as a shared view.
    page.get_by_label("Status").select_option("qualified")
    page.wait_for_url("**status=qualified**")
    expect(page.locator("#list-table")).not_to_contain_text("Bob")
    saved.get_by_text("Save this view").click()
    saved.get_by_label("Name").fill("Qualified leads")
    saved.get_by_label("Share with the company").check()
    check_both_widths(page, "saved-views-save-form")
    saved.get_by_role("button", name="Save view").click()

    expect(page.get_by_text("The view “Qualified leads” was saved.")).to_be_visible()
    link = saved.get_by_role("link", name="Qualified leads", exact=True)
    expect(link).to_have_attribute("aria-current", "true")
    with scopes_disabled():
        view = SavedView.objects.get()
    # The list's sort rides along with the filter (the filters form carries it).
    assert (view.owner, view.shared, view.query) == (owner, True, "sort=-created&status=qualified")

    # The colleague signs in, finds the view on the same list and opens it with one click.
    page.context.clear_cookies()
    log_in(page, colleague.username, DEFAULT_PASSWORD)
    page.goto("/leads/")
    expect(page.locator("#list-table")).to_contain_text("Bob")
    saved = page.get_by_role("region", name="Saved views")
    expect(saved).to_contain_text("by Olga")
    # Shared, not theirs: they may use it, not change it.
    expect(saved.get_by_role("link", name="Edit")).to_have_count(0)
    check_both_widths(page, "saved-views-colleague-list")
    saved.get_by_role("link", name="Qualified leads", exact=True).click()

    page.wait_for_url("**/leads/?sort=-created&status=qualified")
    expect(page.locator("#list-table")).not_to_contain_text("Bob")
    expect(page.locator("#list-table")).to_contain_text("Ada")
    expect(page.locator("#list-table")).to_contain_text("Cleo")
    expect(page.get_by_label("Status")).to_have_value("qualified")
    expect(
        page.get_by_role("region", name="Saved views").get_by_role(
            "link", name="Qualified leads", exact=True
        )
    ).to_have_attribute("aria-current", "true")
    check_both_widths(page, "saved-views-applied")

    page.get_by_role("link", name="Manage saved views").click()
    row = page.get_by_role("row", name="Qualified leads")
    expect(row).to_contain_text("Leads")
    expect(row.get_by_role("button")).to_have_count(0)
    check_both_widths(page, "saved-views-manage-colleague")


def test_the_owner_renames_and_deletes_a_view(page, team):
    owner, _colleague = team
    with scopes_disabled():
        view = SavedView.objects.create(
            company=owner.memberships.get().company,
            owner=owner,
            list_key="leads:lead_list",
            name="Hot",
            query="status=qualified",
        )
    page.set_viewport_size(DESKTOP)
    log_in(page, owner.username, DEFAULT_PASSWORD)
    page.goto("/leads/")
    saved = page.get_by_role("region", name="Saved views")
    saved.get_by_role("link", name="Edit the view Hot").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit the view “Hot”")
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".field-error")).to_contain_text("Give the view a name.")
    check_both_widths(page, "saved-view-edit-error")
    page.get_by_label("Name").fill("Hottest")
    page.get_by_role("button", name="Save", exact=True).click()
    # Back on the list it came from, with the new name.
    page.wait_for_url("**/leads/")
    expect(page.get_by_role("region", name="Saved views")).to_contain_text("Hottest")

    page.goto("/saved-views/")
    check_both_widths(page, "saved-views-manage-owner")
    page.get_by_role("button", name="Delete the view Hottest").click()
    expect(page.get_by_text("The view “Hottest” was deleted.")).to_be_visible()
    expect(page.get_by_text("No saved views yet.")).to_be_visible()
    with scopes_disabled():
        assert not SavedView.objects.filter(pk=view.pk).exists()
