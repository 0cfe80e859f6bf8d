"""List columns in the browser: pick the columns of the lead list, keep them in a saved view and
open it again in Bahasa Indonesia; on a phone, where the headers are hidden, sort through the
"Sort by" select (with and without JavaScript). axe at 1366 and 390 px."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership, SavedView
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, LeadFactory, MembershipFactory

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def owner(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.OWNER).user
        LeadFactory(
            company=company,
            first_name="Ada",
            last_name="Lovelace",
            email="ada@example.com",
            organization_name="Analytical Engines",
        )
        LeadFactory(company=company, first_name="Zoe", last_name="Zimmer", email="zoe@example.com")
        LeadFactory(company=company, first_name="Max", last_name="Moser", email="max@example.com")
    return user


def headers(page):
    texts = page.locator("#list-table thead th:not(.bulk-check)").evaluate_all(
        "cells => cells.map(cell => cell.textContent)"
    )
    return [re.sub(r"\s*[▲▼]?\s*\(.*\)$", "", text).strip() for text in texts]


def check_both_widths(page, name):
    for label, size in (("1366", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        assert_accessible(page)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at {label}px"
        screenshot(page, f"{name}-{label}")
    page.set_viewport_size(DESKTOP)


def test_pick_columns_save_them_in_a_view_and_open_it_in_indonesian(page, owner):
    page.set_viewport_size(DESKTOP)
    log_in(page, owner.username, DEFAULT_PASSWORD)
    page.goto("/leads/")
    assert "E-mail" in headers(page)

    # The picker is a disclosure of boxes; the name column's box cannot be unticked.
    page.get_by_text("Columns", exact=True).click()
    picker = page.locator("details.columns-picker")
    expect(picker.get_by_label("Name")).to_be_disabled()
    expect(picker.get_by_label("Name")).to_be_checked()
    check_both_widths(page, "columns-picker-open")
    picker.get_by_label("E-mail").uncheck()
    picker.get_by_label("Source").uncheck()
    picker.get_by_label("Organization").press("Space")  # the keyboard unticks too
    picker.get_by_role("button", name="Show columns").click()

    page.wait_for_url(re.compile(r"cols="))
    assert "cols=name%2Cstatus%2Csalesperson%2Ccreated" in page.url  # one comma list
    assert headers(page) == ["Name", "Status", "Salesperson", "Created"]
    expect(page.locator("#list-table")).not_to_contain_text("ada@example.com")

    # Filtering (htmx swaps the table) keeps the columns picked.
    search = page.locator("details[data-filters]").get_by_label("Search")
    search.fill("Lovelace")
    search.press("Enter")
    expect(page.locator("#list-table")).not_to_contain_text("Zimmer")
    assert headers(page) == ["Name", "Status", "Salesperson", "Created"]

    saved = page.get_by_role("region", name="Saved views")
    saved.get_by_text("Save this view").click()
    saved.get_by_label("Name").fill("Slim leads")
    saved.get_by_role("button", name="Save view").click()
    expect(page.get_by_text("The view “Slim leads” was saved.")).to_be_visible()
    with scopes_disabled():
        view = SavedView.objects.get()
    assert "cols=" in view.query and "q=Lovelace" in view.query

    # Back to the plain list, then the view in Bahasa Indonesia: its columns come back.
    page.goto("/leads/")
    assert "E-mail" in headers(page)
    page.get_by_label("Language").select_option("id")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "id", timeout=30_000)
    page.get_by_role("region", name="Tampilan tersimpan").get_by_role(
        "link", name="Slim leads", exact=True
    ).click()
    page.wait_for_url(re.compile(r"cols="))
    assert headers(page) == ["Nama", "Status", "Tenaga penjual", "Dibuat"]
    expect(page.locator("#list-table")).to_contain_text("Ada Lovelace")
    expect(page.locator("#list-table")).not_to_contain_text("Zimmer")
    page.get_by_text("Kolom", exact=True).click()
    expect(page.locator("details.columns-picker").get_by_label("Email")).not_to_be_checked()
    check_both_widths(page, "columns-saved-view-id")


def test_sorting_on_a_phone_through_the_select(page, owner):
    page.set_viewport_size(PHONE)
    log_in(page, owner.username, DEFAULT_PASSWORD)
    page.goto("/leads/")
    # The headers are out of sight on a phone; the select is in sight.
    expect(page.locator("#list-table thead")).not_to_be_in_viewport()
    sort = page.get_by_label("Sort by")
    expect(sort).to_be_visible()
    assert_accessible(page)
    sort.select_option(label="Name, descending")
    page.wait_for_url(re.compile(r"sort=-name"))
    cards = page.locator("table.table-cards tbody tr")
    expect(cards.first).to_contain_text("Zoe Zimmer")
    expect(cards.last).to_contain_text("Ada Lovelace")
    expect(page.get_by_label("Sort by")).to_have_value("-name")
    assert_accessible(page)
    screenshot(page, "phone-sort-by")
    # The select is for phones: on a wide screen the headers sort.
    page.set_viewport_size(DESKTOP)
    expect(page.get_by_label("Sort by")).to_be_hidden()


def test_sorting_and_columns_work_without_javascript(browser, live_server, owner):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport=PHONE
    )
    page = context.new_page()
    try:
        log_in(page, owner.username, DEFAULT_PASSWORD)
        page.goto("/leads/?q=o")
        page.get_by_label("Sort by").select_option("name")
        page.get_by_role("button", name="Sort", exact=True).click()
        page.wait_for_url(re.compile(r"sort=name"))
        assert "q=o" in page.url
        expect(page.locator("table.table-cards tbody tr").first).to_contain_text("Ada Lovelace")
        page.get_by_text("Columns", exact=True).click()
        page.locator("details.columns-picker").get_by_label("Status").uncheck()
        page.get_by_role("button", name="Show columns").click()
        page.wait_for_url(re.compile(r"cols="))
        assert "sort=name" in page.url and "q=o" in page.url
        expect(page.locator("#list-table thead")).not_to_contain_text("Status")
    finally:
        context.close()
