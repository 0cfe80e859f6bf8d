"""Customer status: active, on hold (with a reason), inactive. The services and their
transitions, the database constraints, the migration from the old flag, the customer page's
buttons, the list's filter and column, and the admin."""

import datetime
import re
from unittest.mock import ANY

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from crm.errors import DomainError
from crm.models import Membership, SystemEvent
from customers import services
from customers.models import Customer
from tests.conftest import at_noon, login_as
from tests.factories import CompanyFactory, CustomerFactory, CustomerTypeFactory, MembershipFactory

S = Customer.Status
REASON = "Two invoices overdue by 60 days"


def events_of(owner):
    return SystemEvent.objects.filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
    ).order_by("pk")


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def stored(customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)


# --- the services ------------------------------------------------------------------------------


def test_put_on_hold_records_the_reason_who_and_when_and_logs_it(company, member):
    customer = CustomerFactory(company=company, name="Acme Retail")
    with at_noon(datetime.date(2026, 3, 31)):
        services.customer_put_on_hold(customer=customer, reason=f"  {REASON}  ", actor=member)
        now = timezone.now()
    customer = stored(customer)
    assert (customer.status, customer.hold_reason, customer.held_by) == (S.ON_HOLD, REASON, member)
    assert abs(customer.held_at - now) < datetime.timedelta(seconds=5)
    assert not customer.can_receive_documents
    event = events_of(customer).get()
    assert (event.event_kind, event.body, event.author) == (
        "status_change",
        f"Put on hold. Reason: {REASON}",
        member,
    )
    assert event.data == {"from": "active", "to": "on_hold", "reason": REASON, "message": ANY}


def test_release_hold_clears_it_and_logs_it(company, member):
    customer = CustomerFactory(company=company, on_hold=True)
    services.customer_release_hold(customer=customer, actor=member)
    customer = stored(customer)
    assert (customer.status, customer.hold_reason, customer.held_at, customer.held_by) == (
        S.ACTIVE,
        "",
        None,
        None,
    )
    assert customer.can_receive_documents
    event = events_of(customer).get()
    assert event.body == "Hold released."
    assert event.data == {
        "from": "on_hold",
        "to": "active",
        "reason": "Two invoices overdue",
        "message": ANY,
    }


def test_an_on_hold_customer_can_be_marked_inactive_and_the_hold_ends(company, member):
    customer = CustomerFactory(company=company, on_hold=True)
    services.customer_set_inactive(customer=customer, actor=member)
    customer = stored(customer)
    assert (customer.status, customer.hold_reason, customer.held_at) == (S.INACTIVE, "", None)
    assert events_of(customer).get().data["from"] == "on_hold"


def test_each_service_does_nothing_for_the_state_it_already_has(company, member):
    held = CustomerFactory(company=company, on_hold=True, hold_reason=REASON)
    active = CustomerFactory(company=company)
    gone = CustomerFactory(company=company, inactive=True)
    versions = {c.pk: stored(c).version for c in (held, active, gone)}

    services.customer_put_on_hold(customer=held, reason=REASON, actor=member)
    services.customer_release_hold(customer=active, actor=member)
    services.customer_reactivate(customer=active, actor=member)
    services.customer_set_inactive(customer=gone, actor=member)

    assert {c.pk: stored(c).version for c in (held, active, gone)} == versions
    assert not SystemEvent.objects.exists()


def test_a_new_reason_for_a_hold_is_kept_and_logged(company, member):
    customer = CustomerFactory(company=company, on_hold=True)
    held_at = stored(customer).held_at
    services.customer_put_on_hold(customer=customer, reason="Credit limit reached", actor=member)
    customer = stored(customer)
    assert (customer.status, customer.hold_reason, customer.held_at) == (
        S.ON_HOLD,
        "Credit limit reached",
        held_at,
    )
    assert events_of(customer).get().data == {
        "event": "hold_reason",
        "from": "Two invoices overdue",
        "to": "Credit limit reached",
        "message": ANY,
    }


@pytest.mark.parametrize("reason", ["", "   ", "x" * 301])
def test_a_hold_needs_a_reason_that_fits(company, member, reason):
    customer = CustomerFactory(company=company)
    with pytest.raises(DomainError) as refused:
        services.customer_put_on_hold(customer=customer, reason=reason, actor=member)
    assert refused.value.code == "reason"
    assert stored(customer).status == S.ACTIVE
    assert not SystemEvent.objects.exists()


