"""The issue's chain in one browser session: a manager imports a CSV with a mapping and a dry
run, fixes the reported row and imports it, exports the filtered lead list, then e-mails a
quotation and sees it on the timeline. (Each step has its own, closer test beside this one.)"""

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from selling import services
from tests.e2e.conftest import assert_accessible, log_in
from tests.e2e.test_import import FILE, map_fair_columns, upload_leads
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    ContactFactory,
    ContactLinkFactory,
    CustomerFactory,
    MembershipFactory,
    ProductFactory,
)


@pytest.fixture
def desk(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders", currency="EUR")
        manager = MembershipFactory(
            company=company, role=Membership.Role.MANAGER, user__first_name="Mira"
        ).user
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        customer = CustomerFactory(company=company, name="Café Morgenrot")
        ContactLinkFactory(
            company=company,
            owner=customer,
            contact=ContactFactory(
                company=company, first_name="Lena", last_name="Krüger", email="lena@cafe.example"
            ),
        )
        oven = ProductFactory(company=company, name="Deck oven", unit_price=Decimal("4800.00"))
        quotation = services.quotation_create(customer=customer, actor=manager)
        services.document_lines_save(
            document=quotation,
            actor=manager,
            lines=[services.LineInput(product=oven, quantity=Decimal("1"))],
        )
    return manager, quotation


def test_import_fix_export_and_send(page, desk):
    manager, quotation = desk
    log_in(page, manager.username, DEFAULT_PASSWORD)

    # Import: map the columns, dry run, see the bad row.
    upload_leads(page, FILE)
    map_fair_columns(page)
    page.get_by_role("button", name="Dry run").click()
    errors = page.get_by_role("region", name="Rows with errors")
    expect(errors).to_contain_text("Enter a valid email address.")

    # Fix the row, import with the same mapping.
    fixed = FILE.replace("ole(at)example.com", "ole@example.com")
    upload_leads(page, fixed, link="Import another file")
    map_fair_columns(page)
    page.get_by_role("button", name="Import now").click()
    expect(page.get_by_text("The import is done.")).to_be_visible()

    # Export the list filtered by a search: exactly the matching lead.
    page.get_by_role("link", name="Open Leads").click()
    page.goto("/leads/?q=Olsen&owner=all")
    expect(page.get_by_role("link", name="Ole Olsen")).to_be_visible()
    exports = page.get_by_role("list", name="Export this list")
    with page.expect_download() as download_info:
        exports.get_by_role("link", name="Export CSV").click()
    text = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["First name"], row["Last name"]) for row in rows] == [("Ole", "Olsen")]

    # Send the quotation by e-mail; the timeline says so.
    page.goto(quotation.get_absolute_url())
    page.get_by_role("link", name="Send by e-mail").click()
    page.get_by_label("Recipient").select_option(label="Lena Krüger <lena@cafe.example>")
    page.get_by_role("button", name="Send e-mail").click()
    expect(
        page.get_by_text(f"{quotation.number} was e-mailed to lena@cafe.example.")
    ).to_be_visible()
    expect(
        page.get_by_text(f"Quotation {quotation.number} e-mailed to lena@cafe.example by Mira")
    ).to_be_visible()
    assert_accessible(page)
    (message,) = mail.outbox
    assert message.to == ["lena@cafe.example"]
    assert message.attachments[0][2] == "application/pdf"
