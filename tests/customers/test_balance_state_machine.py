"""Any mix of confirming, fulfilling, cancelling, paying from the balance, refunds, credits and
corrections, in any order: after every step the stored balance is the ledger's sum (never below
zero), the lifetime sales value is the net total of the booked orders, and every order's payment
figures agree with the ledger."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from crm.errors import DomainError
from crm.money import round_money
from customers import balance
from customers.models import BalanceEntry, Customer
from customers.setup import customers_defaults_apply
from selling import services as selling
from selling.models import SalesOrder
from tests.factories import CompanyFactory, CustomerFactory, ProductFactory, UserFactory

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300"), places=2)
prices = st.sampled_from([Decimal("9.99"), Decimal("50"), Decimal("120.50"), Decimal("333.33")])


class AccountMachine(RuleBasedStateMachine):
    @initialize()
    def open_account(self):
        self.company = CompanyFactory()
        customers_defaults_apply(self.company)
        self.customer = CustomerFactory(company=self.company)
        self.staff = UserFactory()
        self.orders: list[SalesOrder] = []

    def _snapshot(self):
        return (
            BalanceEntry.objects.filter(customer=self.customer).count(),
            list(
                Customer.objects.filter(pk=self.customer.pk).values_list(
                    "balance", "lifetime_sales_value"
                )
            ),
            list(
                SalesOrder.objects.filter(customer=self.customer)
                .values_list("status", "balance_applied", "balance_refunded")
                .order_by("pk")
            ),
        )

    def _try(self, action):
        """Run a move the rules may refuse (paying a cancelled order, over-drawing): a refused
        one changes nothing."""
        before = self._snapshot()
        try:
            action()
        except DomainError:
            assert self._snapshot() == before

    @rule(amount=amounts)
    def credit(self, amount):
        balance.balance_credit(customer=self.customer, amount=amount, reason="test", actor=None)

    @rule(amount=amounts, sign=st.sampled_from([1, -1]))
    def correct(self, amount, sign):
        self._try(
            lambda: balance.balance_correct(
                customer=self.customer, amount=amount * sign, reason="test", actor=None
            )
        )

    @rule(price=prices, quantity=st.integers(min_value=1, max_value=3), confirm=st.booleans())
    def order(self, price, quantity, confirm):
        product = ProductFactory(company=self.company, unit_price=price, vat_rate=Decimal("19"))
        order = selling.order_create(customer=self.customer, actor=None)
        selling.document_lines_save(
            document=order,
            actor=None,
            lines=[selling.LineInput(product=product, quantity=Decimal(quantity))],
        )
        if confirm:
            order = selling.order_confirm(order=order, actor=None)
        self.orders.append(order)

    @rule(data=st.data())
    def confirm(self, data):
        if self.orders:
            order = data.draw(st.sampled_from(self.orders))
            self._try(lambda: selling.order_confirm(order=order, actor=None))

    @rule(data=st.data())
    def fulfil(self, data):
        if self.orders:
            order = data.draw(st.sampled_from(self.orders))
            self._try(lambda: selling.order_fulfil(order=order, actor=None))

    @rule(data=st.data())
    def cancel(self, data):
        if self.orders:
            order = data.draw(st.sampled_from(self.orders))
            self._try(lambda: selling.order_cancel(order=order, actor=None))

    @rule(data=st.data(), amount=st.one_of(st.none(), amounts))
    def pay(self, data, amount):
        if self.orders:
            order = data.draw(st.sampled_from(self.orders))
            self._try(lambda: selling.order_apply_balance(order=order, actor=None, amount=amount))

    @invariant()
    def balance_is_the_ledger(self):
        if not hasattr(self, "customer"):
            return
        stored = Customer.objects.get(pk=self.customer.pk).balance
        ledger = BalanceEntry.objects.filter(customer=self.customer).aggregate(t=Sum("amount"))
        assert stored == round_money(ledger["t"] or 0)  # SQLite sums decimals as floats
        assert stored >= 0

    @invariant()
    def lifetime_value_is_the_booked_orders(self):
        if not hasattr(self, "customer"):
            return
        stored = Customer.objects.get(pk=self.customer.pk).lifetime_sales_value
        booked = SalesOrder.objects.filter(
            customer=self.customer, status__in=SalesOrder.BOOKED
        ).aggregate(t=Sum("net_total"))
        assert stored == round_money(booked["t"] or 0)

    @invariant()
    def orders_agree_with_the_ledger(self):
        if not hasattr(self, "customer"):
            return
        for order in SalesOrder.objects.filter(customer=self.customer):
            paid = balance.balance_paid_by(order)
            assert order.balance_applied == paid
            assert 0 <= order.balance_applied <= order.gross_total
            if order.status == SalesOrder.Status.CANCELLED:
                assert order.balance_refunded == order.balance_applied
                assert order.amount_due == 0
            else:
                assert order.balance_refunded == 0
                assert order.amount_due == order.gross_total - order.balance_applied


@pytest.mark.django_db
def test_balance_and_lifetime_value_hold_under_any_sequence():
    machine = AccountMachine
    machine.TestCase.settings = settings(
        max_examples=25,
        stateful_step_count=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    with scopes_disabled():
        machine.TestCase().runTest()


@pytest.mark.django_db
def test_the_rest_of_a_part_paid_order_is_taken_from_the_balance_to_the_cent():
    """Hypothesis found it on SQLite: 14.49 paid, then the rest (21.17) of 35.66 refused by the
    check constraint, the sum worked out in floating point."""
    with scopes_disabled():
        company = CompanyFactory()
        customers_defaults_apply(company)
        customer = CustomerFactory(company=company)
        balance.balance_credit(customer=customer, amount=Decimal("40"), reason="test", actor=None)
        product = ProductFactory(
            company=company, unit_price=Decimal("9.99"), vat_rate=Decimal("19")
        )
        order = selling.order_create(customer=customer, actor=None)
        selling.document_lines_save(
            document=order,
            actor=None,
            lines=[selling.LineInput(product=product, quantity=Decimal(3))],
        )
        order = selling.order_confirm(order=order, actor=None)
        assert order.gross_total == Decimal("35.66")

        selling.order_apply_balance(order=order, actor=None, amount=Decimal("14.49"))
        taken = selling.order_apply_balance(order=order, actor=None)

        assert taken == Decimal("21.17")
        order.refresh_from_db()
        assert order.balance_applied == Decimal("35.66") and order.amount_due == 0
        assert Customer.objects.get(pk=customer.pk).balance == Decimal("4.34")
