"""The balance as people use it: the account card, the ledger page, gift cards, paying an order."""

from decimal import Decimal

import pytest
from django.urls import reverse

from customers import balance
from customers.models import BalanceEntry, Customer, GiftCard
from customers.setup import customers_defaults_apply
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


def field_html(html: str, field_id: str) -> str:
    """The markup of the form row holding the input ``field_id``: its label, input and errors."""
    at = html.index(f'id="{field_id}"')
    return html[html.rindex('<div class="field', 0, at) : html.index("</div>", at)]


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


def test_a_bad_credit_says_what_to_fix_at_the_fields_and_keeps_what_was_typed(
    member_client, customer
):
    url = reverse("customers:balance_credit", args=[customer.pk])
    response = member_client.post(url, {"credit-amount": "-3", "credit-reason": ""})
    assert response.status_code == 200
    html = response.content.decode()
    amount = field_html(html, "id_credit-amount")
    assert "more than zero" in amount
    assert 'value="-3"' in amount
    assert "This field is required." in field_html(html, "id_credit-reason")
    assert messages_of(response) == []
    assert not BalanceEntry.objects.exists()


def test_a_credit_that_would_make_the_balance_too_large_names_the_largest(
    member_client, customer, member
):
    balance.balance_credit(customer=customer, amount="10", reason="Deposit", actor=member)
    url = reverse("customers:balance_credit", args=[customer.pk])
    response = member_client.post(
        url, {"credit-amount": "999,999,999,999.99", "credit-reason": "Jackpot"}
    )
    html = response.content.decode()
    amount = field_html(html, "id_credit-amount")
    assert "the largest balance is 999,999,999,999.99 EUR" in amount
    assert 'value="999,999,999,999.99"' in amount
    assert 'value="Jackpot"' in field_html(html, "id_credit-reason")
    assert balance_of(customer) == Decimal("10.00")


def test_an_indonesian_credit_is_typed_with_a_decimal_comma(member_client, customer):
    url = reverse("customers:balance_credit", args=[customer.pk])
    response = member_client.post(
        url,
        {"credit-amount": "1.234,5", "credit-reason": "Goodwill"},
        HTTP_ACCEPT_LANGUAGE="id",
        follow=True,
    )
    assert "1.234,50 EUR" in " ".join(messages_of(response))
    assert balance_of(customer) == Decimal("1234.50")


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
    assert "No gift card has this code" in field_html(response.content.decode(), "id_redeem-code")
    assert balance_of(customer) == 0


def test_a_correction_on_the_ledger_page(member_client, customer, member):
    balance.balance_credit(customer=customer, amount="50", reason="Deposit", actor=member)
    url = reverse("customers:balance_correction", args=[customer.pk])
    member_client.post(url, {"correction-amount": "-12.50", "correction-reason": "Typo"})
    too_much = member_client.post(url, {"correction-amount": "-100", "correction-reason": "Typo"})
    assert "has only 37.50" in field_html(too_much.content.decode(), "id_correction-amount")
    page = member_client.get(reverse("customers:balance", args=[customer.pk]))
    html = page.content.decode()
    assert "-12.50" in html
    assert "Typo" in html
    assert balance_of(customer) == Decimal("37.50")


def test_an_issued_code_is_shown_once_and_stored_nowhere(member_client, company):
    url = reverse("customers:gift_card_issue")
    key = member_client.get(url).context["form"].initial["issue_key"]
    data = {"amount": "25", "note": "Raffle", "issue_key": str(key)}

    response = member_client.post(url, data)

    card = GiftCard.objects.get()
    code = response.context["code"]
    assert balance.gift_card_digest(code) == card.code_digest
    assert code in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert code not in str(dict(member_client.session))
    assert code not in member_client.get(reverse("customers:gift_card_list")).content.decode()
    # Sent again (a reload): no second card, and it says why.
    again = member_client.post(url, data)
    assert "This form was sent already" in again.content.decode()
    assert GiftCard.objects.count() == 1
    # The page it shows then carries a new key: sending it now is a second card, on purpose.
    fresh_key = again.context["form"]["issue_key"].value()
    assert str(fresh_key) != str(key)
    member_client.post(url, {**data, "issue_key": str(fresh_key)})
    assert GiftCard.objects.count() == 2


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
    assert "You asked for" not in " ".join(messages_of(response))
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


