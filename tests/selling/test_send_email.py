"""E-mailing a quotation or an order: the message goes to the chosen contact with the PDF the
print view shows, from the company's template; it is logged on the timeline; a failure is kept
and shown and marks nothing sent; bad input and other companies' rows change nothing."""

import io
import smtplib
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django_scopes import scopes_disabled
from pypdf import PdfReader

from crm.models import Membership, SystemEvent
from selling import mailing, services
from selling.models import DocumentEmailTemplate, OutboundEmail, Quotation
from tests.conftest import login_as
from tests.factories import (
    ContactFactory,
    ContactLinkFactory,
    CustomerFactory,
    MembershipFactory,
    ProductFactory,
    SalespersonFactory,
)
from tests.selling.test_pages import add_lines

QS = Quotation.Status


class RefusingBackend(BaseEmailBackend):
    """A mail server that says no, as an SMTP server does when it is down or refuses a user."""

    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"ada@nordwind.example": (550, b"No such user")})


@pytest.fixture
def seller(company):
    user = MembershipFactory(
        company=company, role=Membership.Role.SALESPERSON, user__first_name="Dana"
    ).user
    user.last_name = "Wolf"
    user.save()
    return user, SalespersonFactory(company=company, name="Dana Wolf", user=user)


@pytest.fixture
def customer(company):
    return CustomerFactory(company=company, name="Nordwind GmbH")


@pytest.fixture
def ada(company, customer):
    return ContactLinkFactory(
        company=company,
        owner=customer,
        contact=ContactFactory(
            company=company, first_name="Ada", last_name="Berg", email="ada@nordwind.example"
        ),
    ).contact


@pytest.fixture
def quotation(company, customer, seller):
    user, salesperson = seller
    chair = ProductFactory(
        company=company, name="Chair", unit_price=Decimal("100.00"), vat_rate=Decimal("19.00")
    )
    quotation = services.quotation_create(customer=customer, actor=user)
    services.document_lines_save(
        document=quotation,
        actor=user,
        lines=[services.LineInput(product=chair, quantity=Decimal("3"))],
    )
    Quotation.objects.filter(pk=quotation.pk).update(salesperson=salesperson)
    return Quotation.objects.get(pk=quotation.pk)


@pytest.fixture
def seller_client(client, company, seller):
    return login_as(client, seller[0], company)


def email_url(quotation):
    return reverse("selling:quotation_email", args=[quotation.pk])


def form_data(**overrides):
    data = {"contact": "", "to": "", "cc": "", "subject": "Our offer", "body": "Hello"}
    return {**data, **overrides}


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) >= 1
    return " ".join(page.extract_text() for page in reader.pages)


def test_the_page_offers_the_customers_contacts_and_the_company_template(
    seller_client, company, quotation, ada
):
    DocumentEmailTemplate.objects.create(
        company=company,
        kind="quotation",
        subject="Offer {number} for {customer}",
        body="Dear customer, {total} until {valid_until}. {salesperson} {unknown}",
    )
    ContactLinkFactory(company=company, owner=quotation.customer, contact__email="")
    page = seller_client.get(email_url(quotation)).content.decode()
    assert "Ada Berg &lt;ada@nordwind.example&gt;" in page
    choices = page.split('name="contact"')[1].split("</select>")[0]
    # "Type an address instead", the customer's own address and Ada, not the one without.
    assert choices.count("<option") == 3
    assert f"Nordwind GmbH &lt;{quotation.customer.email}&gt;" in choices
    assert f"Offer {quotation.number} for Nordwind GmbH" in page
    assert "357.00 EUR" in page or "357,00" in page
    assert "Dana Wolf {unknown}" in page


def test_the_page_has_the_apps_top_bar_and_menu(seller_client, quotation):
    page = seller_client.get(email_url(quotation)).content.decode()
    assert '<header class="topbar">' in page
    assert '<nav class="sidebar"' in page and 'href="/selling/quotations/"' in page


def test_a_customer_without_contacts_is_offered_its_own_address(seller_client, quotation):
    customer = quotation.customer
    page = seller_client.get(email_url(quotation)).content.decode()
    choices = page.split('name="contact"')[1].split("</select>")[0]
    assert (
        f'<option value="party" selected>Nordwind GmbH &lt;{customer.email}&gt;</option>' in choices
    )
    response = seller_client.post(email_url(quotation), form_data(contact="party"))
    assert response.status_code == 302
    assert mail.outbox[0].to == [customer.email]


