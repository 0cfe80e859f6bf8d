"""A customer on hold (or inactive) gets no quotation or order by any path: the services, the
pages, the admin and the commands. Every refusal names the reason and writes nothing; existing
documents can still be opened, rejected, revised and cancelled."""

from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from crm.errors import DomainError
from crm.models import Membership, NumberSequence, SystemEvent
from customers import services as customers_services
from customers.models import Customer
from customers.services import opportunity_convert_to_customer
from selling import services
from selling.models import Quotation, SalesOrder
from tests.conftest import at_noon, login_as
from tests.factories import CustomerFactory, MembershipFactory, ProductFactory

REASON = "Two invoices overdue"
REFUSAL = f"Acme Retail is on hold: {REASON}. Release the hold first."
QS, SS = Quotation.Status, SalesOrder.Status


@pytest.fixture(autouse=True)
def _at_noon():
    with at_noon():
        yield


@pytest.fixture
def acme(company, defaults):
    return CustomerFactory(company=company, name="Acme Retail")


def hold(customer, actor=None):
    customers_services.customer_put_on_hold(customer=customer, reason=REASON, actor=actor)


def with_line(document, actor=None):
    product = ProductFactory(
        company=document.company, unit_price=Decimal("50.00"), vat_rate=Decimal("20")
    )
    return services.document_lines_save(
        document=document,
        lines=[services.LineInput(product=product, quantity=Decimal("2"))],
        actor=actor,
    )


def snapshot():
    """What a refused action must leave as it was."""
    return (
        list(Quotation.objects.values_list("pk", "status", "version")),
        list(SalesOrder.objects.values_list("pk", "status", "version")),
        list(NumberSequence.objects.values_list("prefix", "last_number")),
        SystemEvent.objects.count(),
    )


def refused(call, message=REFUSAL):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        call()
    assert error.value.message == message
    assert snapshot() == before
    return error.value


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- the services -------------------------------------------------------------------------------


def test_no_new_quotation_or_order_for_a_customer_on_hold(company, member, acme):
    hold(acme)
    assert refused(lambda: services.quotation_create(customer=acme, actor=member)).code == "on_hold"
    refused(lambda: services.order_create(customer=acme, actor=member))


def test_a_stale_copy_of_the_customer_does_not_get_past_the_hold(company, member, acme):
    stale = Customer.objects.get(pk=acme.pk)  # as a page loaded it, before the hold
    hold(acme)
    assert stale.status == Customer.Status.ACTIVE
    refused(lambda: services.quotation_create(customer=stale, actor=member))
    refused(lambda: services.order_create(customer=stale, actor=member))


def test_an_opportunity_of_a_customer_on_hold_gets_no_quotation_or_order(
    company, member, opportunity
):
    customer = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    customer.name = "Acme Retail"
    customer.save()
    hold(customer)
    refused(lambda: services.quotation_create(opportunity=opportunity, actor=member))
    refused(lambda: services.order_from_opportunity(opportunity=opportunity, actor=member))


def test_an_accepted_quotation_becomes_no_order_while_on_hold(company, member, acme):
    quotation = with_line(services.quotation_create(customer=acme, actor=member))
    services.quotation_send(quotation=quotation, actor=member)
    services.quotation_accept(quotation=quotation, actor=member)
    hold(acme)
    refused(lambda: services.order_from_quotation(quotation=quotation, actor=member))
    assert Quotation.objects.get(pk=quotation.pk).status == QS.ACCEPTED


def test_a_quotation_made_before_the_customer_existed_is_held_too(company, member, opportunity):
    """Quoted to the prospect, then the opportunity became a customer that was put on hold."""
    quotation = services.quotation_create(opportunity=opportunity, actor=member)
    assert quotation.customer is None
    customer = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    customer.name = "Acme Retail"
    customer.save()
    hold(customer)
    refused(lambda: services.quotation_send(quotation=quotation, actor=member))
    Quotation.objects.filter(pk=quotation.pk).update(status=QS.ACCEPTED)
    refused(lambda: services.order_from_quotation(quotation=quotation, actor=member))
    assert Quotation.objects.get(pk=quotation.pk).customer is None


