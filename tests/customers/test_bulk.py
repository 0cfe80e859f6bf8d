"""Assigning customers to a salesperson, marking them inactive or active again: the services and
the customer list's bulk actions."""

import threading
from unittest.mock import ANY

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from crm.errors import DomainError
from crm.models import SystemEvent
from customers.models import Customer
from customers.services import (
    customer_assign_salesperson,
    customer_reactivate,
    customer_set_inactive,
)
from tests.conftest import login_as
from tests.factories import (
    CustomerFactory,
    CustomerTypeFactory,
    SalespersonFactory,
)

CUSTOMERS = reverse("customers:customer_list")


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def events_of(owner):
    return SystemEvent.objects.filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
    )


@pytest.fixture
def maria(company):
    return SalespersonFactory(company=company, name="Maria Manager")


@pytest.fixture
def business(company):
    return CustomerTypeFactory(company=company, name="Business", is_business=True)


# --- customer_assign_salesperson --------------------------------------------------------------


def test_assigning_a_customer_logs_who_it_went_to(company, member, maria):
    sam = SalespersonFactory(company=company, name="Sam Seller")
    customer = CustomerFactory(company=company, salesperson=sam)

    returned = customer_assign_salesperson(customer=customer, salesperson=maria, actor=member)

    customer.refresh_from_db()
    assert customer.salesperson == maria == returned.salesperson
    event = events_of(customer).get()
    assert event.event_kind == "other"
    assert event.body == "Assigned to Maria Manager (previously Sam Seller)."
    assert event.author == member
    assert event.data == {"event": "assignment", "from": sam.pk, "to": maria.pk, "message": ANY}


def test_assigning_an_unassigned_customer(company, member, maria):
    customer = customer_assign_salesperson(
        customer=CustomerFactory(company=company), salesperson=maria, actor=member
    )
    assert events_of(customer).get().body == "Assigned to Maria Manager."


def test_assigning_the_same_salesperson_again_changes_and_logs_nothing(company, member, maria):
    customer = CustomerFactory(company=company, salesperson=maria)
    before = Customer.objects.get(pk=customer.pk).updated_at
    customer_assign_salesperson(customer=customer, salesperson=maria, actor=member)
    assert Customer.objects.get(pk=customer.pk).updated_at == before
    assert not events_of(customer).exists()


def test_another_companys_salesperson_is_refused(company, other_company, member):
    with scopes_disabled():
        foreign = SalespersonFactory(company=other_company)
    customer = CustomerFactory(company=company)
    with pytest.raises(DomainError, match="does not belong to your company"):
        customer_assign_salesperson(customer=customer, salesperson=foreign, actor=member)
    customer.refresh_from_db()
    assert customer.salesperson is None
    assert not SystemEvent.objects.exists()


def test_an_inactive_salesperson_is_refused(company, member):
    gone = SalespersonFactory(company=company, name="Gone Person", is_active=False)
    customer = CustomerFactory(company=company)
    with pytest.raises(DomainError, match="Gone Person is no longer active"):
        customer_assign_salesperson(customer=customer, salesperson=gone, actor=member)
    customer.refresh_from_db()
    assert customer.salesperson is None


def test_another_companys_customer_is_not_found(company, other_company, member, maria):
    with scopes_disabled():
        foreign = CustomerFactory(company=other_company)
    with pytest.raises(Customer.DoesNotExist):
        customer_assign_salesperson(customer=foreign, salesperson=maria, actor=member)


# --- customer_set_inactive, customer_reactivate ------------------------------------------------


def test_deactivate_then_reactivate_a_customer(company, member):
    customer = CustomerFactory(company=company)

    customer_set_inactive(customer=customer, actor=member)
    customer.refresh_from_db()
    assert customer.status == Customer.Status.INACTIVE
    event = events_of(customer).get()
    assert (event.event_kind, event.body, event.author) == (
        "status_change",
        "Marked inactive.",
        member,
    )
    assert event.data == {"from": "active", "to": "inactive", "message": ANY}

    customer_reactivate(customer=customer, actor=member)
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE
    latest = events_of(customer).order_by("-pk").first()
    assert latest.body == "Marked active again."
    assert latest.data == {"from": "inactive", "to": "active", "message": ANY}


def test_setting_the_state_it_has_changes_and_logs_nothing(company, member):
    customer = CustomerFactory(company=company, inactive=True)
    before = Customer.objects.get(pk=customer.pk).updated_at
    customer_set_inactive(customer=customer, actor=member)
    assert Customer.objects.get(pk=customer.pk).updated_at == before
    assert not events_of(customer).exists()


