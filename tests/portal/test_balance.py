"""The portal's balance page: the entries each level reaches, and redeeming a gift card, with a
limit on wrong codes so that codes cannot be guessed."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers import balance
from customers.models import BalanceEntry, GiftCard
from portal.views.balance import REDEEM_FAILURE_LIMIT
from tests.portal.conftest import portal_sign_in
from tests.portal.documents import Tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(company):
    return Tree(company)


def signed_in(user):
    return portal_sign_in(Client(), user)


def credit(customer, amount, actor, reason="Goodwill"):
    return balance.balance_credit(customer=customer, amount=amount, reason=reason, actor=actor)


def test_each_level_reaches_its_balance_entries(tree, member):
    holding = credit(tree.holding, "10", member)
    retail = credit(tree.retail, "20", member)
    credit(tree.kopi, "30", member)
    url = reverse("portal:balance")

    corporate = signed_in(tree.anna).get(url)
    assert {entry.pk for entry in corporate.context["entries"]} == {holding.pk, retail.pk}
    assert corporate.context["show_customer"] is True
    assert [c.name for c in corporate.context["other_balances"]] == ["Nordlicht Retail GmbH"]
    department = signed_in(tree.ben).get(url)
    assert {entry.pk for entry in department.context["entries"]} == {retail.pk}
    assert "20.00" in department.content.decode()
    # Balance entries are nobody's own: the User level reaches none.
    assert list(signed_in(tree.otto).get(url).context["entries"]) == []


def test_the_guest_sees_the_balance_but_cannot_redeem(tree, member):
    card, code = balance.gift_card_issue(company=tree.retail.company, amount="25", actor=member)
    client = signed_in(tree.gina)
    page = client.get(reverse("portal:balance")).content.decode()
    assert "Redeem a gift card" not in page
    assert client.post(reverse("portal:balance_redeem"), {"code": code}).status_code == 404
    card.refresh_from_db()
    assert card.redeemed_at is None


def test_a_buyer_redeems_a_gift_card_onto_the_customers_balance(tree, member):
    card, code = balance.gift_card_issue(company=tree.retail.company, amount="25", actor=member)
    page = signed_in(tree.ben).post(
        reverse("portal:balance_redeem"), {"code": code.lower()}, follow=True
    )
    assert "Gift card redeemed: 25.00 EUR added to your balance." in page.content.decode()
    tree.retail.refresh_from_db()
    assert tree.retail.balance == Decimal("25.00")
    entry = BalanceEntry.objects.get(gift_card=card)
    assert entry.customer == tree.retail


def test_a_wrong_code_is_a_form_error(tree):
    page = signed_in(tree.ben).post(reverse("portal:balance_redeem"), {"code": "AAAA-BBBB"})
    assert page.status_code == 200
    assert "No gift card has this code" in page.content.decode()
    assert not BalanceEntry.objects.exists()


def test_wrong_codes_are_limited_per_customer_user(tree, member):
    card, code = balance.gift_card_issue(company=tree.retail.company, amount="25", actor=member)
    client = signed_in(tree.ben)
    url = reverse("portal:balance_redeem")
    for attempt in range(REDEEM_FAILURE_LIMIT):
        assert client.post(url, {"code": f"WRONG-{attempt:04d}"}).status_code == 200

    # Now even the right code is not tried: guessing cannot go on behind the refusal.
    locked = client.post(url, {"code": code})
    assert locked.status_code == 429
    assert "Too many wrong gift card codes" in locked.content.decode()
    card.refresh_from_db()
    assert card.redeemed_at is None

    # The limit is the user's: a colleague is not locked out by it.
    colleague = signed_in(tree.anna)
    assert colleague.post(url, {"code": code}).status_code == 302
    assert GiftCard.objects.get(pk=card.pk).redeemed_at is not None


def test_the_balance_page_query_budget_does_not_grow_with_entries(tree, member):
    credit(tree.retail, "5", member)
    client = signed_in(tree.anna)
    url = reverse("portal:balance")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(6):
        credit(tree.retail, "5", member)
        credit(tree.holding, "5", member)
    assert queries() == few
    assert few <= 12


def test_a_portal_step_on_the_staff_timeline_is_badged_portal(company, customer, buyer):
    """What a customer user does on the portal reads "Portal" on the staff's timeline, not
    "Other"; so does what staff change about the customer's portal access."""
    from crm.event_text import event_message
    from crm.models import SystemEvent
    from crm.timeline import activity_log_event
    from customers.portal_users import customer_user_deactivate

    event = activity_log_event(
        owner=customer, kind="other", message=event_message("Asked."), actor=buyer
    )
    assert event.get_event_kind_display() == "Portal"
    from tests.factories import MembershipFactory

    staff = MembershipFactory(company=company, role="admin").user
    customer_user_deactivate(user=buyer, actor=staff)
    latest = SystemEvent.objects.filter(company=company).order_by("-pk").first()
    assert latest.get_event_kind_display() == "Portal"


def test_at_corporate_the_card_goes_onto_the_customer_picked_in_the_subtree(tree, member):
    """Anna (Corporate, at the holding) picks Retail; her own customer is the default; a
    customer outside her subtree is refused and the card stays unredeemed."""
    company = tree.retail.company
    url = reverse("portal:balance_redeem")
    client = signed_in(tree.anna)
    form = client.get(reverse("portal:balance")).context["redeem_form"]
    choices = {customer.name for customer in form.fields["customer"].queryset}
    assert choices == {"Nordlicht Holding AG", "Nordlicht Retail GmbH"}
    assert form.fields["customer"].initial == tree.holding.pk

    card, code = balance.gift_card_issue(company=company, amount="25", actor=member)
    refused = client.post(url, {"code": code, "customer": tree.kopi.pk})
    assert refused.status_code == 200
    assert "customer" in refused.context["redeem_form"].errors
    card.refresh_from_db()
    assert card.redeemed_at is None

    page = client.post(url, {"code": code, "customer": tree.retail.pk}, follow=True)
    assert "added to the balance of Nordlicht Retail GmbH" in page.content.decode()
    assert BalanceEntry.objects.get(gift_card=card).customer == tree.retail
    tree.holding.refresh_from_db()
    assert tree.holding.balance == Decimal("0.00")


def test_at_department_the_card_goes_onto_the_users_own_customer(tree, member):
    """Ben (Department, at Retail) is not asked; a customer sent anyway is ignored."""
    client = signed_in(tree.ben)
    assert "customer" not in client.get(reverse("portal:balance")).context["redeem_form"].fields
    card, code = balance.gift_card_issue(company=tree.retail.company, amount="25", actor=member)
    client.post(reverse("portal:balance_redeem"), {"code": code, "customer": tree.holding.pk})
    assert BalanceEntry.objects.get(gift_card=card).customer == tree.retail
