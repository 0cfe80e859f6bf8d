"""Quotations and orders in the Django admin: company-scoped lists, read-only figures, status
moves only through the actions (which call the services and report each refusal), no delete."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from crm.models import Membership
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from selling import services
from selling.models import Quotation, SalesOrder
from tests.conftest import login_as
from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    ProductFactory,
    SalespersonFactory,
)

TODAY = timezone.localdate()
pytestmark = pytest.mark.usefixtures("noon_of_today")
QS, SS = Quotation.Status, SalesOrder.Status
QUOTATIONS = reverse("admin:selling_quotation_changelist")
ORDERS = reverse("admin:selling_salesorder_changelist")


@pytest.fixture
def staff_client(client, company):
    """An admin member with staff status and every permission: only the scope limits them."""
    customers_defaults_apply(company)
    leads_defaults_apply(company)
    user = MembershipFactory(company=company, role=Membership.Role.ADMIN, user__is_staff=True).user
    user.user_permissions.set(Permission.objects.all())
    return login_as(client, user, company)


def quotation(company, *, lines=1, name=None, status=None) -> Quotation:
    """A draft for a new customer with ``lines`` priced lines, moved on to ``status``."""
    customer = CustomerFactory(company=company, salesperson=SalespersonFactory(company=company))
    if name:
        customer.name = name
        customer.save()
    document = services.quotation_create(customer=customer, actor=None)
    if lines:
        services.document_lines_save(
            document=document,
            actor=None,
            lines=[
                services.LineInput(
                    product=ProductFactory(
                        company=company, unit_price=Decimal("12.50"), vat_rate=Decimal("20")
                    ),
                    quantity=Decimal(position),
                )
                for position in range(1, lines + 1)
            ],
        )
    if status in (QS.SENT, QS.ACCEPTED):
        services.quotation_send(quotation=document, actor=None)
    if status == QS.ACCEPTED:
        services.quotation_accept(quotation=document, actor=None)
    document.refresh_from_db()
    return document


def order(company, *, lines=1, status=SS.DRAFT) -> SalesOrder:
    """An order made from an accepted quotation; without lines, an empty draft order."""
    if lines:
        document = services.order_from_quotation(
            quotation=quotation(company, lines=lines, status=QS.ACCEPTED), actor=None
        )
    else:
        document = services.order_create(customer=CustomerFactory(company=company), actor=None)
    if status in (SS.CONFIRMED, SS.FULFILLED):
        services.order_confirm(order=document, actor=None)
    if status == SS.FULFILLED:
        services.order_fulfil(order=document, actor=None)
    document.refresh_from_db()
    return document


def act(client, url, action, *documents):
    response = client.post(url, {"action": action, "_selected_action": [d.pk for d in documents]})
    assert response.status_code == 302, response.content.decode()[:500]
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def status_of(document):
    document.refresh_from_db()
    return document.status


# --- lists and pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [2, 12])
def test_quotation_list_has_a_fixed_query_budget(
    staff_client, company, rows, django_assert_max_num_queries
):
    documents = [quotation(company, lines=2) for _ in range(rows)]
    with django_assert_max_num_queries(13):
        response = staff_client.get(QUOTATIONS)
    assert response.status_code == 200
    body = response.content.decode()
    for document in documents:
        assert document.number in body and document.customer.name in body
    assert str(documents[0].gross_total) in body


@pytest.mark.parametrize("rows", [2, 12])
def test_order_list_has_a_fixed_query_budget(
    staff_client, company, rows, django_assert_max_num_queries
):
    documents = [order(company) for _ in range(rows)]
    with django_assert_max_num_queries(13):
        response = staff_client.get(ORDERS)
    assert response.status_code == 200
    assert all(document.number in response.content.decode() for document in documents)


@pytest.mark.parametrize("lines", [1, 15])
def test_change_pages_show_the_lines_read_only_with_a_fixed_budget(
    staff_client, company, lines, django_assert_max_num_queries
):
    draft = quotation(company, lines=lines)
    made = order(company, lines=lines)
    for document in (draft, made):
        url = reverse(f"admin:selling_{document._meta.model_name}_change", args=[document.pk])
        with django_assert_max_num_queries(13):
            response = staff_client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert document.number in body and str(document.gross_total) in body
        # Lines are shown, never edited here: no inputs for them, no "add another".
        assert body.count('class="field-net_amount"') >= lines
        assert 'name="items-0-quantity"' not in body and 'name="items-0-DELETE"' not in body
        # Number, status and totals are plain text, not inputs.
        for name in ("number", "status", "net_total", "gross_total"):
            assert f'name="{name}"' not in body
    # The draft links to where its lines are edited.
    draft_page = staff_client.get(reverse("admin:selling_quotation_change", args=[draft.pk]))
    assert f"Edit the lines of {draft.number}" in draft_page.content.decode()


def test_search_finds_by_number_and_customer_name(staff_client, company):
    wanted = quotation(company, name="Nordwind GmbH")
    other = quotation(company, name="Sudhafen AG")
    by_name = staff_client.get(QUOTATIONS, {"q": "nordwind"}).content.decode()
    assert wanted.number in by_name and other.number not in by_name
    by_number = staff_client.get(QUOTATIONS, {"q": other.number}).content.decode()
    assert other.number in by_number and wanted.number not in by_number
    filtered = staff_client.get(QUOTATIONS, {"status__exact": "sent"}).content.decode()
    assert wanted.number not in filtered


def test_another_companys_documents_are_not_listed_nor_opened(staff_client, company, other_company):
    ours_quotation, ours_order = quotation(company), order(company)
    with scope(company=other_company):
        customers_defaults_apply(other_company)
        theirs_quotation, theirs_order = quotation(other_company), order(other_company)
    # Same numbers in both companies (numbering is per company): tell them apart by customer.
    quotations = staff_client.get(QUOTATIONS).content.decode()
    assert ours_quotation.customer.name in quotations
    assert theirs_quotation.customer.name not in quotations
    orders = staff_client.get(ORDERS).content.decode()
    assert ours_order.customer.name in orders and theirs_order.customer.name not in orders
    for document in (theirs_quotation, theirs_order):
        url = reverse(f"admin:selling_{document._meta.model_name}_change", args=[document.pk])
        response = staff_client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    # An action on a foreign id does nothing to it.
    act(staff_client, QUOTATIONS, "send", theirs_quotation)
    with scopes_disabled():
        assert status_of(theirs_quotation) == QS.DRAFT


def test_numbered_documents_cannot_be_deleted(staff_client, company):
    draft, made = quotation(company), order(company)
    for document, url in ((draft, QUOTATIONS), (made, ORDERS)):
        name = document._meta.model_name
        page = staff_client.get(url).content.decode()
        assert "delete_selected" not in page
        change = staff_client.get(reverse(f"admin:selling_{name}_change", args=[document.pk]))
        assert 'class="deletelink"' not in change.content.decode()
        delete = reverse(f"admin:selling_{name}_delete", args=[document.pk])
        assert staff_client.get(delete).status_code == 403
        assert staff_client.post(delete, {"post": "yes"}).status_code == 403
        response = staff_client.post(
            url, {"action": "delete_selected", "_selected_action": [document.pk], "post": "yes"}
        )
        assert response.status_code in (200, 302)
        assert type(document).objects.filter(pk=document.pk).exists()
    assert staff_client.get(reverse("admin:selling_quotation_add")).status_code == 403


def test_a_drafts_header_changes_through_the_service(staff_client, company):
    draft = quotation(company)
    url = reverse("admin:selling_quotation_change", args=[draft.pk])
    later = draft.valid_until + datetime.timedelta(days=10)
    form = {
        "quotation_date": draft.quotation_date.isoformat(),
        "valid_until": later.isoformat(),
        "salesperson": draft.salesperson_id,
        "sales_partner": "",
        "notes": "Delivery in two batches.",
        # The read-only inline's management form.
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "1",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    assert draft.valid_until == later and draft.notes == "Delivery in two batches."
    # A bad date is a form error, nothing written.
    bad = {**form, "valid_until": (draft.quotation_date - datetime.timedelta(days=1)).isoformat()}
    assert staff_client.post(url, bad).status_code == 200
    draft.refresh_from_db()
    assert draft.valid_until == later


def test_a_sent_quotation_is_read_only(staff_client, company):
    sent = quotation(company, status=QS.SENT)
    url = reverse("admin:selling_quotation_change", args=[sent.pk])
    page = staff_client.get(url).content.decode()
    assert 'name="valid_until"' not in page
    assert 'name="_save"' not in page and 'name="_continue"' not in page  # nothing to save
    staff_client.post(url, {"notes": "changed", "status": "draft", "net_total": "1"})
    sent.refresh_from_db()
    assert (sent.status, sent.notes) == (QS.SENT, "")
    assert sent.net_total != Decimal("1")


# --- actions -------------------------------------------------------------------------------------


def test_send_reports_each_refusal_and_sends_the_rest(staff_client, company):
    ready, empty, also_ready = quotation(company), quotation(company, lines=0), quotation(company)

    messages = act(staff_client, QUOTATIONS, "send", ready, empty, also_ready)

    assert (status_of(ready), status_of(empty), status_of(also_ready)) == (
        QS.SENT,
        QS.DRAFT,
        QS.SENT,
    )
    assert ("error", f"{empty.number}: Add at least one line before sending the quotation.") in (
        messages
    )
    assert ("success", "2 quotation(s) sent.") in messages


def test_accept_reject_and_order_through_the_actions(staff_client, company):
    first, second = quotation(company, status=QS.SENT), quotation(company, status=QS.SENT)
    draft = quotation(company)

    messages = act(staff_client, QUOTATIONS, "accept", first, draft)
    assert status_of(first) == QS.ACCEPTED and status_of(draft) == QS.DRAFT
    assert any(level == "error" and draft.number in text for level, text in messages)

    act(staff_client, QUOTATIONS, "reject", second)
    assert status_of(second) == QS.REJECTED

    messages = act(staff_client, QUOTATIONS, "create_order", first, second)
    made = SalesOrder.objects.get(quotation=first)
    assert status_of(first) == QS.ORDERED
    assert ("success", f"{first.number}: order {made.number}.") in messages
    assert any(
        level == "error" and second.number in text and "only an accepted quotation" in text
        for level, text in messages
    )
    # A second click finds the order already made.
    act(staff_client, QUOTATIONS, "create_order", first)
    assert SalesOrder.objects.filter(quotation=first).count() == 1


def test_expire_due_expires_only_the_overdue(staff_client, company):
    overdue, valid = quotation(company, status=QS.SENT), quotation(company, status=QS.SENT)
    Quotation.objects.filter(pk=overdue.pk).update(
        quotation_date=TODAY - datetime.timedelta(days=40),
        valid_until=TODAY - datetime.timedelta(days=1),
    )

    messages = act(staff_client, QUOTATIONS, "expire_due", overdue, valid)

    assert (status_of(overdue), status_of(valid)) == (QS.EXPIRED, QS.SENT)
    assert ("success", "1 quotation(s) expired.") in messages
    assert any(level == "warning" and valid.number in text for level, text in messages)


def test_order_actions_confirm_fulfil_cancel(staff_client, company):
    with_lines, empty = order(company), order(company, lines=0)

    messages = act(staff_client, ORDERS, "confirm", with_lines, empty)
    assert (status_of(with_lines), status_of(empty)) == (SS.CONFIRMED, SS.DRAFT)
    assert ("error", f"{empty.number}: Add at least one line before confirming the order.") in (
        messages
    )
    assert ("success", "1 order(s) confirmed.") in messages

    messages = act(staff_client, ORDERS, "fulfil", with_lines, empty)
    assert (status_of(with_lines), status_of(empty)) == (SS.FULFILLED, SS.DRAFT)
    assert any(level == "error" and empty.number in text for level, text in messages)

    messages = act(staff_client, ORDERS, "cancel", with_lines, empty)
    assert (status_of(with_lines), status_of(empty)) == (SS.FULFILLED, SS.CANCELLED)
    assert any(
        level == "error" and with_lines.number in text and "cannot become" in text
        for level, text in messages
    )


def test_actions_need_the_change_permission(client, company):
    customers_defaults_apply(company)
    viewer = MembershipFactory(company=company, role="admin", user__is_staff=True).user
    viewer.user_permissions.set(Permission.objects.filter(codename="view_quotation"))
    login_as(client, viewer, company)
    draft = quotation(company)
    page = client.get(QUOTATIONS).content.decode()
    assert draft.number in page and 'value="send"' not in page
    client.post(QUOTATIONS, {"action": "send", "_selected_action": [draft.pk]})
    assert status_of(draft) == QS.DRAFT


def test_a_confirmed_orders_delivery_date_can_still_change(staff_client, company):
    confirmed = order(company, lines=2, status=SS.CONFIRMED)
    url = reverse("admin:selling_salesorder_change", args=[confirmed.pk])
    page = staff_client.get(url).content.decode()
    assert 'name="delivery_date"' in page and 'name="order_date"' not in page
    # The VAT breakdown adds up the lines per rate.
    assert f"20 %: {confirmed.vat_total} VAT on {confirmed.net_total} net" in page
    delivery = confirmed.order_date + datetime.timedelta(days=3)
    response = staff_client.post(
        url,
        {
            "delivery_date": delivery.isoformat(),
            "notes": "",
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "2",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    confirmed.refresh_from_db()
    assert confirmed.delivery_date == delivery and confirmed.status == SS.CONFIRMED
