"""``quotation_accept_by_customer``: the portal's "accept and order" as one service, all or
nothing, and the same order however often it is called."""

import pytest

from crm.errors import DomainError
from customers import services as customers_services
from selling import services
from selling.models import Quotation, SalesOrder
from tests.factories import CustomerFactory, CustomerUserFactory
from tests.portal.documents import sent_quotation

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(company):
    return CustomerFactory(company=company, name="Nordlicht Retail GmbH")


@pytest.fixture
def buyer(customer):
    return CustomerUserFactory(customer=customer, first_name="Ben")


def test_accepting_makes_a_confirmed_order_of_the_customer_user(customer, buyer, member):
    quotation = sent_quotation(customer, member)
    order, made = services.quotation_accept_by_customer(quotation=quotation, customer_user=buyer)
    assert made is True
    assert order.status == SalesOrder.Status.CONFIRMED
    assert order.customer_user == buyer
    assert order.created_by is None  # a customer user is no staff user
    quotation.refresh_from_db()
    assert quotation.status == Quotation.Status.ORDERED
    assert quotation.customer_user == buyer

    again, made = services.quotation_accept_by_customer(quotation=quotation, customer_user=buyer)
    assert (again, made) == (order, False)
    assert SalesOrder.objects.filter(quotation=quotation).count() == 1


def test_the_person_a_quotation_was_made_out_to_keeps_it(customer, buyer, member):
    colleague = CustomerUserFactory(customer=customer)
    quotation = sent_quotation(customer, member)
    Quotation.objects.filter(pk=quotation.pk).update(customer_user=colleague)
    order, _ = services.quotation_accept_by_customer(quotation=quotation, customer_user=buyer)
    quotation.refresh_from_db()
    assert quotation.customer_user == colleague
    assert order.customer_user == buyer


def test_only_a_sent_quotation_is_accepted(customer, buyer, member):
    quotation = sent_quotation(customer, member)
    services.quotation_reject(quotation=quotation, actor=member)
    with pytest.raises(DomainError, match="is rejected: only a sent quotation can be accepted"):
        services.quotation_accept_by_customer(quotation=quotation, customer_user=buyer)
    assert not SalesOrder.objects.exists()


def test_a_refusal_leaves_the_quotation_as_it_was(customer, buyer, member):
    quotation = sent_quotation(customer, member)
    customers_services.customer_put_on_hold(customer=customer, reason="Unpaid", actor=member)
    with pytest.raises(DomainError):
        services.quotation_accept_by_customer(quotation=quotation, customer_user=buyer)
    quotation.refresh_from_db()
    assert quotation.status == Quotation.Status.SENT
    assert quotation.customer_user is None
    assert not SalesOrder.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_once_make_one_order():
    """A double click that reaches two workers: one order, and both answers name it."""
    from django.db import connection
    from django_scopes import scope

    from tests.factories import CompanyFactory, UserFactory
    from tests.selling.test_concurrency import at_once

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL to run the concurrency tests")
    company = CompanyFactory()
    with scope(company=company):
        customer = CustomerFactory(company=company)
        buyer = CustomerUserFactory(customer=customer)
        quotation = sent_quotation(customer, UserFactory())

    results, errors = at_once(
        2,
        company,
        lambda: services.quotation_accept_by_customer(quotation=quotation, customer_user=buyer),
    )
    assert not errors
    assert {order.pk for order, _ in results} == {results[0][0].pk}
    assert sorted(made for _, made in results) == [False, True]
    with scope(company=company):
        assert SalesOrder.objects.filter(quotation=quotation).count() == 1