@pytest.mark.parametrize(
    "start, service, message",
    [
        (
            "inactive",
            lambda c, actor: services.customer_put_on_hold(customer=c, reason=REASON, actor=actor),
            "is inactive: reactivate it before putting it on hold.",
        ),
        (
            "inactive",
            lambda c, actor: services.customer_release_hold(customer=c, actor=actor),
            "is inactive, not on hold: reactivate it instead.",
        ),
        (
            "on_hold",
            lambda c, actor: services.customer_reactivate(customer=c, actor=actor),
            "is on hold, not inactive: release the hold instead.",
        ),
    ],
)
def test_moves_the_transitions_table_does_not_allow_are_refused(
    company, member, start, service, message
):
    customer = CustomerFactory(company=company, **{start: True})
    before = stored(customer)
    with pytest.raises(DomainError, match=message):
        service(customer, member)
    after = stored(customer)
    assert (after.status, after.hold_reason, after.version) == (
        before.status,
        before.hold_reason,
        before.version,
    )
    assert not SystemEvent.objects.exists()


def test_the_transitions_table_covers_every_status():
    assert set(Customer.TRANSITIONS) == set(S.values)
    assert S.ON_HOLD not in Customer.TRANSITIONS[S.INACTIVE]


@pytest.mark.parametrize(
    "start, target, expected",
    [
        ("active", "on_hold", "on_hold"),
        ("on_hold", "active", "active"),
        ("inactive", "active", "active"),
        ("active", "inactive", "inactive"),
        ("on_hold", "inactive", "inactive"),
    ],
)
def test_set_status_uses_the_service_for_the_move(company, member, start, target, expected):
    customer = CustomerFactory(company=company, **({start: True} if start != "active" else {}))
    services.customer_set_status(customer=customer, status=target, reason=REASON, actor=member)
    assert stored(customer).status == expected
    assert events_of(customer).get().event_kind == "status_change"


def test_set_status_refuses_an_unknown_status(company, member):
    customer = CustomerFactory(company=company)
    with pytest.raises(DomainError, match="statuses offered"):
        services.customer_set_status(customer=customer, status="frozen", actor=member)


def test_another_companys_customer_cannot_be_put_on_hold(company, other_company, member):
    with scopes_disabled():
        foreign = CustomerFactory(company=other_company)
    with pytest.raises(Customer.DoesNotExist):
        services.customer_put_on_hold(customer=foreign, reason=REASON, actor=member)
    with scopes_disabled():
        assert Customer.objects.get(pk=foreign.pk).status == S.ACTIVE


def test_the_check_names_the_customer_and_the_reason(company):
    held = CustomerFactory(company=company, name="Acme", on_hold=True, hold_reason="Unpaid.")
    with pytest.raises(DomainError) as refused:
        services.customer_check_can_order(held)
    assert refused.value.message == "Acme is on hold: Unpaid. Release the hold first."
    assert refused.value.code == "on_hold"
    gone = CustomerFactory(company=company, name="Old Co", inactive=True)
    with pytest.raises(DomainError, match="Old Co is inactive: reactivate the customer first."):
        services.customer_check_can_order(gone)
    services.customer_check_can_order(CustomerFactory(company=company))  # active: no error


# --- the database constraints ---------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"status": "on_hold", "hold_reason": ""},
        {"status": "active", "hold_reason": "left behind"},
        {"status": "inactive", "held_at": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)},
        {"status": "frozen"},
    ],
)
def test_the_database_refuses_an_inconsistent_hold(company, changes):
    customer = CustomerFactory(company=company)
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(**changes)
    assert stored(customer).status == S.ACTIVE


def test_model_validation_explains_the_constraint(company):
    customer = CustomerFactory.build(
        company=company, customer_type=CustomerTypeFactory(company=company)
    )
    customer.status = S.ON_HOLD
    with pytest.raises(Exception, match="Say why the customer is on hold."):
        customer.full_clean()


# --- the migration from the flag ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_the_flag_into_the_status():
    executor = MigrationExecutor(connection)
    before, after = [("customers", "0006_balance_ledger")], [("customers", "0007_customer_status")]
    company = CompanyFactory(name="Old Co", slug="old-co")
    with scope(company=company):
        kind = CustomerTypeFactory(company=company)
    try:
        executor.migrate(before)
        old_apps = executor.loader.project_state(before).apps
        OldCustomer = old_apps.get_model("customers", "Customer")
        for name, flag in (("Still here", True), ("Gone", False)):
            OldCustomer._base_manager.create(
                company_id=company.pk, name=name, customer_type_id=kind.pk, is_active=flag
            )

        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new_apps = executor.loader.project_state(after).apps
        NewCustomer = new_apps.get_model("customers", "Customer")
        statuses = dict(NewCustomer._base_manager.values_list("name", "status"))
        assert statuses == {"Still here": "active", "Gone": "inactive"}

        executor = MigrationExecutor(connection)
        executor.migrate(before)  # and back: inactive is the flag's False
        flags = dict(
            executor.loader.project_state(before)
            .apps.get_model("customers", "Customer")
            ._base_manager.values_list("name", "is_active")
        )
        assert flags == {"Still here": True, "Gone": False}
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