def test_another_companys_customer_cannot_be_deactivated(company, other_company, member):
    with scopes_disabled():
        foreign = CustomerFactory(company=other_company)
    with pytest.raises(Customer.DoesNotExist):
        customer_set_inactive(customer=foreign, actor=member)
    with scopes_disabled():
        foreign.refresh_from_db()
        assert foreign.status == Customer.Status.ACTIVE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_assigning_at_once_leave_one_consistent_history():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL to run this test")
    from tests.factories import CompanyFactory

    company = CompanyFactory()
    with scope(company=company):
        sellers = SalespersonFactory.create_batch(8, company=company)
        customer = CustomerFactory(company=company)
    barrier = threading.Barrier(len(sellers))
    errors = []

    def assign(seller):
        try:
            with scope(company=company):
                barrier.wait()
                customer_assign_salesperson(customer=customer, salesperson=seller, actor=None)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(seller,)) for seller in sellers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with scope(company=company):
        customer.refresh_from_db()
        events = list(events_of(customer).order_by("pk"))
        # Each hand-over names the salesperson the one before it handed to: no lost update.
        assert len(events) == len(sellers)
        assert events[0].data["from"] is None
        for before, after in zip(events, events[1:], strict=False):
            assert after.data["from"] == before.data["to"]
        assert events[-1].data["to"] == customer.salesperson_id


# --- the list's bulk actions ------------------------------------------------------------------


def test_the_customer_list_offers_assign_and_active_state(member_client, company):
    CustomerFactory(company=company)
    form = member_client.get(CUSTOMERS).context["bulk_form"]
    assert [name for name, _label in form.fields["action"].choices] == [
        "",
        "assign_salesperson",
        "mark_inactive",
        "mark_active",
        "release_hold",
    ]


def test_the_table_has_a_labelled_checkbox_per_row(member_client, company):
    customer = CustomerFactory(company=company, name="Krüger Bäckerei")
    html = member_client.get(CUSTOMERS).content.decode()
    assert (
        f'<label for="bulk-row-{customer.pk}" class="visually-hidden">'
        "Select Krüger Bäckerei</label>" in html
    )
    assert "Select all customers on this page" in html
    assert f'action="{CUSTOMERS}"' in html
    assert 'id="bulk_salesperson"' in html and 'id="id_salesperson"' in html