def test_the_sent_email_is_on_the_timelines_as_an_email(seller_client, quotation, ada):
    seller_client.post(email_url(quotation), form_data(contact=ada.pk))
    events = SystemEvent.objects.filter(body__contains="e-mailed to ada@nordwind.example")
    assert [event.event_kind for event in events] == ["email", "email"]  # quotation, customer
    for record in (quotation, quotation.customer):
        page = seller_client.get(record.get_absolute_url()).content.decode()
        entry = page.split(f"{quotation.number} e-mailed to ada@")[0].rsplit("<li", 1)[1]
        assert ">E-mail<" in entry and ">Other<" not in entry


def test_sending_mails_the_pdf_to_the_contact_marks_the_draft_sent_and_logs_it(
    seller_client, company, quotation, ada, seller
):
    response = seller_client.post(
        email_url(quotation),
        form_data(contact=ada.pk, subject="Offer", body="See attached.", cc_me="on"),
    )
    assert response.status_code == 302
    assert response["Location"] == quotation.get_absolute_url()

    (message,) = mail.outbox
    assert message.to == ["ada@nordwind.example"]
    assert message.cc == [seller[0].email]
    assert message.subject == "Offer" and message.body == "See attached."
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == (f"{quotation.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert quotation.number in text and "Nordwind GmbH" in text
    assert "Draft" not in text  # marked sent before the PDF was made: no draft stamp

    quotation.refresh_from_db()
    assert quotation.status == QS.SENT
    email = OutboundEmail.objects.get()
    assert (email.status, email.to, email.sent_by, email.quotation) == (
        "sent",
        "ada@nordwind.example",
        seller[0],
        quotation,
    )
    events = [event.body for event in SystemEvent.objects.filter(owner_id=quotation.pk)]
    assert (
        f"Quotation {quotation.number} e-mailed to ada@nordwind.example, {seller[0].email} "
        "by Dana Wolf." in events
    )
    timeline = seller_client.get(quotation.get_absolute_url()).content.decode()
    assert "e-mailed to ada@nordwind.example" in timeline
    customer_page = seller_client.get(quotation.customer.get_absolute_url()).content.decode()
    assert "e-mailed to ada@nordwind.example" in customer_page


def test_a_sent_quotation_can_be_sent_again_to_a_typed_address_without_a_second_status_move(
    seller_client, quotation, seller
):
    services.quotation_send(quotation=quotation, actor=seller[0])
    moves = SystemEvent.objects.filter(event_kind="status_change").count()
    response = seller_client.post(email_url(quotation), form_data(to="buyer@example.org"))
    assert response.status_code == 302
    assert mail.outbox[0].to == ["buyer@example.org"]
    assert SystemEvent.objects.filter(event_kind="status_change").count() == moves
    quotation.refresh_from_db()
    assert quotation.status == QS.SENT


def test_the_same_form_sent_twice_sends_one_email(seller_client, quotation, ada):
    key = "8d0b7c5e-2f4a-4d7e-9a61-0c3f5b2e9d11"
    for _ in range(2):
        response = seller_client.post(
            email_url(quotation), form_data(contact=ada.pk, submission=key)
        )
        assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert OutboundEmail.objects.get().status == "sent"
    assert SystemEvent.objects.filter(body__contains="e-mailed to").count() == 2  # quote + party


def test_a_refusing_mail_server_is_stored_shown_and_marks_nothing_sent(
    seller_client, settings, quotation, ada
):
    settings.EMAIL_BACKEND = "tests.selling.test_send_email.RefusingBackend"
    response = seller_client.post(
        email_url(quotation), form_data(contact=ada.pk, subject="Kept subject", body="Kept body")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The e-mail could not be sent." in page and "No such user" in page
    assert "Kept subject" in page and "Kept body" in page  # what was typed is kept
    assert "Try again" in page
    quotation.refresh_from_db()
    assert quotation.status == QS.DRAFT
    email = OutboundEmail.objects.get()
    assert email.status == "failed" and "SMTPRecipientsRefused" in email.error
    assert not SystemEvent.objects.filter(body__contains="e-mailed").exists()

    # "Try again" from the list fills the form from the failed e-mail; this time it goes.
    retry = seller_client.get(f"{email_url(quotation)}?retry={email.pk}").content.decode()
    assert "Kept subject" in retry and "ada@nordwind.example" in retry
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = seller_client.post(
        email_url(quotation), form_data(to=email.to, subject=email.subject, body=email.body)
    )
    assert response.status_code == 302
    assert [e.status for e in OutboundEmail.objects.order_by("pk")] == ["failed", "sent"]
    quotation.refresh_from_db()
    assert quotation.status == QS.SENT


def empty_documents(company, customer, seller):
    """A draft quotation and a draft order of the seller's, neither with a line yet."""
    user, salesperson = seller
    quotation = services.quotation_create(customer=customer, actor=user)
    order = services.order_create(customer=customer, actor=user)
    for document in (quotation, order):
        type(document).objects.filter(pk=document.pk).update(salesperson=salesperson)
        document.refresh_from_db()
    return quotation, order


def document_email_url(document):
    name = "selling:quotation_email" if isinstance(document, Quotation) else "selling:order_email"
    return reverse(name, args=[document.pk])


def test_an_empty_draft_offers_no_sending_and_one_with_a_line_does(
    seller_client, company, customer, seller
):
    for document in empty_documents(company, customer, seller):
        page = seller_client.get(document.get_absolute_url()).content.decode()
        assert ">Add lines<" in page  # the next step says what to do instead
        assert "Send by e-mail" not in page
        assert document_email_url(document) not in page

        add_lines(document, seller[0])
        page = seller_client.get(document.get_absolute_url()).content.decode()
        assert f'href="{document_email_url(document)}">Send by e-mail</a>' in page


@pytest.mark.parametrize("kind", ["quotation", "order"])
def test_an_empty_document_typed_into_the_address_bar_is_refused_and_nothing_is_stored(
    seller_client, company, customer, seller, ada, kind
):
    quotation, order = empty_documents(company, customer, seller)
    document = quotation if kind == "quotation" else order
    message = f"Add at least one line before sending the {kind}."
    page = seller_client.get(document_email_url(document)).content.decode()
    assert message in page
    assert "Send e-mail</button>" not in page
    response = seller_client.post(document_email_url(document), form_data(contact=ada.pk))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert mail.outbox == [] and not OutboundEmail.objects.exists()
    document.refresh_from_db()
    assert document.status == "draft"


def test_a_document_whose_lines_went_after_it_was_stored_is_not_mailed(
    company, customer, seller, ada
):
    _quotation, order = empty_documents(company, customer, seller)
    outbound = OutboundEmail.objects.create(
        company=company, order=order, to=ada.email, subject="s", body="b"
    )
    result = mailing.outbound_email_deliver(outbound=outbound, actor=seller[0])
    assert result.status == "failed"
    assert result.error == "Add at least one line before sending the order."
    assert mail.outbox == []


@pytest.mark.parametrize(
    "data, message",
    [
        (form_data(), "Choose a contact or type the e-mail address to send it to."),
        (form_data(to="not-an-address"), "Enter a valid email address."),
        (form_data(to="a@example.org", cc="b@example.org, nope"), "“nope” is not an e-mail"),
        (form_data(to="a@example.org", subject=""), "This field is required."),
    ],
)
def test_bad_input_says_what_to_fix_and_changes_nothing(seller_client, quotation, data, message):
    response = seller_client.post(email_url(quotation), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert mail.outbox == [] and not OutboundEmail.objects.exists()
    quotation.refresh_from_db()
    assert quotation.status == QS.DRAFT


def test_a_contact_of_another_record_or_company_is_not_a_choice(
    seller_client, company, other_company, quotation
):
    stranger = ContactFactory(company=company, email="stranger@example.org")
    with scopes_disabled():
        foreign = ContactFactory(company=other_company, email="foreign@example.org")
    for contact in (stranger, foreign):
        response = seller_client.post(email_url(quotation), form_data(contact=contact.pk))
        assert "Select a valid choice" in response.content.decode()
    assert mail.outbox == [] and not OutboundEmail.objects.exists()


def test_another_companys_quotation_is_a_404(other_client, quotation):
    assert other_client.get(email_url(quotation)).status_code == 404
    assert other_client.post(email_url(quotation), form_data(to="a@b.example")).status_code == 404
    assert mail.outbox == []


def test_sending_needs_the_edit_level_on_the_document(client, company, quotation):
    colleague = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    SalespersonFactory(company=company, user=colleague)
    login_as(client, colleague, company)
    detail = client.get(quotation.get_absolute_url())
    assert detail.status_code == 200  # a colleague's quotation: seen, not changed
    assert email_url(quotation) not in detail.content.decode()
    assert client.get(email_url(quotation)).status_code == 404
    assert client.post(email_url(quotation), form_data(to="a@b.example")).status_code == 404
    assert mail.outbox == []


def test_the_owner_sees_the_button(seller_client, quotation):
    assert email_url(quotation) in seller_client.get(quotation.get_absolute_url()).content.decode()


def test_a_sales_order_is_mailed_with_its_own_template(member_client, company, customer, ada):
    order = services.order_create(customer=customer, actor=None)
    add_lines(order, None)
    url = reverse("selling:order_email", args=[order.pk])
    page = member_client.get(url).content.decode()
    assert f"Sales order {order.number} from Acme Trading" in page
    response = member_client.post(url, form_data(contact=ada.pk))
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.attachments[0][0] == f"{order.number}.pdf"
    assert order.number in pdf_text(message.attachments[0][1])
    assert OutboundEmail.objects.get().order == order


def test_the_send_page_reads_a_fixed_number_of_queries(
    seller_client, company, quotation, django_assert_max_num_queries
):
    for _ in range(3):
        ContactLinkFactory(company=company, owner=quotation.customer)
    for _ in range(3):
        OutboundEmail.objects.create(
            company=company, quotation=quotation, to="x@example.org", subject="s", body="b"
        )
    with django_assert_max_num_queries(10) as first:
        seller_client.get(email_url(quotation))
    for _ in range(10):
        ContactLinkFactory(company=company, owner=quotation.customer)
        OutboundEmail.objects.create(
            company=company, quotation=quotation, to="x@example.org", subject="s", body="b"
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        seller_client.get(email_url(quotation))


# --- the template and the placeholders -----------------------------------------------------------


def test_placeholders_are_a_whitelist_filled_in_one_pass():
    values = {"number": "QTN-1", "customer": "{number} & Co <b>"}
    text = "{number} for {customer}: {number.__class__} {missing}"
    assert (
        mailing.fill_placeholders(text, values)
        == "QTN-1 for {number} & Co <b>: {number.__class__} {missing}"
    )
    assert mailing.unknown_placeholders("{number} {totl} {x}") == ["totl", "x"]


def test_managers_edit_the_templates_and_unknown_placeholders_are_refused(client, company):
    manager = MembershipFactory(company=company, role=Membership.Role.MANAGER).user
    login_as(client, manager, company)
    url = reverse("selling:email_templates")
    for listed in ("selling:quotation_list", "selling:order_list"):  # where managers find it
        assert f'href="{url}"' in client.get(reverse(listed)).content.decode()
    page = client.get(url).content.decode()
    assert "Quotation {number} from {company}" in page  # the defaults until saved
    bad = client.post(
        url, {"kind": "quotation", "quotation-subject": "Hi {nmber}", "quotation-body": "x"}
    )
    assert "Unknown placeholder {nmber}" in bad.content.decode()
    assert not DocumentEmailTemplate.objects.exists()
    good = client.post(
        url, {"kind": "order", "order-subject": "Order {number}", "order-body": "Thanks"}
    )
    assert good.status_code == 302
    template = DocumentEmailTemplate.objects.get()
    assert (template.kind, template.subject, template.body) == ("order", "Order {number}", "Thanks")


def test_salespeople_cannot_edit_the_templates(seller_client):
    url = reverse("selling:email_templates")
    assert url not in seller_client.get(reverse("selling:quotation_list")).content.decode()
    assert seller_client.get(url).status_code == 403
    assert seller_client.post(url, {"kind": "order"}).status_code == 403


def test_the_pdf_fetches_only_local_static_files():
    content, mime_type = mailing.local_static_file(
        f"{mailing.PDF_BASE_URL}static/selling/print.css"
    )
    assert b"@page" in content and mime_type == "text/css"
    for url in (
        "http://example.org/static/selling/print.css",
        f"{mailing.PDF_BASE_URL}static/../settings.py",
        f"{mailing.PDF_BASE_URL}media/x.png",
        "file:///etc/passwd",
    ):
        with pytest.raises(ValueError):
            mailing.local_static_file(url)


def test_without_weasyprint_the_page_says_so_and_sends_nothing(
    seller_client, monkeypatch, quotation, ada
):
    monkeypatch.setattr(mailing, "pdf_unavailable", lambda: "PDFs cannot be made on this server")
    page = seller_client.get(email_url(quotation)).content.decode()
    assert "PDFs cannot be made on this server" in page
    response = seller_client.post(email_url(quotation), form_data(contact=ada.pk))
    assert response.status_code == 200
    assert mail.outbox == [] and not OutboundEmail.objects.exists()


def test_a_failure_before_the_message_goes_sends_nothing_and_a_sent_message_stays_sent(
    seller_client, quotation, ada, monkeypatch
):
    # The message is handed to the mail server last: a failure while recording the send (here
    # the timeline) leaves no e-mail out that the CRM calls failed and would send again.
    from selling import mailing

    def broken_log(*args, **kwargs):
        raise RuntimeError("the timeline is down")

    monkeypatch.setattr(mailing, "log_sent", broken_log)
    seller_client.post(email_url(quotation), form_data(contact=ada.pk))
    assert mail.outbox == []
    assert OutboundEmail.objects.get().status == "failed"
    quotation.refresh_from_db()
    assert quotation.status == QS.DRAFT

    monkeypatch.undo()
    seller_client.post(email_url(quotation), form_data(contact=ada.pk))
    assert len(mail.outbox) == 1
    assert [e.status for e in OutboundEmail.objects.order_by("pk")] == ["failed", "sent"]