def test_no_quotation_is_sent_or_accepted_and_no_order_confirmed(company, member, acme):
    draft = with_line(services.quotation_create(customer=acme, actor=member))
    sent = services.quotation_send(
        quotation=with_line(services.quotation_create(customer=acme, actor=member)), actor=member
    )
    order = with_line(services.order_create(customer=acme, actor=member))
    hold(acme)
    refused(lambda: services.quotation_send(quotation=draft, actor=member))
    refused(lambda: services.quotation_accept(quotation=sent, actor=member))
    refused(lambda: services.order_confirm(order=order, actor=member))


def test_existing_documents_can_still_be_rejected_revised_cancelled_and_fulfilled(
    company, member, acme
):
    sent = services.quotation_send(
        quotation=with_line(services.quotation_create(customer=acme, actor=member)), actor=member
    )
    other = services.quotation_send(
        quotation=with_line(services.quotation_create(customer=acme, actor=member)), actor=member
    )
    draft_order = with_line(services.order_create(customer=acme, actor=member))
    confirmed = services.order_confirm(
        order=with_line(services.order_create(customer=acme, actor=member)), actor=member
    )
    hold(acme)
    assert services.quotation_reject(quotation=sent, actor=member).status == QS.REJECTED
    assert services.quotation_revise(quotation=other, actor=member).status == QS.DRAFT
    assert services.order_cancel(order=draft_order, actor=member).status == SS.CANCELLED
    # Delivering what was confirmed before the hold is not a new sale.
    assert services.order_fulfil(order=confirmed, actor=member).status == SS.FULFILLED


def test_an_inactive_customer_is_refused_alike(company, member, acme):
    order = with_line(services.order_create(customer=acme, actor=member))
    customers_services.customer_set_inactive(customer=acme, actor=member)
    message = "Acme Retail is inactive: reactivate the customer first."
    refused(lambda: services.quotation_create(customer=acme, actor=member), message)
    refused(lambda: services.order_confirm(order=order, actor=member), message)


def test_after_the_release_everything_works_again(company, member, acme):
    hold(acme)
    customers_services.customer_release_hold(customer=acme, actor=member)
    quotation = with_line(services.quotation_create(customer=acme, actor=member))
    assert services.quotation_send(quotation=quotation, actor=member).status == QS.SENT


# --- the pages ----------------------------------------------------------------------------------


def test_the_customer_page_shows_the_hold_instead_of_the_create_buttons(
    member_client, company, acme
):
    page = member_client.get(acme.get_absolute_url()).content.decode()
    assert "New quotation" in page and "New order" in page
    hold(acme)
    page = member_client.get(acme.get_absolute_url()).content.decode()
    assert "New quotation" not in page and "New order" not in page
    assert f"Acme Retail is on hold:</strong> {REASON}" in page


def test_posting_new_quotation_for_a_customer_on_hold_is_refused(member_client, company, acme):
    hold(acme)
    before = snapshot()
    response = member_client.post(
        reverse("selling:quotation_create_for_customer", args=[acme.pk]), follow=True
    )
    assert messages_of(response) == [REFUSAL]
    assert snapshot() == before


