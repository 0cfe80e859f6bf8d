"""Browser test of the import: a manager uploads a CSV, maps its columns, sees the bad row in
the dry run, fixes the file, imports it with the saved mapping and finds the leads in the list.
Each page passes axe and fits a phone."""

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from leads.models import Lead
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, MembershipFactory

FILE = "Vorname;Nachname;Mail\nEva;Ernst;eva@example.com\nOle;Olsen;ole(at)example.com\n"


@pytest.fixture
def manager(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.MANAGER).user
    return user, company


def choose_file(page, text: str):
    page.locator("input[type=file]").set_input_files(
        {"name": "fair.csv", "mimeType": "text/csv", "buffer": text.encode("cp1252")}
    )


def upload_leads(page, text: str, *, link: str = "Import", check=None):
    """From a page with the ``link`` to the import: leads, the file (cp1252, as a spreadsheet
    saves it), upload. ``check(page)`` runs on the upload page before the upload."""
    page.get_by_role("link", name=link, exact=True).click()
    page.get_by_label("What the file holds").select_option(label="Leads")
    choose_file(page, text)
    if check is not None:
        check(page)
    page.get_by_role("button", name="Upload and map the columns").click()


def map_fair_columns(page):
    """The fair file's German headers to the lead's fields."""
    page.get_by_label("Vorname").select_option(label="First name")
    page.get_by_label("Nachname").select_option(label="Last name")
    page.get_by_label("Mail:", exact=True).select_option(label="E-mail")


def fits_a_phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert overflow <= 1, f"{page.url} scrolls sideways by {overflow}px at 390px wide"


def test_import_with_a_mapping_a_dry_run_and_a_fixed_row(page, manager):
    user, company = manager
    log_in(page, user.username, DEFAULT_PASSWORD)
    upload_leads(page, FILE, check=assert_accessible)

    expect(page.get_by_text("Columns separated by semicolons.")).to_be_visible()
    expect(page.get_by_role("cell", name="ole(at)example.com")).to_be_visible()  # the preview
    map_fair_columns(page)
    page.get_by_label("Save this mapping as").fill("Fair")
    assert_accessible(page)
    fits_a_phone(page)
    page.get_by_role("button", name="Dry run").click()

    expect(page.get_by_text("Dry run: nothing was written.")).to_be_visible()
    errors = page.get_by_role("region", name="Rows with errors")
    expect(errors.get_by_role("row").nth(1)).to_contain_text("3")
    expect(errors).to_contain_text("Mail")
    expect(errors).to_contain_text("Enter a valid email address.")
    expect(page.get_by_role("link", name="Download the error report (CSV)")).to_be_visible()
    assert_accessible(page)
    fits_a_phone(page)
    screenshot(page, "import-dry-run")
    with scope(company=company):
        assert not Lead.objects.exists()

    fixed = FILE.replace("ole(at)example.com", "ole@example.com")
    upload_leads(page, fixed, link="Import another file")
    page.get_by_label("Use a saved mapping").select_option(label="Fair")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_label("Mail:", exact=True)).to_have_value("email")
    page.get_by_role("button", name="Import now").click()

    expect(page.get_by_text("The import is done.")).to_be_visible()
    page.get_by_role("link", name="Open Leads").click()
    expect(page.get_by_role("link", name="Ole Olsen")).to_be_visible()
    expect(page.get_by_role("link", name="Eva Ernst")).to_be_visible()


def test_after_a_dry_run_with_a_bad_row_the_good_rows_import_without_a_new_upload(page, manager):
    user, company = manager
    log_in(page, user.username, DEFAULT_PASSWORD)
    upload_leads(page, FILE)
    map_fair_columns(page)
    page.get_by_role("button", name="Dry run").click()

    expect(page.get_by_text("with these errors the import would write nothing")).to_be_visible()
    expect(page.get_by_role("button", name="Run the import")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "import-dry-run-good-rows")
    page.get_by_role("button", name="Import only the good rows").click()

    expect(page.get_by_text("The import is done.")).to_be_visible()
    expect(page.get_by_role("region", name="Rows with errors")).to_contain_text(
        "ole(at)example.com"
    )
    with scope(company=company):
        assert list(Lead.objects.values_list("email", flat=True)) == ["eva@example.com"]
