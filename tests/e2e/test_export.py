"""Export from the browser: filter the lead list, click "Export CSV", get exactly those rows."""

import csv
import io
from pathlib import Path

import pytest
from django_scopes import scopes_disabled
from openpyxl import load_workbook
from playwright.sync_api import expect

from crm.models import Membership
from tests.e2e.conftest import assert_accessible, log_in
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, LeadFactory, MembershipFactory


@pytest.fixture
def owner(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.OWNER).user
        for last_name, status in [
            ("Lovelace", "contacted"),
            ("Babbage", "new"),
            ("Hopper", "contacted"),
            ("Turing", "qualified"),
        ]:
            LeadFactory(company=company, last_name=last_name, status=status)
        # Another company's contacted lead must not come along.
        LeadFactory(company=CompanyFactory(name="Globex"), last_name="Intruder", status="contacted")
    return user


def test_the_exported_csv_holds_exactly_the_filtered_list(page, owner):
    log_in(page, owner.username, DEFAULT_PASSWORD)
    page.goto("/leads/")
    page.get_by_label("Status").select_option(label="Contacted")
    page.wait_for_url("**status=contacted**")
    expect(page.get_by_role("cell", name="Babbage")).to_have_count(0)
    exports = page.get_by_role("list", name="Export this list")
    expect(exports.get_by_role("link", name="Export CSV")).to_have_attribute(
        "href", "?status=contacted&sort=-created&export=csv"
    )
    assert_accessible(page)

    with page.expect_download() as download_info:
        exports.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("leads-")
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["Last name"] for row in rows) == ["Hopper", "Lovelace"]
    assert {row["Status"] for row in rows} == {"Contacted"}

    with page.expect_download() as download_info:
        exports.get_by_role("link", name="Export XLSX").click()
    workbook = download_info.value
    assert workbook.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(workbook.path()).read_bytes())).active
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == ["Hopper", "Lovelace"]


def test_the_export_links_fit_a_phone(page, owner):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, owner.username, DEFAULT_PASSWORD)
    page.goto("/leads/")
    for name in ("Export CSV", "Export XLSX"):
        link = page.get_by_role("link", name=name)
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert box["height"] >= 24  # a target a thumb can hit
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
