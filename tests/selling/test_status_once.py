"""A quotation's or an order's status move shows once on its timeline: as the event its service
logs ("Status changed from Draft to Sent."), not again as the status field's change in the
record's history; the history of its other fields stays."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from selling import services
from selling.models import Quotation, SalesOrder
from tests.conftest import at_noon
from tests.crm.test_status_once import _timeline
from tests.selling.test_pages import customer_order, customer_quotation

# A fixed day: the quotations' validity and the orders' dates never depend on today.
A_DAY = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    with at_noon(A_DAY):
        yield


def _about(entries: list[str], word: str) -> list[str]:
    return [entry for entry in entries if word in entry]


def _post(client, name: str, document, data=None) -> None:
    response = client.post(reverse(name, args=[document.pk]), data or {})
    assert response.status_code == 302, response.content.decode()[:2000]


def test_a_quotation_sent_accepted_and_ordered_shows_each_move_once(member_client, company, member):
    quotation = customer_quotation(company, member)
    _post(member_client, "selling:quotation_send", quotation)
    _post(member_client, "selling:quotation_accept", quotation)
    _post(member_client, "selling:quotation_order", quotation)
    assert Quotation.objects.get(pk=quotation.pk).status == Quotation.Status.ORDERED

    entries = _timeline(member_client, quotation)
    assert not _about(entries, "Changed status"), entries
    for move in (
        "Status changed from Draft to Sent.",
        "Status changed from Sent to Accepted.",
        "Status changed from Accepted to Ordered.",
    ):
        assert len(_about(entries, move)) == 1, entries
    assert len(_about(entries, "Accepted")) == 2, entries  # "to Accepted", "from Accepted"


def test_a_rejected_quotation_shows_the_move_and_its_reason_once(member_client, company, member):
    quotation = customer_quotation(company, member)
    _post(member_client, "selling:quotation_send", quotation)
    _post(member_client, "selling:quotation_reject", quotation, {"reason": "Too dear"})

    entries = _timeline(member_client, quotation)
    assert not _about(entries, "Changed status"), entries
    (rejected,) = _about(entries, "Rejected")
    assert "Status changed from Sent to Rejected." in rejected and "Too dear" in rejected


def test_an_expired_quotation_revised_shows_the_moves_once_and_its_new_date(
    member_client, company, member
):
    quotation = customer_quotation(company, member, valid_until=A_DAY)
    with at_noon(A_DAY + datetime.timedelta(days=1)):
        entries = _timeline(member_client, quotation)  # viewing it expires it
        _post(member_client, "selling:quotation_revise", quotation, {"valid_until": "2026-04-30"})
        entries = _timeline(member_client, quotation)
    assert Quotation.objects.get(pk=quotation.pk).status == Quotation.Status.DRAFT
    assert not _about(entries, "Changed status"), entries
    assert len(_about(entries, "Status changed from Draft to Expired.")) == 1, entries
    assert len(_about(entries, "Status changed from Expired to Draft.")) == 1, entries
    # The new validity is no status move: its field change still shows.
    assert len(_about(entries, "Changed valid until from")) == 1, entries


def test_other_fields_of_a_quotation_still_show_beside_its_moves(member_client, company, member):
    quotation = customer_quotation(company, member, notes="Delivery in May")
    _post(member_client, "selling:quotation_send", quotation)
    _post(member_client, "selling:quotation_revise", quotation, {"valid_until": ""})
    services.quotation_update(
        quotation=Quotation.objects.get(pk=quotation.pk),
        actor=member,
        fields={"notes": "Delivery in June"},
    )

    entries = _timeline(member_client, quotation)
    assert len(_about(entries, "Changed notes from “Delivery in May” to “Delivery in June”")) == 1
    assert not _about(entries, "Changed status"), entries
    assert len(_about(entries, "Status changed from Sent to Draft.")) == 1, entries


def test_an_order_confirmed_and_fulfilled_shows_each_move_once(member_client, company, member):
    order = customer_order(company, member)
    _post(member_client, "selling:order_confirm", order)
    _post(member_client, "selling:order_fulfil", order)
    assert SalesOrder.objects.get(pk=order.pk).status == SalesOrder.Status.FULFILLED

    entries = _timeline(member_client, order)
    assert not _about(entries, "Changed status"), entries
    assert len(_about(entries, "Status changed from Draft to Confirmed.")) == 1, entries
    assert len(_about(entries, "Status changed from Confirmed to Fulfilled.")) == 1, entries


def test_a_cancelled_order_shows_the_move_once_and_its_other_changes(
    member_client, company, member
):
    order = customer_order(company, member)
    services.order_update(order=order, actor=member, fields={"delivery_date": timezone.localdate()})
    _post(member_client, "selling:order_cancel", order, {"reason": "Ordered twice"})

    entries = _timeline(member_client, order)
    assert not _about(entries, "Changed status"), entries
    (cancelled,) = _about(entries, "Cancelled")
    assert "Status changed from Draft to Cancelled." in cancelled and "Ordered twice" in cancelled
    assert len(_about(entries, "Changed delivery date from")) == 1, entries
