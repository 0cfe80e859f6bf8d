"""Browser test: a salesperson e-mails a quotation to the customer's contact from its page, sees
the success and the entry on the timeline; the message (captured by the test mail backend: the
live server runs in this process) carries the quotation as a PDF.

Screenshots go to $SHOTS_DIR (default /tmp/shots-pages), outside the repository."""

import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect
from pypdf import PdfReader

from crm.models import Membership
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from selling import mailing, services
from selling.models import Quotation
from tests.e2e.conftest import assert_accessible, log_in
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    ContactFactory,
    ContactLinkFactory,
    CustomerFactory,
    MembershipFactory,
    ProductFactory,
    SalespersonFactory,
)

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-pages"))


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def world(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders", currency="EUR")
        user = MembershipFactory(
            company=company, role=Membership.Role.SALESPERSON, user__first_name="Priya"
        ).user
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        seller = SalespersonFactory(company=company, name="Priya Raman", user=user)
        customer = CustomerFactory(company=company, name="Café Morgenrot", salesperson=seller)
        ContactLinkFactory(
            company=company,
            owner=customer,
            contact=ContactFactory(
                company=company,
                first_name="Lena",
                last_name="Krüger",
                email="lena@morgenrot.example.com",
            ),
        )
        oven = ProductFactory(
            company=company, name="Deck oven", unit_price=Decimal("4800.00"), vat_rate=19
        )
        quotation = services.quotation_create(customer=customer, actor=user)
        services.document_lines_save(
            document=quotation,
            actor=user,
            lines=[services.LineInput(product=oven, quantity=Decimal("2"))],
        )
        Quotation.objects.filter(pk=quotation.pk).update(salesperson=seller)
        quotation.refresh_from_db()
    return user, company, quotation


def test_a_quotation_is_emailed_to_the_customers_contact(page, world):
    user, company, quotation = world
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(quotation.get_absolute_url())
    page.get_by_role("link", name="Send by e-mail").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"E-mail Quotation {quotation.number}"
    )
    expect(page.get_by_label("Subject")).to_have_value(
        f"Quotation {quotation.number} from Northwind Traders"
    )
    expect(page.get_by_label("Message")).to_contain_text("Café Morgenrot")
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the send page scrolls sideways by {overflow}px at 390px wide"
    shot(page, "e2e-send-document-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label("Recipient").select_option(label="Lena Krüger <lena@morgenrot.example.com>")
    page.get_by_role("button", name="Send e-mail").click()

    expect(
        page.get_by_text(f"{quotation.number} was e-mailed to lena@morgenrot.example.com.")
    ).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sent")
    expect(
        page.get_by_text(
            f"Quotation {quotation.number} e-mailed to lena@morgenrot.example.com by Priya"
        )
    ).to_be_visible()
    assert_accessible(page)

    (message,) = mail.outbox
    assert message.to == ["lena@morgenrot.example.com"]
    assert message.subject == f"Quotation {quotation.number} from Northwind Traders"
    ((name, content, mimetype),) = message.attachments
    assert name == f"{quotation.number}.pdf" and mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(content))
    assert quotation.number in reader.pages[0].extract_text()

    # The send page now lists the e-mail as sent.
    page.goto(f"/selling/quotations/{quotation.pk}/email/")
    expect(
        page.get_by_role("region", name="E-mails of this document").get_by_role("row")
    ).to_have_count(2)
    assert_accessible(page)
    shot(page, "e2e-send-document-sent")


def test_a_manager_changes_the_companys_quotation_email(page, world):
    _user, company, quotation = world
    with scopes_disabled():
        manager = MembershipFactory(company=company, role=Membership.Role.MANAGER).user
    log_in(page, manager.username, DEFAULT_PASSWORD)
    page.goto("/selling/settings/document-emails/")
    quotation_form = page.get_by_role("region", name="Quotation")
    quotation_form.get_by_label("Subject").fill("Our offer {number} for {customer}")
    quotation_form.get_by_role("button", name="Save the e-mail for: Quotation").click()
    expect(page.get_by_text("The e-mail for quotation was saved.")).to_be_visible()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the templates page scrolls sideways by {overflow}px at 390px wide"

    # The send page starts from it now (the quotation is Priya's to send: read it as she would).
    with scope(company=company):
        draft = mailing.message_draft(Quotation.objects.select_related("company").get())
    assert draft.subject == f"Our offer {quotation.number} for Café Morgenrot"


def test_an_empty_draft_is_not_offered_for_sending_until_it_has_a_line(page, world):
    user, company, quotation = world
    with scope(company=company):
        empty = services.quotation_create(customer=quotation.customer, actor=user)
        Quotation.objects.filter(pk=empty.pk).update(salesperson=quotation.salesperson)
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(empty.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_contain_text(empty.number)
    expect(page.get_by_role("link", name="Add lines").first).to_be_visible()
    expect(page.get_by_role("link", name="Send by e-mail")).to_have_count(0)
    assert_accessible(page)
    shot(page, "e2e-send-empty-draft")

    # Typed into the address bar, the send page says what to do and offers no form.
    page.goto(f"/selling/quotations/{empty.pk}/email/")
    expect(page.get_by_text("Add at least one line before sending the quotation.")).to_be_visible()
    expect(page.get_by_role("button", name="Send e-mail")).to_have_count(0)

    page.goto(empty.get_absolute_url())
    page.get_by_role("link", name="Add lines").first.click()
    product = page.get_by_label("Product, line 1")
    product.select_option(product.locator("option", has_text="Deck oven").get_attribute("value"))
    page.get_by_label("Quantity, line 1").fill("1")
    page.get_by_role("button", name="Save lines", exact=True).click()
    expect(page.get_by_text(f"The lines of {empty.number} were saved.")).to_be_visible()
    page.get_by_role("link", name="Send by e-mail").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"E-mail Quotation {empty.number}")
    expect(page.get_by_role("button", name="Send e-mail")).to_be_visible()
    assert mail.outbox == []
