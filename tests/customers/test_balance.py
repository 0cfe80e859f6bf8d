"""The balance ledger and gift cards: credits, corrections, redemptions, payments and refunds."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from crm.errors import DomainError
from crm.money import round_money
from customers import balance
from customers.models import BalanceEntry, Customer, GiftCard
from customers.setup import customers_defaults_apply
from selling import services as selling
from selling.models import SalesOrder
from tests.conftest import at_noon
from tests.factories import CustomerFactory, ProductFactory, UserFactory


@pytest.fixture
def customer(company):
    customers_defaults_apply(company)
    return CustomerFactory(company=company, name="Nordwind GmbH")


@pytest.fixture
def staff(company):
    return UserFactory()


def stored(customer) -> Decimal:
    return Customer.objects.get(pk=customer.pk).balance


def ledger(customer) -> Decimal:
    total = BalanceEntry.objects.filter(customer=customer).aggregate(t=Sum("amount"))["t"]
    return round_money(total or Decimal("0"))  # SQLite sums decimals as floats


def confirmed_order(company, customer, actor, price="100.00") -> SalesOrder:
    product = ProductFactory(company=company, unit_price=Decimal(price), vat_rate=Decimal("0"))
    order = selling.order_create(customer=customer, actor=actor)
    selling.document_lines_save(
        document=order,
        actor=actor,
        lines=[selling.LineInput(product=product, quantity=Decimal("1"))],
    )
    return selling.order_confirm(order=order, actor=actor)


# --- credits and corrections ---------------------------------------------------------------------


def test_credit_adds_an_entry_and_moves_the_stored_balance(customer, staff):
    entry = balance.balance_credit(
        customer=customer, amount="25.50", reason="Late delivery", actor=staff
    )
    assert entry.kind == BalanceEntry.Kind.CREDIT
    assert entry.amount == Decimal("25.50")
    assert entry.balance_after == Decimal("25.50")
    assert entry.created_by == staff
    assert stored(customer) == ledger(customer) == Decimal("25.50")


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        ("0", "Goodwill", "more than zero"),
        ("-5", "Goodwill", "more than zero"),
        ("abc", "Goodwill", "must be an amount"),
        ("10", "  ", "Say why"),
    ],
)
def test_a_bad_credit_is_refused_and_changes_nothing(customer, staff, amount, reason, message):
    with pytest.raises(DomainError, match=message):
        balance.balance_credit(customer=customer, amount=amount, reason=reason, actor=staff)
    assert not BalanceEntry.objects.exists()
    assert stored(customer) == 0


def test_a_correction_cannot_take_the_balance_below_zero(customer, staff):
    balance.balance_credit(customer=customer, amount="10", reason="Goodwill", actor=staff)
    with pytest.raises(DomainError, match="has only 10.00"):
        balance.balance_correct(customer=customer, amount="-10.01", reason="Typo", actor=staff)
    balance.balance_correct(customer=customer, amount="-4", reason="Typo", actor=staff)
    assert stored(customer) == ledger(customer) == Decimal("6.00")
    assert BalanceEntry.objects.count() == 2


def test_entries_are_never_changed_or_deleted(customer, staff):
    entry = balance.balance_credit(customer=customer, amount="10", reason="Goodwill", actor=staff)
    entry.amount = Decimal("1000")
    with pytest.raises(TypeError, match="never changed"):
        entry.save()
    with pytest.raises(TypeError, match="never deleted"):
        entry.delete()
    assert BalanceEntry.objects.get().amount == Decimal("10.00")


def test_the_database_refuses_a_negative_balance(customer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(pk=customer.pk).update(balance=Decimal("-1"))


def test_the_database_refuses_an_entry_whose_sign_does_not_fit_its_kind(customer, company):
    with pytest.raises(IntegrityError), transaction.atomic():
        BalanceEntry.objects.create(
            company=company,
            customer=customer,
            kind=BalanceEntry.Kind.CREDIT,
            amount=Decimal("-5"),
            balance_after=Decimal("0"),
        )


# --- gift cards ----------------------------------------------------------------------------------


def test_a_gift_card_code_is_not_stored_and_redeems_once(company, customer, staff):
    card, code = balance.gift_card_issue(company=company, amount="50", actor=staff)
    assert len(balance.gift_card_normalize(code)) == 16
    stored_values = [str(v) for v in GiftCard.objects.values_list(flat=False).get()]
    assert not any(balance.gift_card_normalize(code) in value for value in stored_values)
    assert card.code_hint == balance.gift_card_normalize(code)[-4:]

    # Typed in lower case, with spaces, O for 0: still the same card.
    typed = code.lower().replace("-", " ").replace("0", "o")
    entry = balance.gift_card_redeem(customer=customer, code=typed, actor=staff)
    assert entry.kind == BalanceEntry.Kind.GIFT_CARD
    assert stored(customer) == Decimal("50.00")
    card.refresh_from_db()
    assert card.redeemed_by == customer
    assert card.redeemed_at is not None

    with pytest.raises(DomainError, match="was redeemed on"):
        balance.gift_card_redeem(customer=customer, code=code, actor=staff)
    assert stored(customer) == ledger(customer) == Decimal("50.00")


def test_codes_are_different_every_time(company, staff):
    codes = {
        balance.gift_card_issue(company=company, amount="1", actor=staff)[1] for _ in range(50)
    }
    assert len(codes) == 50


def test_an_unknown_code_is_refused(customer, staff):
    with pytest.raises(DomainError, match="No gift card has this code"):
        balance.gift_card_redeem(customer=customer, code="AAAA-BBBB-CCCC-DDDD", actor=staff)
    with pytest.raises(DomainError, match="Enter the gift card"):
        balance.gift_card_redeem(customer=customer, code=" - ", actor=staff)


def test_an_expired_card_is_refused(company, customer, staff):
    with at_noon():
        today = timezone.localdate()
        _card, code = balance.gift_card_issue(
            company=company, amount="20", expires_on=today + datetime.timedelta(days=3), actor=staff
        )
    later = time_machine.travel(timezone.now() + datetime.timedelta(days=5), tick=True)
    with later, pytest.raises(DomainError, match="expired on"):
        balance.gift_card_redeem(customer=customer, code=code, actor=staff)
    assert stored(customer) == 0


def test_a_card_for_one_customer_is_refused_for_another(company, customer, staff):
    other = CustomerFactory(company=company, name="Südwind AG")
    _card, code = balance.gift_card_issue(company=company, amount="20", customer=other, actor=staff)
    with pytest.raises(DomainError, match="another customer"):
        balance.gift_card_redeem(customer=customer, code=code, actor=staff)
    balance.gift_card_redeem(customer=other, code=code, actor=staff)
    assert stored(other) == Decimal("20.00")


def test_another_companys_card_is_unknown(company, other_company, customer, staff):
    _card, code = balance.gift_card_issue(company=other_company, amount="20", actor=staff)
    with pytest.raises(DomainError, match="No gift card has this code"):
        balance.gift_card_redeem(customer=customer, code=code, actor=staff)


# --- paying an order -----------------------------------------------------------------------------


def test_an_order_is_paid_in_part_from_the_balance(company, customer, staff):
    balance.balance_credit(customer=customer, amount="30", reason="Deposit", actor=staff)
    order = confirmed_order(company, customer, staff, price="100.00")

    taken = selling.order_apply_balance(order=order, actor=staff)

    order.refresh_from_db()
    assert taken == Decimal("30.00")
    assert order.gross_total == Decimal("100.00")
    assert order.balance_applied == Decimal("30.00")
    assert order.amount_due == Decimal("70.00")
    assert stored(customer) == ledger(customer) == 0
    payment = BalanceEntry.objects.get(kind=BalanceEntry.Kind.PAYMENT)
    assert payment.amount == Decimal("-30.00")
    assert payment.reference == order.number
    assert payment.source == order


def test_paying_never_takes_more_than_is_due(company, customer, staff):
    balance.balance_credit(customer=customer, amount="500", reason="Deposit", actor=staff)
    order = confirmed_order(company, customer, staff, price="100.00")
    assert selling.order_apply_balance(order=order, actor=staff, amount=Decimal("40")) == Decimal(
        "40.00"
    )
    assert selling.order_apply_balance(order=order, actor=staff) == Decimal("60.00")
    with pytest.raises(DomainError, match="paid in full"):
        selling.order_apply_balance(order=order, actor=staff)
    assert stored(customer) == ledger(customer) == Decimal("400.00")


def test_a_draft_order_cannot_be_paid(company, customer, staff):
    balance.balance_credit(customer=customer, amount="500", reason="Deposit", actor=staff)
    order = selling.order_create(customer=customer, actor=staff)
    with pytest.raises(DomainError, match="only a confirmed or fulfilled order"):
        selling.order_apply_balance(order=order, actor=staff)


def test_an_empty_balance_says_so(company, customer, staff):
    order = confirmed_order(company, customer, staff)
    with pytest.raises(DomainError, match="nothing on its balance"):
        selling.order_apply_balance(order=order, actor=staff)
    assert not BalanceEntry.objects.exists()


def test_cancelling_refunds_what_was_applied_once(company, customer, staff):
    balance.balance_credit(customer=customer, amount="30", reason="Deposit", actor=staff)
    order = confirmed_order(company, customer, staff)
    selling.order_apply_balance(order=order, actor=staff)

    selling.order_cancel(order=order, actor=staff, reason="Changed their mind")
    order.refresh_from_db()
    assert order.balance_refunded == Decimal("30.00")
    assert order.amount_due == 0
    assert stored(customer) == ledger(customer) == Decimal("30.00")

    with pytest.raises(DomainError):
        selling.order_cancel(order=order, actor=staff)
    with pytest.raises(DomainError, match="refunded already"):
        balance.balance_refund(
            customer=customer,
            amount=Decimal("30"),
            source=order,
            reference=order.number,
            actor=staff,
        )
    assert BalanceEntry.objects.filter(kind=BalanceEntry.Kind.REFUND).count() == 1
    assert stored(customer) == Decimal("30.00")


def test_the_database_allows_one_refund_per_order(company, customer, staff):
    balance.balance_credit(customer=customer, amount="30", reason="Deposit", actor=staff)
    order = confirmed_order(company, customer, staff)
    selling.order_apply_balance(order=order, actor=staff)
    selling.order_cancel(order=order, actor=staff)
    refund = BalanceEntry.objects.get(kind=BalanceEntry.Kind.REFUND)
    with pytest.raises(IntegrityError), transaction.atomic():
        BalanceEntry.objects.create(
            company=company,
            customer=customer,
            kind=BalanceEntry.Kind.REFUND,
            amount=Decimal("30"),
            balance_after=Decimal("60"),
            source_type=refund.source_type,
            source_id=refund.source_id,
        )


# --- lifetime sales value ------------------------------------------------------------------------


def test_lifetime_sales_value_counts_booked_orders_net(company, customer, staff):
    first = confirmed_order(company, customer, staff, price="100.00")
    second = confirmed_order(company, customer, staff, price="40.00")
    draft = selling.order_create(customer=customer, actor=staff)
    customer.refresh_from_db()
    assert customer.lifetime_sales_value == Decimal("140.00")

    selling.order_fulfil(order=first, actor=staff)
    selling.order_cancel(order=second, actor=staff)
    selling.order_cancel(order=draft, actor=staff)
    customer.refresh_from_db()
    assert customer.lifetime_sales_value == Decimal("100.00")


def test_a_stale_copy_saved_by_the_service_keeps_the_figures(company, customer, staff):
    from customers import services as customer_services

    stale = Customer.objects.get(pk=customer.pk)
    balance.balance_credit(customer=customer, amount="100", reason="Deposit", actor=staff)
    order = confirmed_order(company, customer, staff, price="50.00")
    selling.order_apply_balance(order=order, actor=staff)
    stale.name = "Renamed"
    stale.edited_by(staff, seen_version=stale.version)

    customer_services.customer_save(customer=stale, actor=staff)

    stored = Customer.objects.get(pk=customer.pk)
    assert stored.name == "Renamed"
    assert stored.balance == ledger(customer) == Decimal("50.00")
    assert stored.lifetime_sales_value == Decimal("50.00")


def test_a_balance_too_large_for_its_column_is_refused(customer, staff):
    balance.balance_credit(customer=customer, amount="1", reason="x", actor=staff)
    with pytest.raises(DomainError, match="too large"):
        balance.balance_credit(customer=customer, amount="999999999999.99", reason="x", actor=staff)
    assert stored(customer) == Decimal("1.00")


def test_the_same_issue_form_sent_twice_issues_one_card(company, staff):
    import uuid

    key = uuid.uuid4()
    balance.gift_card_issue(company=company, amount="10", issue_key=key, actor=staff)
    with pytest.raises(DomainError, match="sent already"):
        balance.gift_card_issue(company=company, amount="10", issue_key=key, actor=staff)
    assert GiftCard.objects.count() == 1


def test_a_sub_cent_payment_is_refused_clearly(company, customer, staff):
    balance.balance_credit(customer=customer, amount="100", reason="x", actor=staff)
    order = confirmed_order(company, customer, staff)
    with pytest.raises(DomainError, match="more than zero"):
        selling.order_apply_balance(order=order, actor=staff, amount=Decimal("0.001"))
