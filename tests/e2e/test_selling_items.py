"""In the browser: edit a draft quotation's lines with htmx, save, then open its print view."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from selling import services
from tests.e2e.conftest import assert_accessible, log_in
from tests.factories import (
    DEFAULT_PASSWORD,
    AddressLinkFactory,
    CompanyFactory,
    CustomerFactory,
    CustomerTypeFactory,
    MembershipFactory,
    ProductFactory,
    SalespersonFactory,
)

# Screenshots to look at, kept out of the repository.
SHOTS = Path(os.environ.get("SELLING_SHOTS", "/tmp/shots-items"))


def choose(select, name):
    """Pick a product by its name (the option's label also carries the SKU)."""
    select.select_option(select.locator("option", has_text=name).get_attribute("value"))


def figure(page, label):
    """The amount next to ``label`` in the lines page's totals."""
    return page.locator("#line-totals div", has=page.locator("dt", has_text=label)).locator("dd")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def setup(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        AddressLinkFactory(company=company, owner=company, is_primary=True)
        customer = CustomerFactory(
            company=company,
            name="Krüger Bäckerei GmbH",
            customer_type=CustomerTypeFactory(company=company, name="Bakeries", is_business=True),
            # The user is Maria: the customer's quotation is hers to change (crm.access).
            salesperson=SalespersonFactory(company=company, name="Maria Manager", user=user),
        )
        AddressLinkFactory(company=company, owner=customer, is_primary=True, purpose="billing")
        chair = ProductFactory(
            company=company, name="Office chair", unit_price=Decimal("100.00"), vat_rate=19
        )
        desk = ProductFactory(
            company=company, name="Standing desk", unit_price=Decimal("400.00"), vat_rate=19
        )
        ProductFactory(company=company, name="Desk lamp", unit_price=Decimal("40.00"), vat_rate=7)
        quotation = services.quotation_create(customer=customer, actor=user)
        services.document_lines_save(
            document=quotation,
            actor=user,
            lines=[
                services.LineInput(product=chair, quantity=Decimal("2")),
                services.LineInput(product=desk, quantity=Decimal("1")),
            ],
        )
    return user, company, quotation


def test_edit_lines_with_htmx_then_print(page, setup):
    user, company, quotation = setup
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(reverse("selling:quotation_items", args=[quotation.pk]))

    expect(page.get_by_role("heading", level=1)).to_contain_text(quotation.number)
    expect(figure(page, "Total incl. VAT")).to_have_text("714.00 EUR")  # 600.00 + 19 %
    assert_accessible(page)
    shot(page, "items-page")

    # A quantity: the line amount and the totals follow without a save.
    page.get_by_label("Quantity, line 1").fill("5")
    page.get_by_label("Quantity, line 1").press("Tab")
    expect(page.locator("#line-amount-lines-0")).to_have_text("500.00")
    expect(figure(page, "Net total")).to_have_text("900.00 EUR")

    # "Add line" brings a row and puts the focus on its product.
    page.get_by_role("button", name="Add line").click()
    new_product = page.get_by_label("Product, line 4")
    expect(new_product).to_be_focused()
    assert page.locator("#id_lines-TOTAL_FORMS").input_value() == "4"
    choose(new_product, "Desk lamp")
    page.get_by_label("Quantity, line 4").fill("2")
    page.get_by_label("Quantity, line 4").press("Tab")
    expect(page.locator("#line-amount-lines-3")).to_have_text("80.00")

    # "Remove" hides the row, ticks its box and moves the focus on.
    page.get_by_role("button", name="Remove line 2").click()
    expect(page.locator("#line-lines-1")).to_be_hidden()
    assert page.locator("#id_lines-1-DELETE").is_checked()
    expect(page.get_by_role("button", name="Remove line 3")).to_be_focused()
    expect(figure(page, "Net total")).to_have_text("580.00 EUR")
    expect(figure(page, "VAT 7 % on 80.00")).to_have_text("5.60 EUR")
    expect(figure(page, "Total incl. VAT")).to_have_text("680.60 EUR")  # 500 + 95 + 80 + 5.60
    assert_accessible(page)
    shot(page, "items-page-edited")
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page)
    shot(page, "items-page-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Save lines", exact=True).click()
    page.wait_for_url(f"**{quotation.get_absolute_url()}")
    expect(page.get_by_text(f"The lines of {quotation.number} were saved.")).to_be_visible()
    with scope(company=company):
        quotation.refresh_from_db()
        lines = [(line.product.name, line.quantity) for line in quotation.items.all()]
    assert lines == [("Office chair", Decimal("5.00")), ("Desk lamp", Decimal("2.00"))]
    assert (quotation.net_total, quotation.gross_total) == (Decimal("580.00"), Decimal("680.60"))

    page.goto(reverse("selling:quotation_print", args=[quotation.pk]))
    expect(page.get_by_role("heading", level=1, name="Quotation")).to_be_visible()
    expect(page.get_by_text("Krüger Bäckerei GmbH", exact=True)).to_be_visible()
    expect(page.locator("table.totals")).to_contain_text("680.60 EUR")
    print_button = page.get_by_role("button", name="Print")
    expect(print_button).to_be_visible()
    assert_accessible(page)
    shot(page, "print-view")
    page.emulate_media(media="print")
    expect(print_button).to_be_hidden()
    expect(page.get_by_role("link", name=f"Back to {quotation.number}")).to_be_hidden()
    expect(page.locator("table.lines")).to_be_visible()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    shot(page, "print-view-paper")


def test_the_lines_page_without_javascript(browser, live_server, setup):
    """The formset's own empty row, the remove box and "Save and add another line"."""
    user, company, quotation = setup
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(reverse("selling:quotation_items", args=[quotation.pk]))
    expect(page.get_by_role("button", name="Add line")).to_be_hidden()
    page.get_by_label("Remove line 2").check()
    choose(page.get_by_label("Product, line 3"), "Desk lamp")
    page.get_by_role("button", name="Save and add another line").click()
    expect(page.get_by_text(f"The lines of {quotation.number} were saved.")).to_be_visible()
    expect(page.get_by_label("Product, line 3")).to_have_value("")  # the next empty row
    with scope(company=company):
        names = [line.product.name for line in quotation.items.all()]
    assert names == ["Office chair", "Desk lamp"]
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "items-page-390-nojs")  # (axe needs JavaScript: it runs in the test above)
    context.close()
