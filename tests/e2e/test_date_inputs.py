"""An Indonesian salesperson types dates as Indonesians write them (hh/bb/tttt), whatever the
browser's own locale, or picks one from the calendar with the keyboard; both are saved."""

from datetime import date

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from leads.models import Opportunity
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    MembershipFactory,
    OpportunityFactory,
)


@pytest.fixture
def jakarta(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Toko Nusantara", language="id", phone_region="ID")
        user = MembershipFactory(company=company, role=Membership.Role.OWNER).user
        opportunity = OpportunityFactory(
            company=company, title="Mesin kopi", expected_close_date=date(2027, 3, 4)
        )
    return user, opportunity


def saved_close_date(opportunity) -> date:
    with scopes_disabled():
        return Opportunity.objects.get(pk=opportunity.pk).expected_close_date


def test_a_date_typed_and_picked_in_indonesian_is_saved(page, jakarta):
    user, opportunity = jakarta
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, user.username, DEFAULT_PASSWORD)
    edit = f"/leads/opportunities/{opportunity.pk}/edit/"
    page.goto(edit)
    field = page.get_by_label("Perkiraan tanggal penutupan")
    expect(field).to_have_value("04/03/2027")  # the stored date, as Indonesians write it
    expect(field).to_have_attribute("placeholder", "hh/bb/tttt")

    # A day that does not exist: refused, with how to type a date; nothing saved.
    field.fill("31/02/2027")
    page.get_by_role("button", name="Simpan").click()
    expect(
        page.get_by_text("Ketik tanggal sebagai hh/bb/tttt, misalnya 31/12/2026.")
    ).to_be_visible()
    assert_accessible(page)
    assert saved_close_date(opportunity) == date(2027, 3, 4)

    page.get_by_label("Perkiraan tanggal penutupan").fill("15/01/2027")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mesin kopi")
    assert saved_close_date(opportunity) == date(2027, 1, 15)

    # The calendar: opens on the field's date, in Indonesian, and is worked by the keyboard.
    page.goto(edit)
    opener = page.get_by_role("button", name="Pilih tanggal")
    opener.click()
    calendar = page.get_by_role("dialog", name="Januari 2027")
    expect(calendar).to_be_visible()
    expect(calendar.get_by_role("button", name="15 Januari 2027")).to_be_focused()
    expect(calendar.get_by_role("columnheader", name="Senin")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "date-calendar-1366")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    expect(calendar.get_by_role("button", name="23 Januari 2027")).to_be_focused()
    page.keyboard.press("Enter")
    expect(calendar).to_be_hidden()
    expect(page.get_by_label("Perkiraan tanggal penutupan")).to_have_value("23/01/2027")
    expect(opener).to_be_focused()

    # On a phone: the calendar fits, Page Down turns the month, Escape leaves the date alone.
    page.set_viewport_size({"width": 390, "height": 844})
    opener.click()
    calendar = page.get_by_role("dialog", name="Januari 2027")
    expect(calendar).to_be_visible()
    box = calendar.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert_accessible(page)
    screenshot(page, "date-calendar-390")
    page.keyboard.press("PageDown")
    expect(page.get_by_role("dialog", name="Februari 2027")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_label("Perkiraan tanggal penutupan")).to_have_value("23/01/2027")
    assert_accessible(page)
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Mesin kopi")
    assert saved_close_date(opportunity) == date(2027, 1, 23)


def test_a_list_filter_takes_an_indonesian_date(page, jakarta):
    user, opportunity = jakarta
    with scopes_disabled():
        OpportunityFactory(
            company=opportunity.company, title="Printer", expected_close_date=date(2027, 9, 1)
        )
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto("/leads/opportunities/?owner=all")
    expect(page.get_by_role("link", name="Printer")).to_be_visible()
    field = page.locator("input[name=close_from]")
    field.fill("01/06/2027")
    field.press("Tab")  # leaving the field applies the filter, as a changed select does
    expect(page.get_by_role("link", name="Printer")).to_be_visible()
    expect(page.get_by_role("link", name="Mesin kopi")).to_be_hidden()
    assert "close_from=01%2F06%2F2027" in page.url
    assert_accessible(page)
