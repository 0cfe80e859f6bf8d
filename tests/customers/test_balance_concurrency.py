"""Many people on one balance at once (PostgreSQL: row locks). The stored balance never goes
below zero and always equals the ledger; a gift card code credits once however many redeem it."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from crm.errors import DomainError
from customers import balance
from customers.models import BalanceEntry, Customer
from customers.setup import customers_defaults_apply
from selling import services as selling
from tests.factories import CompanyFactory, CustomerFactory, ProductFactory, UserFactory
from tests.selling.test_concurrency import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL to run the concurrency tests")


@pytest.fixture
def setting():
    from django_scopes import scope

    company = CompanyFactory(slug="race")
    with scope(company=company):
        customers_defaults_apply(company)
        customer = CustomerFactory(company=company, name="Race Ltd")
        yield company, customer, UserFactory()


def ledger_total(customer) -> Decimal:
    return BalanceEntry.objects.filter(customer=customer).aggregate(t=Sum("amount"))["t"]


def test_sixteen_debits_never_take_the_balance_below_zero(setting):
    company, customer, staff = setting
    balance.balance_credit(customer=customer, amount="100", reason="Deposit", actor=staff)

    def debit():
        return balance.balance_correct(customer=customer, amount="-15", reason="Race", actor=staff)

    results, errors = at_once(16, company, debit)

    assert len(results) == 6  # 6 x 15 = 90 fits into 100; the seventh would go below zero
    assert len(errors) == 10
    assert all(isinstance(e, DomainError) and "has only 10.00" in str(e) for e in errors)
    stored = Customer.objects.get(pk=customer.pk).balance
    assert stored == ledger_total(customer) == Decimal("10.00")
    afters = sorted(
        BalanceEntry.objects.filter(customer=customer).values_list("balance_after", flat=True)
    )
    assert afters == [Decimal(v) for v in ("10", "25", "40", "55", "70", "85", "100")]


def test_sixteen_orders_paying_from_one_balance_at_once(setting):
    company, customer, staff = setting
    balance.balance_credit(customer=customer, amount="250", reason="Deposit", actor=staff)
    product = ProductFactory(company=company, unit_price=Decimal("40"), vat_rate=Decimal("0"))
    orders = []
    for _ in range(16):
        order = selling.order_create(customer=customer, actor=staff)
        selling.document_lines_save(
            document=order, actor=staff, lines=[selling.LineInput(product=product, quantity=1)]
        )
        orders.append(selling.order_confirm(order=order, actor=staff))
    queue = list(orders)

    def pay():
        return selling.order_apply_balance(order=queue.pop(), actor=staff)

    results, errors = at_once(16, company, pay)

    assert sum(results) == Decimal("250.00")  # 6 orders in full, one for 10, the rest refused
    assert all("nothing on its balance" in str(e) for e in errors)
    assert Customer.objects.get(pk=customer.pk).balance == ledger_total(customer) == 0
    applied = sum(o.balance_applied for o in type(orders[0]).objects.filter(customer=customer))
    assert applied == Decimal("250.00")


def test_one_gift_card_redeemed_by_eight_at_once_credits_once(setting):
    company, customer, staff = setting
    _card, code = balance.gift_card_issue(company=company, amount="80", actor=staff)

    results, errors = at_once(
        8, company, lambda: balance.gift_card_redeem(customer=customer, code=code, actor=staff)
    )

    assert len(results) == 1
    assert len(errors) == 7
    assert all("was redeemed on" in str(e) for e in errors)
    assert Customer.objects.get(pk=customer.pk).balance == ledger_total(customer) == Decimal("80")