def test_assign_customers_and_land_on_the_same_filtered_page(
    member_client, company, maria, business
):
    customers = CustomerFactory.create_batch(3, company=company, customer_type=business)
    untouched = CustomerFactory(company=company)
    url = f"{CUSTOMERS}?customer_type={business.pk}&sort=name"

    response = member_client.post(
        url,
        {
            "action": "assign_salesperson",
            "salesperson": maria.pk,
            "ids": [x.pk for x in customers],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == url
    assert messages_of(response) == ["3 customers assigned to Maria Manager."]
    assert set(Customer.objects.filter(salesperson=maria)) == set(customers)
    untouched.refresh_from_db()
    assert untouched.salesperson is None
    assert all(events_of(c).get().body == "Assigned to Maria Manager." for c in customers)
    assert "Maria Manager" in member_client.get(url).content.decode()


def test_mark_customers_inactive_then_active_again(member_client, company):
    customers = CustomerFactory.create_batch(2, company=company)
    ids = [x.pk for x in customers]

    response = member_client.post(CUSTOMERS, {"action": "mark_inactive", "ids": ids})
    assert messages_of(response) == ["2 customers marked inactive."]
    assert not Customer.objects.filter(status=Customer.Status.ACTIVE).exists()
    assert "Inactive" in member_client.get(CUSTOMERS).content.decode()

    response = member_client.post(CUSTOMERS, {"action": "mark_active", "ids": ids[:1]})
    assert messages_of(response) == ["1 customer marked active."]
    assert list(Customer.objects.filter(status=Customer.Status.ACTIVE)) == customers[:1]


def test_select_all_on_the_page(member_client, company):
    customers = CustomerFactory.create_batch(2, company=company)
    response = member_client.post(
        CUSTOMERS,
        {"action": "mark_inactive", "select_page": "1", "page_ids": [x.pk for x in customers]},
    )
    assert messages_of(response) == ["2 customers marked inactive."]


def test_no_rows_selected_changes_nothing(member_client, company, maria):
    customer = CustomerFactory(company=company)
    response = member_client.post(
        CUSTOMERS, {"action": "assign_salesperson", "salesperson": maria.pk}
    )
    assert messages_of(response) == ["Select the customers to change first."]
    customer.refresh_from_db()
    assert customer.salesperson is None
    assert not SystemEvent.objects.exists()


def test_assign_needs_a_salesperson(member_client, company):
    customer = CustomerFactory(company=company)
    response = member_client.post(CUSTOMERS, {"action": "assign_salesperson", "ids": [customer.pk]})
    assert messages_of(response) == ["Choose the salesperson for “Assign to a salesperson”."]
    customer.refresh_from_db()
    assert customer.salesperson is None


def test_an_unknown_action_changes_nothing(member_client, company):
    customer = CustomerFactory(company=company)
    response = member_client.post(CUSTOMERS, {"action": "delete", "ids": [customer.pk]})
    assert messages_of(response) == ["Choose one of the actions offered."]
    customer.refresh_from_db()
    assert customer.status == Customer.Status.ACTIVE


def test_another_companys_salesperson_is_not_offered_nor_accepted(
    member_client, company, other_company
):
    with scopes_disabled():
        foreign_seller = SalespersonFactory(company=other_company, name="Their Seller")
    SalespersonFactory(company=company, name="Gone", is_active=False)
    customer = CustomerFactory(company=company)
    page = member_client.get(CUSTOMERS)
    assert list(page.context["bulk_form"].fields["salesperson"].queryset) == []
    response = member_client.post(
        CUSTOMERS,
        {"action": "assign_salesperson", "salesperson": foreign_seller.pk, "ids": [customer.pk]},
    )
    assert messages_of(response) == [
        "Salesperson: Select a valid choice. That choice is not one of the available choices."
    ]
    customer.refresh_from_db()
    assert customer.salesperson is None
    assert not SystemEvent.objects.exists()


def test_another_companys_customers_are_not_found_and_not_touched(
    member_client, company, other_company, maria
):
    own = CustomerFactory(company=company)
    with scopes_disabled():
        foreign = CustomerFactory(company=other_company)
    response = member_client.post(
        CUSTOMERS,
        {"action": "assign_salesperson", "salesperson": maria.pk, "ids": [own.pk, foreign.pk]},
    )
    assert messages_of(response) == [
        "1 customer assigned to Maria Manager.",
        "1 selected customer was not found (deleted in the meantime?) and was left out.",
    ]
    with scopes_disabled():
        foreign.refresh_from_db()
        assert foreign.salesperson is None
        assert not events_of(foreign).exists()


def test_only_foreign_ids_change_nothing(member_client, company, other_company):
    with scopes_disabled():
        foreign = CustomerFactory(company=other_company)
    response = member_client.post(CUSTOMERS, {"action": "mark_inactive", "ids": [foreign.pk]})
    assert messages_of(response) == [
        "1 selected customer was not found (deleted in the meantime?) and was left out."
    ]
    with scopes_disabled():
        foreign.refresh_from_db()
        assert foreign.status == Customer.Status.ACTIVE


def test_a_salesperson_may_use_the_bulk_actions(client, company, salesperson_user, maria):
    own = SalespersonFactory(company=company, user=salesperson_user)
    customer = CustomerFactory(company=company, salesperson=own)
    login_as(client, salesperson_user, company)
    response = client.post(
        CUSTOMERS, {"action": "assign_salesperson", "salesperson": maria.pk, "ids": [customer.pk]}
    )
    assert messages_of(response) == ["1 customer assigned to Maria Manager."]


# --- query budgets ----------------------------------------------------------------------------


def _bulk_queries(client, company, rows, data) -> int:
    Customer.objects.all().delete()
    SystemEvent.objects.all().delete()
    customers = CustomerFactory.create_batch(rows, company=company)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(CUSTOMERS, {**data, "ids": [x.pk for x in customers]})
    assert response.status_code == 302
    return len(captured)


@pytest.mark.parametrize(
    "action, changed",
    [
        ("assign_salesperson", lambda maria: Customer.objects.filter(salesperson=maria)),
        ("mark_inactive", lambda maria: Customer.objects.filter(status=Customer.Status.INACTIVE)),
    ],
)
def test_bulk_queries_grow_by_a_fixed_amount_per_row(
    member_client, company, maria, action, changed
):
    """No hidden N+1 on top of the per-row service calls: each row costs the same."""
    data = {"action": action, "salesperson": maria.pk}

    def run(rows):
        count = _bulk_queries(member_client, company, rows, data)
        assert changed(maria).count() == rows
        return count

    run(1)  # warm the per-process caches (content types), which only the first call fills
    one, two, five = run(1), run(2), run(5)
    assert five - two == 3 * (two - one)