def test_a_double_click_on_pay_takes_the_amount_once(member_client, company, customer, member):
    balance.balance_credit(customer=customer, amount="100", reason="Deposit", actor=member)
    product = ProductFactory(company=company, unit_price=Decimal("100"), vat_rate=Decimal("0"))
    order = selling.order_create(customer=customer, actor=member)
    selling.document_lines_save(
        document=order, actor=member, lines=[selling.LineInput(product=product, quantity=1)]
    )
    order = selling.order_confirm(order=order, actor=member)
    url = reverse("selling:order_apply_balance", args=[order.pk])
    data = {"amount": "40", "version": str(order.version)}

    member_client.post(url, data)
    second = member_client.post(url, data, follow=True)

    assert "changed after you opened it" in " ".join(messages_of(second))
    order.refresh_from_db()
    assert order.balance_applied == Decimal("40.00")
    assert balance_of(customer) == Decimal("60.00")


def test_another_companys_customer_and_order_are_404_for_every_balance_action(
    member_client, other_company
):
    from django_scopes import scope

    with scope(company=other_company):
        customers_defaults_apply(other_company)
        theirs = CustomerFactory(company=other_company)
        balance.balance_credit(customer=theirs, amount="50", reason="x", actor=None)
        product = ProductFactory(company=other_company, unit_price=Decimal("10"))
        order = selling.order_create(customer=theirs, actor=None)
        selling.document_lines_save(
            document=order, actor=None, lines=[selling.LineInput(product=product, quantity=1)]
        )
        selling.order_confirm(order=order, actor=None)
    posts = {
        reverse("customers:balance_credit", args=[theirs.pk]): {
            "credit-amount": "5",
            "credit-reason": "x",
        },
        reverse("customers:balance_correction", args=[theirs.pk]): {
            "correction-amount": "-5",
            "correction-reason": "x",
        },
        reverse("customers:gift_card_redeem", args=[theirs.pk]): {"redeem-code": "AAAA"},
        reverse("selling:order_apply_balance", args=[order.pk]): {"amount": "5"},
    }
    assert member_client.get(reverse("customers:balance", args=[theirs.pk])).status_code == 404
    for url, data in posts.items():
        assert member_client.post(url, data).status_code == 404, url
    with scope(company=other_company):
        assert Customer.objects.get(pk=theirs.pk).balance == Decimal("50.00")


def test_editing_a_customer_keeps_balance_and_lifetime_sales_value(
    member_client, company, customer, member
):
    """The edit form was opened before money moved: saving it must not write old figures back."""
    url = reverse("customers:customer_update", args=[customer.pk])
    form = member_client.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    balance.balance_credit(customer=customer, amount="100", reason="Deposit", actor=member)
    Customer.objects.filter(pk=customer.pk).update(lifetime_sales_value=Decimal("300"))
    data["name"] = "Nordwind Handel GmbH"

    response = member_client.post(url, data)

    assert response.status_code == 302
    stored = Customer.objects.get(pk=customer.pk)
    assert stored.name == "Nordwind Handel GmbH"
    assert (stored.balance, stored.lifetime_sales_value) == (Decimal("100.00"), Decimal("300.00"))


def test_paying_less_than_asked_says_so(member_client, company, customer, member):
    balance.balance_credit(customer=customer, amount="25", reason="Deposit", actor=member)
    product = ProductFactory(company=company, unit_price=Decimal("100"), vat_rate=Decimal("0"))
    order = selling.order_create(customer=customer, actor=member)
    selling.document_lines_save(
        document=order, actor=member, lines=[selling.LineInput(product=product, quantity=1)]
    )
    selling.order_confirm(order=order, actor=member)
    response = member_client.post(
        reverse("selling:order_apply_balance", args=[order.pk]), {"amount": "80"}, follow=True
    )
    said = " ".join(messages_of(response))
    assert "25.00 EUR paid from the balance" in said
    assert "You asked for 80.00 EUR" in said
    assert "go back to it" in response.content.decode()  # the cancel dialog mentions the refund
