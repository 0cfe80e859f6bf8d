"""The portal's quotations and orders: who reaches which, accepting (one confirmed order, however
often the button is pressed), rejecting, paying from the balance, and 404 for everything else."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from customers import balance
from customers.portal_users import customer_role_save
from selling import services
from selling.models import Quotation, SalesOrder
from tests.conftest import at_noon
from tests.factories import CustomerFactory, CustomerUserFactory, ProductFactory
from tests.portal.conftest import portal_sign_in
from tests.portal.documents import Tree, confirmed_order, sent_quotation

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(company):
    return Tree(company)


def signed_in(user):
    return portal_sign_in(Client(), user)


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def numbers(response) -> set[str]:
    rows = response.context["quotations" if "quotations" in response.context else "orders"]
    return {row.number for row in rows}


# --- who reaches which ---------------------------------------------------------------------------


def test_each_level_reaches_its_quotations_and_never_a_draft(tree, member):
    holding = sent_quotation(tree.holding, member)
    retail = sent_quotation(tree.retail, member)
    own = sent_quotation(tree.retail, member)
    Quotation.objects.filter(pk=own.pk).update(customer_user=tree.otto)
    sent_quotation(tree.kopi, member)
    draft = services.quotation_create(customer=tree.retail, actor=member)
    url = reverse("portal:quotation_list") + "?status=all"

    corporate = signed_in(tree.anna).get(url)
    assert numbers(corporate) == {holding.number, retail.number, own.number}
    assert corporate.context["show_customer"] is True
    assert "Nordlicht Retail GmbH" in html_of(corporate)
    department = signed_in(tree.ben).get(url)
    assert numbers(department) == {retail.number, own.number}
    assert department.context["show_customer"] is False
    assert numbers(signed_in(tree.gina).get(url)) == {retail.number, own.number}
    assert numbers(signed_in(tree.otto).get(url)) == {own.number}
    assert draft.number not in html_of(department)
    detail = reverse("portal:quotation_detail", args=[draft.pk])
    assert signed_in(tree.ben).get(detail).status_code == 404


def test_each_level_reaches_its_orders(tree, member):
    holding = confirmed_order(tree.holding, member)
    retail = confirmed_order(tree.retail, member)
    confirmed_order(tree.kopi, member)
    url = reverse("portal:order_list")
    assert numbers(signed_in(tree.anna).get(url)) == {holding.number, retail.number}
    assert numbers(signed_in(tree.ben).get(url)) == {retail.number}
    assert numbers(signed_in(tree.otto).get(url)) == set()


def test_the_list_shows_waiting_quotations_first_and_all_on_request(tree, member):
    waiting = sent_quotation(tree.retail, member)
    answered = sent_quotation(tree.retail, member)
    services.quotation_reject(quotation=answered, actor=member)
    client = signed_in(tree.ben)
    assert numbers(client.get(reverse("portal:quotation_list"))) == {waiting.number}
    everything = client.get(reverse("portal:quotation_list") + "?status=all")
    assert [q.number for q in everything.context["quotations"]] == [
        answered.number,
        waiting.number,
    ]  # newest first


def test_a_role_without_orders_does_not_see_the_section(tree, member, company):
    role = customer_role_save(
        company=company,
        name="Quotes only",
        levels={("selling.quotation", "view"): "team"},
        actor=None,
    )
    quoter = CustomerUserFactory(customer=tree.retail, roles=[role])
    client = signed_in(quoter)
    assert client.get(reverse("portal:order_list")).status_code == 404
    assert client.get(reverse("portal:balance")).status_code == 404
    nav = [item["label"] for item in client.get(reverse("portal:home")).context["portal_nav"]]
    assert "Orders" not in [str(label) for label in nav]


# --- another customer's and another company's ids ------------------------------------------------


@pytest.fixture
def strangers(tree, member, other_company):
    """A quotation and an order of a customer outside Ben's reach, and of another company."""
    kopi_quotation = sent_quotation(tree.kopi, member)
    kopi_order = confirmed_order(tree.kopi, member)
    with scopes_disabled():
        other_customer = CustomerFactory(company=other_company)
    with scope(company=other_company):
        other_quotation = sent_quotation(other_customer, None)
        other_order = confirmed_order(other_customer, None)
    return [(kopi_quotation, kopi_order), (other_quotation, other_order)]


@pytest.mark.parametrize(
    ("name", "method", "kind"),
    [
        ("portal:quotation_detail", "get", "quotation"),
        ("portal:quotation_accept", "post", "quotation"),
        ("portal:quotation_reject", "post", "quotation"),
        ("portal:order_detail", "get", "order"),
        ("portal:order_pay", "post", "order"),
    ],
)
def test_another_customers_or_companys_document_is_not_found(tree, strangers, name, method, kind):
    client = signed_in(tree.ben)
    for quotation, order in strangers:
        target = quotation if kind == "quotation" else order
        response = getattr(client, method)(reverse(name, args=[target.pk]))
        assert response.status_code == 404, (name, target)
    with scopes_disabled():
        for quotation, order in strangers:
            assert Quotation.objects.get(pk=quotation.pk).status == Quotation.Status.SENT
            assert SalesOrder.objects.get(pk=order.pk).version == order.version


