"""The balance as people use it: the account card, the ledger page, gift cards, paying an order."""

from decimal import Decimal

import pytest
from django.urls import reverse

from customers import balance
from customers.models import BalanceEntry, Customer, GiftCard
from customers.setup import customers_defaults_apply
from customers.views.balance import ISSUED_CODE_KEY
from selling import services as selling
from tests.conftest import login_as
from tests.customers.test_pages import queries_for
from tests.factories import CustomerFactory, MembershipFactory, ProductFactory


@pytest.fixture
def customer(company):
    customers_defaults_apply(company)
    return CustomerFactory(company=company, name="Nordwind GmbH")


def balance_of(customer) -> Decimal:
    return Customer.objects.get(pk=customer.pk).balance


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_customer_page_shows_balance_lifetime_value_and_last_entries(
    member_client, customer, member
):
    balance.balance_credit(customer=customer, amount="120", reason="Late delivery", actor=member)
    response = member_client.get(customer.get_absolute_url())
    html = response.content.decode()
    assert "Lifetime sales value" in html
    assert "120.00" in html
    assert "Credit from the company" in html
    assert reverse("customers:balance", args=[customer.pk]) in html


def test_a_manager_credits_the_balance(member_client, customer, member):
    url = reverse("customers:balance_credit", args=[customer.pk])
    response = member_client.post(
        url, {"credit-amount": "40.00", "credit-reason": "Goodwill"}, follow=True
    )
    assert "40.00 EUR credited" in " ".join(messages_of(response))
    entry = BalanceEntry.objects.get()
    assert (entry.amount, entry.reason, entry.created_by) == (Decimal("40.00"), "Goodwill", member)
    assert balance_of(customer) == Decimal("40.00")


def test_a_bad_credit_says_what_to_fix_and_changes_nothing(member_client, customer):
    url = reverse("customers:balance_credit", args=[customer.pk])
    response = member_client.post(url, {"credit-amount": "-3", "credit-reason": ""}, follow=True)
    said = " ".join(messages_of(response))
    assert "more than zero" in said
    assert "Reason" in said
    assert not BalanceEntry.objects.exists()


def test_a_salesperson_may_redeem_but_not_credit(client, company, customer, member):
    seller = MembershipFactory(company=company, role="salesperson").user
    seller_client = login_as(client, seller, company)
    response = seller_client.post(
        reverse("customers:balance_credit", args=[customer.pk]),
        {"credit-amount": "40.00", "credit-reason": "Goodwill"},
    )
    assert response.status_code == 403
    _card, code = balance.gift_card_issue(company=company, amount="30", actor=member)
    response = seller_client.post(
        reverse("customers:gift_card_redeem", args=[customer.pk]),
        {"redeem-code": code, "next": "customer"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == customer.get_absolute_url()
    assert "Gift card redeemed: 30.00 EUR" in " ".join(messages_of(response))
    assert balance_of(customer) == Decimal("30.00")


def test_a_wrong_code_is_explained(member_client, customer):
    response = member_client.post(
        reverse("customers:gift_card_redeem", args=[customer.pk]),
        {"redeem-code": "ABCD-EFGH-JKMN-PQRS"},
        follow=True,
    )
    assert "No gift card has this code" in " ".join(messages_of(response))
    assert balance_of(customer) == 0


def test_a_correction_on_the_ledger_page(member_client, customer, member):
    balance.balance_credit(customer=customer, amount="50", reason="Deposit", actor=member)
    url = reverse("customers:balance_correction", args=[customer.pk])
    member_client.post(url, {"correction-amount": "-12.50", "correction-reason": "Typo"})
    too_much = member_client.post(
        url, {"correction-amount": "-100", "correction-reason": "Typo"}, follow=True
    )
    assert "has only 37.50" in " ".join(messages_of(too_much))
    page = member_client.get(reverse("customers:balance", args=[customer.pk]))
    html = page.content.decode()
    assert "-12.50" in html
    assert "Typo" in html
    assert balance_of(customer) == Decimal("37.50")


def test_an_issued_code_is_shown_once(member_client, company):
    response = member_client.post(
        reverse("customers:gift_card_issue"), {"amount": "25", "note": "Raffle"}, follow=True
    )
    card = GiftCard.objects.get()
    shown = response.context["issued"]
    assert balance.gift_card_digest(shown["code"]) == card.code_digest
    assert shown["code"] in response.content.decode()
    again = member_client.get(reverse("customers:gift_card_list"))
    assert shown["code"] not in again.content.decode()
    assert ISSUED_CODE_KEY not in member_client.session


def test_gift_card_list_filters_by_state(member_client, company, customer, member):
    _open, _code = balance.gift_card_issue(company=company, amount="10", note="open", actor=member)
    _used, code = balance.gift_card_issue(company=company, amount="20", note="used", actor=member)
    balance.gift_card_redeem(customer=customer, code=code, actor=member)
    url = reverse("customers:gift_card_list")
    assert [c.note for c in member_client.get(url + "?state=open").context["cards"]] == ["open"]
    assert [c.note for c in member_client.get(url + "?state=redeemed").context["cards"]] == ["used"]


def test_ledger_and_customer_page_queries_do_not_grow(member_client, customer, member):
    def entries(count):
        for _ in range(count):
            balance.balance_credit(customer=customer, amount="1", reason="x", actor=member)

    ledger_url = reverse("customers:balance", args=[customer.pk])
    entries(2)
    few_ledger = queries_for(member_client, ledger_url)
    few_page = queries_for(member_client, customer.get_absolute_url())
    entries(60)
    assert queries_for(member_client, ledger_url) == few_ledger
    assert queries_for(member_client, customer.get_absolute_url()) == few_page


def test_pay_an_order_from_the_balance_on_its_page(member_client, company, customer, member):
    balance.balance_credit(customer=customer, amount="30", reason="Deposit", actor=member)
    product = ProductFactory(company=company, unit_price=Decimal("100"), vat_rate=Decimal("0"))
    order = selling.order_create(customer=customer, actor=member)
    selling.document_lines_save(
        document=order, actor=member, lines=[selling.LineInput(product=product, quantity=1)]
    )
    selling.order_confirm(order=order, actor=member)
    page = member_client.get(order.get_absolute_url())
    assert page.context["can_pay_from_balance"]

    response = member_client.post(
        reverse("selling:order_apply_balance", args=[order.pk]), {"amount": ""}, follow=True
    )

    assert "30.00 EUR paid from the balance" in " ".join(messages_of(response))
    order.refresh_from_db()
    assert order.amount_due == Decimal("70.00")
    assert not response.context["can_pay_from_balance"]
    assert balance_of(customer) == 0


def test_the_customer_list_sorts_by_lifetime_sales(member_client, company, customer, member):
    big = CustomerFactory(company=company, name="Big")
    Customer.objects.filter(pk=big.pk).update(lifetime_sales_value=Decimal("900"))
    Customer.objects.filter(pk=customer.pk).update(lifetime_sales_value=Decimal("50"))
    response = member_client.get(reverse("customers:customer_list") + "?sort=-value")
    names = [c.name for c in response.context["object_list"]]
    assert names[:2] == ["Big", "Nordwind GmbH"]