# --- the customer page -------------------------------------------------------------------------


def test_put_on_hold_from_the_page_shows_the_banner_and_release(member_client, company):
    customer = CustomerFactory(company=company, name="Acme Retail")
    page = member_client.get(customer.get_absolute_url()).content.decode()
    assert "Put on hold…" in page and 'name="reason"' in page
    assert "Release hold" not in page

    response = member_client.post(
        reverse("customers:customer_hold", args=[customer.pk]), {"reason": REASON}, follow=True
    )
    assert messages_of(response) == [
        "Acme Retail is on hold: no new quotations or orders until it is released."
    ]
    page = response.content.decode()
    assert f'On hold: <span class="status-banner-reason">{REASON}</span>' in page
    assert "Release hold" in page and "Put on hold…" not in page
    assert stored(customer).held_by is not None

    response = member_client.post(
        reverse("customers:customer_release_hold", args=[customer.pk]), follow=True
    )
    assert messages_of(response) == [
        "The hold on Acme Retail is released: quotations and orders can be made again."
    ]
    assert stored(customer).status == S.ACTIVE
    assert "status-banner" not in response.content.decode()


def test_a_hold_without_a_reason_is_refused_on_the_page(member_client, company):
    customer = CustomerFactory(company=company)
    response = member_client.post(
        reverse("customers:customer_hold", args=[customer.pk]), {"reason": "  "}, follow=True
    )
    assert messages_of(response) == ["This field is required."]
    assert stored(customer).status == S.ACTIVE
    assert not SystemEvent.objects.exists()


def test_mark_inactive_and_reactivate_from_the_page(member_client, company):
    customer = CustomerFactory(company=company, name="Old Co")
    response = member_client.post(
        reverse("customers:customer_set_inactive", args=[customer.pk]), follow=True
    )
    assert messages_of(response) == ["Old Co is inactive."]
    page = response.content.decode()
    assert "Reactivate" in page and "Put on hold…" not in page
    response = member_client.post(
        reverse("customers:customer_reactivate", args=[customer.pk]), follow=True
    )
    assert messages_of(response) == ["Old Co is active again."]
    assert stored(customer).status == S.ACTIVE


def test_a_refused_move_on_the_page_is_a_message(member_client, company):
    customer = CustomerFactory(company=company, name="Held Co", on_hold=True)
    response = member_client.post(
        reverse("customers:customer_reactivate", args=[customer.pk]), follow=True
    )
    assert messages_of(response) == ["Held Co is on hold, not inactive: release the hold instead."]
    assert stored(customer).status == S.ON_HOLD


def test_the_status_pages_are_post_only_and_company_scoped(member_client, company, other_company):
    customer = CustomerFactory(company=company)
    url = reverse("customers:customer_hold", args=[customer.pk])
    assert member_client.get(url).status_code == 405
    with scopes_disabled():
        foreign = CustomerFactory(company=other_company)
    response = member_client.post(
        reverse("customers:customer_hold", args=[foreign.pk]), {"reason": REASON}
    )
    assert response.status_code == 404
    with scopes_disabled():
        assert Customer.objects.get(pk=foreign.pk).status == S.ACTIVE


# --- the list -----------------------------------------------------------------------------------


def test_the_list_filters_by_status_and_shows_it(member_client, company):
    CustomerFactory(company=company, name="Active One")
    CustomerFactory(company=company, name="Held One", on_hold=True, hold_reason="Disputed bill")
    CustomerFactory(company=company, name="Gone One", inactive=True)
    url = reverse("customers:customer_list")

    def names(status):
        response = member_client.get(url, {"status": status})
        return {customer.name for customer in response.context["object_list"]}

    assert names("") == {"Active One", "Held One", "Gone One"}
    assert names("on_hold") == {"Held One"}
    assert names("inactive") == {"Gone One"}
    page = member_client.get(url).content.decode()
    assert '<span class="badge badge-warning">On hold</span>' in page
    assert "Disputed bill" in page
    assert '<span class="badge badge-muted">Inactive</span>' in page


def test_bulk_release_hold_and_a_refusal_changes_nothing(member_client, company):
    held = CustomerFactory(company=company, on_hold=True)
    gone = CustomerFactory(company=company, name="Gone Co", inactive=True)
    url = reverse("customers:customer_list")
    response = member_client.post(url, {"action": "release_hold", "ids": [held.pk, gone.pk]})
    assert "Gone Co is inactive, not on hold" in " ".join(messages_of(response))
    assert stored(held).status == S.ON_HOLD
    response = member_client.post(url, {"action": "release_hold", "ids": [held.pk]})
    assert messages_of(response)[-1] == "1 customer released from hold."
    assert stored(held).status == S.ACTIVE


