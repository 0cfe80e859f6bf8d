"""The country search in Bahasa Indonesia: on a lead's page an Indonesian salesperson types a
country's Indonesian name, is told plainly when it names none, and reads the name back in
Indonesian; the page passes axe-core at 1366 and 390 px."""

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from addressbook.models import Address
from crm.models import Membership, Salesperson
from crm.models.preferences import UserPreferences
from leads.setup import leads_defaults_apply
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import DEFAULT_PASSWORD, CompanyFactory, LeadFactory, MembershipFactory

DESKTOP = {"width": 1366, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def indonesian_lead(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Toko Sinar", currency="IDR")
        membership = MembershipFactory(company=company, role=Membership.Role.SALESPERSON)
        UserPreferences.objects.create(user=membership.user, language="id")
    with scope(company=company):
        leads_defaults_apply(company)
        seller = Salesperson.objects.create(company=company, name="Sari", user=membership.user)
        lead = LeadFactory(
            company=company, first_name="Budi", last_name="Santoso", salesperson=seller
        )
    return company, membership.user, lead


def test_an_indonesian_salesperson_finds_a_country_by_its_indonesian_name(page, indonesian_lead):
    company, user, lead = indonesian_lead
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.set_viewport_size(DESKTOP)
    page.goto(f"/leads/{lead.pk}/")

    panel = page.locator("#addresses-panel")
    panel.get_by_text("Tambah alamat baru").click()
    panel.get_by_label("Jalan").fill("Unter den Linden 1")
    panel.get_by_label("Kota").fill("Berlin")
    country = panel.get_by_label("Negara")
    # The suggestions are the countries' Indonesian names.
    suggestions = page.locator(f"datalist#{country.get_attribute('list')}")
    expect(suggestions.locator("option[value='Jerman']")).to_have_count(1)
    expect(suggestions.locator("option[value='Germany']")).to_have_count(0)

    country.fill("Atlantis")
    panel.get_by_role("button", name="Tambah alamat").click()
    # Sent back with the reason, what was typed kept, nothing saved.
    main = page.locator("main")
    expect(main).to_contain_text("Tidak ada negara bernama “Atlantis”")
    expect(main.get_by_label("Jalan")).to_have_value("Unter den Linden 1")
    with scope(company=company):
        assert not Address.objects.exists()
    assert_accessible(page)
    screenshot(page, "country-picker-id-refused")

    main.get_by_label("Negara").fill("Jerman")
    main.get_by_role("button", name="Simpan").click()
    # The panel names the country in the reader's language too.
    expect(page.locator("#addresses-panel")).to_contain_text("Unter den Linden 1, Berlin, Jerman")
    with scope(company=company):
        address = Address.objects.get()
    assert address.country == "DE"
    assert_accessible(page)

    page.goto(f"/addressbook/addresses/{address.pk}/")
    expect(page.locator("main")).to_contain_text("Jerman")
    expect(page.locator("main")).not_to_contain_text("Germany")
    assert_accessible(page)
    screenshot(page, "country-picker-id-1366")
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    screenshot(page, "country-picker-id-390")