def test_the_actions_are_post_only(tree, member):
    quotation = sent_quotation(tree.retail, member)
    order = confirmed_order(tree.retail, member)
    client = signed_in(tree.ben)
    assert client.get(reverse("portal:quotation_accept", args=[quotation.pk])).status_code == 405
    assert client.get(reverse("portal:quotation_reject", args=[quotation.pk])).status_code == 405
    assert client.get(reverse("portal:order_pay", args=[order.pk])).status_code == 405


def test_signed_out_the_pages_send_to_the_portal_login(tree, member, client):
    quotation = sent_quotation(tree.retail, member)
    response = client.get(reverse("portal:quotation_detail", args=[quotation.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:login"))
    post = client.post(reverse("portal:quotation_accept", args=[quotation.pk]))
    assert post.status_code == 302
    quotation.refresh_from_db()
    assert quotation.status == Quotation.Status.SENT


# --- the quotation page, accepting and rejecting -------------------------------------------------


def test_a_business_sees_net_prices_and_a_private_customer_gross(tree, member):
    business = sent_quotation(tree.retail, member, price="100.00", vat="20.00", quantity="2")
    private = sent_quotation(tree.kopi, member, price="100.00", vat="20.00", quantity="2")

    net = html_of(signed_in(tree.ben).get(reverse("portal:quotation_detail", args=[business.pk])))
    assert "Unit price (net)" in net
    assert "Prices are net, without VAT." in net
    assert "200.00" in net  # 2 × 100.00 net
    gross = html_of(signed_in(tree.pia).get(reverse("portal:quotation_detail", args=[private.pk])))
    assert "Unit price incl. VAT" in gross
    assert "120.00" in gross  # 100.00 + 20 % VAT
    assert "Prices include VAT." in gross


def test_the_guest_sees_the_quotation_but_cannot_accept_it(tree, member):
    quotation = sent_quotation(tree.retail, member)
    client = signed_in(tree.gina)
    page = html_of(client.get(reverse("portal:quotation_detail", args=[quotation.pk])))
    assert quotation.number in page
    assert "Accept and order" not in page
    assert reverse("portal:quotation_accept", args=[quotation.pk]) not in page

    # Outside the "accept or reject" reach the quotation is not found for that action.
    assert client.post(reverse("portal:quotation_accept", args=[quotation.pk])).status_code == 404
    assert client.post(reverse("portal:quotation_reject", args=[quotation.pk])).status_code == 404
    quotation.refresh_from_db()
    assert quotation.status == Quotation.Status.SENT
    assert not SalesOrder.objects.filter(quotation=quotation).exists()


def test_accepting_makes_one_confirmed_order_however_often_it_is_posted(tree, member):
    quotation = sent_quotation(tree.retail, member)
    client = signed_in(tree.ben)
    url = reverse("portal:quotation_accept", args=[quotation.pk])
    assert "Accept and order" in html_of(
        client.get(reverse("portal:quotation_detail", args=[quotation.pk]))
    )

    first = client.post(url, follow=True)
    order = SalesOrder.objects.get(quotation=quotation)
    assert first.redirect_chain[-1][0] == reverse("portal:order_detail", args=[order.pk])
    assert f"order {order.number} is confirmed" in html_of(first)
    second = client.post(url, follow=True)  # a double click, or the back button and again
    assert second.redirect_chain[-1][0] == reverse("portal:order_detail", args=[order.pk])
    assert f"was already accepted: it is order {order.number}" in html_of(second)

    quotation.refresh_from_db()
    assert quotation.status == Quotation.Status.ORDERED
    assert quotation.customer_user == tree.ben
    assert SalesOrder.objects.filter(quotation=quotation).count() == 1
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.CONFIRMED
    assert order.customer_user == tree.ben
    assert order.gross_total == quotation.gross_total


def test_accepting_a_quotation_past_its_date_is_refused_and_expires_it(tree, member):
    with at_noon():
        quotation = sent_quotation(tree.retail, member)
    later = quotation.valid_until + datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime.combine(later, datetime.time(12)), tick=True):
        page = signed_in(tree.ben).post(
            reverse("portal:quotation_accept", args=[quotation.pk]), follow=True
        )
        assert "has expired: it can no longer be accepted" in html_of(page)
    quotation.refresh_from_db()
    assert quotation.status == Quotation.Status.EXPIRED
    assert not SalesOrder.objects.filter(quotation=quotation).exists()


def test_rejecting_records_the_reason(tree, member):
    quotation = sent_quotation(tree.retail, member)
    page = signed_in(tree.ben).post(
        reverse("portal:quotation_reject", args=[quotation.pk]),
        {"reason": "Too expensive"},
        follow=True,
    )
    assert "You rejected" in html_of(page)
    quotation.refresh_from_db()
    assert quotation.status == Quotation.Status.REJECTED
    assert "Accept and order" not in html_of(page)


def test_the_corporate_administrator_answers_for_a_child_customer(tree, member):
    quotation = sent_quotation(tree.retail, member)
    signed_in(tree.anna).post(reverse("portal:quotation_accept", args=[quotation.pk]))
    order = SalesOrder.objects.get(quotation=quotation)
    assert order.customer == tree.retail
    assert order.customer_user == tree.anna


# --- paying from the balance ---------------------------------------------------------------------


@pytest.fixture
def order_with_credit(tree, member):
    order = confirmed_order(tree.retail, member, price="200.00", vat="0")
    balance.balance_credit(customer=tree.retail, amount="50", reason="Goodwill", actor=member)
    return order


def pay(client, order, amount="", version=None):
    order.refresh_from_db()
    data = {"amount": amount, "version": order.version if version is None else version}
    return client.post(reverse("portal:order_pay", args=[order.pk]), data, follow=True)


def test_paying_part_of_an_order_moves_the_balance_and_the_amount_due(tree, order_with_credit):
    order = order_with_credit
    client = signed_in(tree.ben)
    page = html_of(client.get(reverse("portal:order_detail", args=[order.pk])))
    assert "Pay from balance" in page
    assert "50.00" in page  # what the balance holds

    done = pay(client, order, "30")
    assert "30.00 EUR paid from the balance." in html_of(done)
    order.refresh_from_db()
    tree.retail.refresh_from_db()
    assert order.balance_applied == Decimal("30.00")
    assert order.amount_due == Decimal("170.00")
    assert tree.retail.balance == Decimal("20.00")

    # Empty amount: all that is due, as far as the balance goes.
    pay(client, order)
    order.refresh_from_db()
    assert order.amount_due == Decimal("150.00")
    assert "nothing on your balance" in html_of(
        client.get(reverse("portal:order_detail", args=[order.pk]))
    )


@pytest.mark.parametrize(
    ("amount", "stale", "message"),
    [
        ("-5", False, "Enter a value of at least 0.01 in “Amount from the balance”."),
        ("0", False, "Enter a value of at least 0.01 in “Amount from the balance”."),
        ("abc", False, "Type “Amount from the balance” as a number, for example 1,234.50."),
        ("10", True, "changed after you opened it"),
    ],
)
def test_a_refused_payment_is_a_form_error_and_takes_nothing(
    tree, order_with_credit, amount, stale, message
):
    order = order_with_credit
    version = order.version - 1 if stale else None
    page = pay(signed_in(tree.ben), order, amount, version=version)
    assert message in html_of(page)
    order.refresh_from_db()
    tree.retail.refresh_from_db()
    assert order.balance_applied == 0
    assert tree.retail.balance == Decimal("50.00")


def test_the_guest_cannot_pay(tree, order_with_credit):
    client = signed_in(tree.gina)
    page = html_of(client.get(reverse("portal:order_detail", args=[order_with_credit.pk])))
    assert "Pay from balance" not in page
    assert pay(client, order_with_credit, "10").status_code == 404
    order_with_credit.refresh_from_db()
    assert order_with_credit.balance_applied == 0


# --- the home page links here --------------------------------------------------------------------


def test_the_home_page_links_the_waiting_quotations_and_recent_orders(tree, member):
    quotation = sent_quotation(tree.retail, member)
    order = confirmed_order(tree.retail, member)
    page = html_of(signed_in(tree.ben).get(reverse("portal:home")))
    assert reverse("portal:quotation_detail", args=[quotation.pk]) in page
    assert reverse("portal:order_detail", args=[order.pk]) in page


# --- query budgets -------------------------------------------------------------------------------


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["portal:quotation_list", "portal:order_list"])
def test_the_lists_query_budget_does_not_grow_with_rows(tree, member, name):
    confirmed_order(tree.retail, member)
    sent_quotation(tree.retail, member)
    url = reverse(name) + "?status=all"
    client = signed_in(tree.anna)
    few = queries(client, url)
    for _ in range(4):
        confirmed_order(tree.holding, member)
        sent_quotation(tree.retail, member)
    assert queries(client, url) == few
    assert few <= 12


def test_the_detail_pages_query_budget_does_not_grow_with_lines(tree, member):
    few = confirmed_order(tree.retail, member)
    client = signed_in(tree.ben)
    order_url = reverse("portal:order_detail", args=[few.pk])
    quotation_url = reverse("portal:quotation_detail", args=[few.quotation_id])
    counts = (queries(client, order_url), queries(client, quotation_url))

    quotation = services.quotation_create(customer=tree.retail, actor=member)
    services.document_lines_save(
        document=quotation,
        actor=member,
        lines=[
            services.LineInput(product=ProductFactory(company=tree.retail.company), quantity=1)
            for _ in range(6)
        ],
    )
    services.quotation_send(quotation=quotation, actor=member)
    services.quotation_accept(quotation=quotation, actor=member)
    many = services.order_confirm(
        order=services.order_from_quotation(quotation=quotation, actor=member), actor=member
    )
    assert (
        queries(client, reverse("portal:order_detail", args=[many.pk])),
        queries(client, reverse("portal:quotation_detail", args=[quotation.pk])),
    ) == counts
    assert max(counts) <= 14