# --- the admin ------------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, company):
    user = MembershipFactory(company=company, role=Membership.Role.ADMIN, user__is_staff=True).user
    user.user_permissions.set(Permission.objects.all())
    return login_as(client, user, company)


def admin_data(customer, **changes):
    data = {
        "name": customer.name,
        "customer_type": customer.customer_type_id,
        "email": customer.email,
        "status": customer.status,
        "hold_reason": customer.hold_reason,
        "version": stored(customer).version,
    }
    return {**data, **changes}


def admin_post(client, customer, **changes):
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    # The inlines' management forms, as the page renders them.
    page = client.get(url).content.decode()
    return client.post(url, {**management_forms(page), **admin_data(customer, **changes)})


def management_forms(page: str) -> dict:
    """Every inline's ``*-TOTAL_FORMS``, ``*-INITIAL_FORMS``… hidden field, as rendered."""
    fields = re.findall(r"<input[^>]*_FORMS[^>]*>", page)
    found = {}
    for field in fields:
        name = re.search(r'name="([^"]+)"', field).group(1)
        value = re.search(r'value="([^"]*)"', field)
        found[name] = value.group(1) if value else ""
    return found


def test_the_admin_puts_on_hold_through_the_service(staff_client, company):
    customer = CustomerFactory(company=company)
    response = admin_post(staff_client, customer, status="on_hold", hold_reason=REASON)
    assert response.status_code == 302, response.content.decode()[:3000]
    customer = stored(customer)
    assert (customer.status, customer.hold_reason) == (S.ON_HOLD, REASON)
    assert customer.held_at is not None and customer.held_by is not None
    assert events_of(customer).get().body == f"Put on hold. Reason: {REASON}"


def test_the_admin_refuses_a_hold_without_a_reason(staff_client, company):
    customer = CustomerFactory(company=company)
    response = admin_post(staff_client, customer, status="on_hold", hold_reason="")
    assert response.status_code == 200
    assert "Say why the customer is on hold." in response.content.decode()
    assert stored(customer).status == S.ACTIVE


def test_the_admin_refuses_a_move_the_table_does_not_allow(staff_client, company):
    customer = CustomerFactory(company=company, inactive=True)
    response = admin_post(staff_client, customer, status="on_hold", hold_reason=REASON)
    assert response.status_code == 200
    assert "cannot become on hold" in response.content.decode()
    assert stored(customer).status == S.INACTIVE


def test_the_admin_release_drops_the_reason(staff_client, company):
    customer = CustomerFactory(company=company, on_hold=True)
    response = admin_post(staff_client, customer, status="active")
    assert response.status_code == 302
    customer = stored(customer)
    assert (customer.status, customer.hold_reason, customer.held_at) == (S.ACTIVE, "", None)
    assert events_of(customer).get().body == "Hold released."


def test_the_admin_actions_go_through_the_services(staff_client, company):
    held = CustomerFactory(company=company, on_hold=True)
    gone = CustomerFactory(company=company, name="Gone Co", inactive=True)
    url = reverse("admin:customers_customer_changelist")
    response = staff_client.post(
        url,
        {"action": "release_hold", "_selected_action": [held.pk, gone.pk]},
        follow=True,
    )
    text = " ".join(messages_of(response))
    assert "Gone Co: Gone Co is inactive, not on hold" in text
    assert "1 customer(s) changed." in text
    assert stored(held).status == S.ACTIVE
    staff_client.post(url, {"action": "reactivate", "_selected_action": [gone.pk]})
    assert stored(gone).status == S.ACTIVE


def test_the_admin_lists_and_filters_by_status(staff_client, company):
    CustomerFactory(company=company, name="Held One", on_hold=True)
    CustomerFactory(company=company, name="Active One")
    response = staff_client.get(
        reverse("admin:customers_customer_changelist"), {"status__exact": "on_hold"}
    )
    assert [c.name for c in response.context["cl"].result_list] == ["Held One"]


def test_a_second_company_is_not_touched_by_the_admin(staff_client, company):
    with scopes_disabled():
        other = CompanyFactory(slug="other")
        with scope(company=other):
            foreign = CustomerFactory(company=other)
    url = reverse("admin:customers_customer_change", args=[foreign.pk])
    missing = reverse("admin:customers_customer_change", args=[foreign.pk + 10_000])
    # Exactly like an id that does not exist: the admin's redirect to the list.
    assert staff_client.get(url).status_code == staff_client.get(missing).status_code == 302
    response = staff_client.post(url, {"status": "inactive", "name": "Taken over"})
    assert response.status_code == 302
    with scopes_disabled():
        foreign.refresh_from_db()
    assert (foreign.status, foreign.name) != ("inactive", "Taken over")
