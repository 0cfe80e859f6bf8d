"""The "Quotations and orders" panel written in Python (``selling.documents_panel``) is the
markup ``selling/partials/_documents_panel.html`` writes, byte for byte, in every case the
template tells apart, in English and in Indonesian."""

import datetime
import itertools
import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from customers.models import Customer
from leads.models import Opportunity
from selling.documents_panel import documents_panel_html
from selling.selectors import DocumentsOverview, PanelOrder, PanelQuotation

_TOKEN = re.compile(r'(csrfmiddlewaretoken" value=")[^"]+')


def _quotations(count):
    statuses = ["draft", "sent", "accepted", "rejected", "expired", "ordered"]
    titles = [None, "Boats & <b>sails</b>", ""]
    return [
        PanelQuotation(
            pk=i + 1,
            number=f"QTN-<{i}>",
            status=statuses[i % len(statuses)],
            gross_total=Decimal("1234567.5") + i,
            quotation_date=datetime.date(2026, 1, 1 + i),
            opportunity_title=titles[i % len(titles)],
            url=f"/selling/quotations/{i + 1}/?a=1&b=2",
        )
        for i in range(count)
    ]


def _orders(count):
    statuses = ["draft", "confirmed", "fulfilled", "cancelled"]
    return [
        PanelOrder(
            pk=i + 1,
            number=f"SO-{i}",
            status=statuses[i % len(statuses)],
            gross_total=Decimal("0.5") * i,
            order_date=datetime.date(2026, 2, 1 + i),
            quotation_number=[None, "QTN-9&"][i % 2],
            url=f"/selling/orders/{i + 1}/",
        )
        for i in range(count)
    ]


_HELD = {
    "none": None,
    "on hold": Customer(pk=5, name="Held & Co", status="on_hold", hold_reason="Unpaid <x>"),
    "inactive": Customer(pk=6, name="Gone", status="inactive"),
}
_BUTTONS = (
    {},
    {"quotation": "/new/quotation/?x=1&y=2"},
    {"order": "/new/order/"},
    {"quotation": "/new/quotation/", "order": "/new/order/?customer=1"},
)


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("is_customer", [True, False], ids=["customer", "opportunity"])
@pytest.mark.parametrize("held", list(_HELD))
def test_the_panel_is_the_template_s(company, language, is_customer, held):
    request = RequestFactory().get("/")
    request.company = company
    record = Customer(pk=77, company=company) if is_customer else Opportunity(pk=88)
    cases = itertools.product(
        (True, False), _BUTTONS, ((0, 0), (1, 1), (10, 12), (10, 1234)), ((0, 0), (3, 3), (10, 11))
    )
    with translation.override(language):
        for can_create, buttons, (shown_q, count_q), (shown_o, count_o) in cases:
            context = {
                "record": record,
                "is_customer": is_customer,
                "overview": DocumentsOverview(
                    _quotations(shown_q), count_q, _orders(shown_o), count_o
                ),
                "can_create": can_create,
                "buttons": buttons,
                "held_customer": _HELD[held],
                "notice_link": not is_customer,
                "limit": 10,
            }
            reference = render_to_string(
                "selling/partials/_documents_panel.html", context, request=request
            )
            written = documents_panel_html(
                {**context, "currency": company.currency}, csrf_token="token"
            )
            assert _TOKEN.sub(r"\1-", written) == _TOKEN.sub(r"\1-", reference)