def test_the_create_pages_say_why_a_customer_on_hold_is_not_offered(member_client, company, acme):
    hold(acme)
    for name in ("selling:order_create", "selling:quotation_create"):
        page = member_client.get(reverse(name), {"customer": acme.pk}).content.decode()
        assert f"Acme Retail is on hold:</strong> {REASON}" in page
    before = snapshot()
    response = member_client.post(
        reverse("selling:order_create"),
        {"customer": acme.pk, "order_date": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["customer"] == [REFUSAL]
    assert snapshot() == before


def test_the_opportunity_page_shows_its_customers_hold(member_client, company, member, opportunity):
    customer = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    customer.name = "Acme Retail"
    customer.save()
    page = member_client.get(opportunity.get_absolute_url()).content.decode()
    assert "Create order" in page
    hold(customer)
    page = member_client.get(opportunity.get_absolute_url()).content.decode()
    assert "Create order" not in page and "New quotation" not in page
    assert f"Acme Retail is on hold:</strong> {REASON}" in page
    before = snapshot()
    for name in ("selling:quotation_create_for_opportunity", "selling:opportunity_order"):
        response = member_client.post(reverse(name, args=[opportunity.pk]), follow=True)
        assert messages_of(response) == [REFUSAL]
    assert snapshot() == before


def test_the_quotation_page_offers_no_order_while_on_hold(member_client, company, member, acme):
    quotation = with_line(services.quotation_create(customer=acme, actor=member))
    services.quotation_send(quotation=quotation, actor=member)
    services.quotation_accept(quotation=quotation, actor=member)
    hold(acme)
    page = member_client.get(quotation.get_absolute_url()).content.decode()
    assert "Create sales order" not in page
    assert f"Acme Retail is on hold:</strong> {REASON}" in page
    before = snapshot()
    response = member_client.post(
        reverse("selling:quotation_order", args=[quotation.pk]), follow=True
    )
    assert messages_of(response) == [REFUSAL]
    assert snapshot() == before


def test_the_order_page_offers_no_confirm_while_on_hold(member_client, company, member, acme):
    order = with_line(services.order_create(customer=acme, actor=member))
    hold(acme)
    page = member_client.get(order.get_absolute_url()).content.decode()
    assert "Confirm order" not in page and "Cancel order…" in page
    assert f"Acme Retail is on hold:</strong> {REASON}" in page
    before = snapshot()
    response = member_client.post(reverse("selling:order_confirm", args=[order.pk]), follow=True)
    assert messages_of(response) == [REFUSAL]
    assert snapshot() == before


# --- the admin ------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, company):
    user = MembershipFactory(company=company, role=Membership.Role.ADMIN, user__is_staff=True).user
    user.user_permissions.set(Permission.objects.all())
    return login_as(client, user, company)


def test_the_admin_adds_no_quotation_or_order_at_all(staff_client, company, acme):
    """No admin path makes a document (held customer or not): they come from the services."""
    hold(acme)
    before = snapshot()
    for name in ("admin:selling_quotation_add", "admin:selling_salesorder_add"):
        assert staff_client.get(reverse(name)).status_code == 403
        assert staff_client.post(reverse(name), {"customer": acme.pk}).status_code == 403
    assert snapshot() == before


def test_the_admin_actions_refuse_a_customer_on_hold(staff_client, company, member, acme):
    draft = with_line(services.quotation_create(customer=acme, actor=member))
    accepted = services.quotation_accept(
        quotation=services.quotation_send(
            quotation=with_line(services.quotation_create(customer=acme, actor=member)),
            actor=member,
        ),
        actor=member,
    )
    order = with_line(services.order_create(customer=acme, actor=member))
    hold(acme)
    before = snapshot()
    for url, action, document in (
        (reverse("admin:selling_quotation_changelist"), "send", draft),
        (reverse("admin:selling_quotation_changelist"), "create_order", accepted),
        (reverse("admin:selling_salesorder_changelist"), "confirm", order),
    ):
        response = staff_client.post(
            url, {"action": action, "_selected_action": [document.pk]}, follow=True
        )
        assert messages_of(response) == [f"{document}: {REFUSAL}"]
    assert snapshot() == before


# --- the commands ---------------------------------------------------------------------------------


def test_generated_documents_never_go_to_a_customer_on_hold_or_inactive(db):
    """``generate_data`` writes documents in bulk, not through the services: it draws their
    customers from the active ones only, and the customers it puts on hold carry a reason."""
    out, err = StringIO(), StringIO()
    args = ["--company", "gen-hold", "--leads", "20", "--customers", "120"]
    args += ["--opportunities", "8", "--quotations", "40", "--orders", "20"]
    args += ["--addresses-per-record", "0"]
    call_command("generate_data", *args, stdout=out, stderr=err)
    with scopes_disabled():
        held = Customer.objects.filter(company__slug="gen-hold").exclude(
            status=Customer.Status.ACTIVE
        )
        assert held.filter(status=Customer.Status.ON_HOLD).exists()
        assert not held.filter(status=Customer.Status.ON_HOLD, hold_reason="").exists()
        assert not Quotation.objects.filter(customer__in=held).exists()
        assert not SalesOrder.objects.filter(customer__in=held).exists()
        assert Quotation.objects.filter(company__slug="gen-hold").exists()


def test_the_demo_customer_on_hold_has_no_documents(db):
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    with scopes_disabled():
        held = Customer.objects.filter(status=Customer.Status.ON_HOLD)
        assert held.exists()
        assert not Quotation.objects.filter(customer__in=held).exists()
        assert not SalesOrder.objects.filter(customer__in=held).exists()
        events = SystemEvent.objects.filter(
            owner_type=ContentType.objects.get_for_model(Customer),
            owner_id__in=held.values("pk"),
            event_kind="status_change",
        )
        assert events.count() == held.count()
