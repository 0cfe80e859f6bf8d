"""The "Lines" card of the quotation and order pages, written in Python (``selling.lines``), is
the markup ``selling/partials/_lines.html`` writes, byte for byte, in every case the template
tells apart; its lines read as plain values price and total as the lines' models do."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from crm.ui.kept_markup import forget
from selling import selectors, services
from selling.lines import lines_card_html
from selling.models import Quotation, SalesOrder
from tests.factories import CustomerFactory, ProductFactory


def _lines(document, member, *, described=False):
    products = [
        ProductFactory(company=document.company, unit_price=Decimal("1234.5"), sku="SKU-1"),
        ProductFactory(company=document.company, unit_price=Decimal("19.99"), sku=""),
        ProductFactory(company=document.company, unit_price=Decimal("7"), vat_rate=Decimal("7")),
    ]
    services.document_lines_save(
        document=document,
        lines=[
            services.LineInput(product=products[0], quantity=Decimal("2.5")),
            services.LineInput(
                product=products[1],
                quantity=Decimal("1"),
                discount_percent=Decimal("12.5"),
                description="Fitted on site <b>&</b>" if described else "",
            ),
            services.LineInput(
                product=products[2], quantity=Decimal("1000"), description=products[2].name
            ),
        ],
        actor=member,
    )
    document.refresh_from_db()
    return document


def _both(document, *, items_url: str) -> tuple[str, str]:
    forget()  # the table's head is kept per language: write it anew
    reference = render_to_string(
        "selling/partials/_lines.html",
        {"document": document, "shown": selectors.document_lines(document), "items_url": items_url},
    )
    written = lines_card_html(
        document, selectors.document_page_lines(document), items_url=items_url
    )
    return reference, written


@pytest.fixture
def quotation(company, member, defaults):
    customer = CustomerFactory(company=company)
    return services.quotation_create(customer=customer, actor=member)


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("include_vat", [False, True])
@pytest.mark.parametrize("items_url", ["", "/edit/lines/?a=1&b=2"])
def test_a_quotation_card_is_the_template_s(quotation, member, language, include_vat, items_url):
    _lines(quotation, member, described=True)
    Quotation.objects.filter(pk=quotation.pk).update(prices_include_vat=include_vat)
    quotation.refresh_from_db()
    with translation.override(language):
        reference, written = _both(quotation, items_url=items_url)
    assert "<tbody>" in written
    assert written == reference


@pytest.mark.parametrize("language", ["en", "id"])
def test_an_order_card_links_its_quotation_s_lines_as_the_template_does(
    quotation, member, language
):
    _lines(quotation, member, described=True)
    services.quotation_send(quotation=quotation, actor=member)
    services.quotation_accept(quotation=quotation, actor=member)
    order = services.order_from_quotation(quotation=quotation, actor=member)
    order = SalesOrder.objects.select_related("quotation").get(pk=order.pk)
    with translation.override(language):
        reference, written = _both(order, items_url=reverse("selling:order_items", args=[order.pk]))
    assert f"{quotation.get_absolute_url()}#line-" in written
    assert written == reference


@pytest.mark.parametrize("editable", [False, True])
@pytest.mark.parametrize("items_url", ["", "/edit/lines/"])
def test_an_empty_card_is_the_template_s(quotation, member, editable, items_url):
    if not editable:  # a state no service leaves without lines, written directly
        Quotation.objects.filter(pk=quotation.pk).update(status=Quotation.Status.REJECTED)
        quotation.refresh_from_db()
    assert quotation.is_editable is editable
    reference, written = _both(quotation, items_url=items_url)
    assert "No lines yet" in written
    assert written == reference


def test_page_lines_price_and_total_as_the_lines_models_do(quotation, member):
    _lines(quotation, member)
    for include_vat in (False, True):
        quotation.prices_include_vat = include_vat
        models, plain = (
            selectors.document_lines(quotation),
            selectors.document_page_lines(quotation),
        )
        assert [(r.line.pk, r.unit_price, r.amount) for r in models.lines] == [
            (r.line.pk, r.unit_price, r.amount) for r in plain.lines
        ]
        assert models.totals == plain.totals
        assert all(isinstance(r.amount, Decimal) for r in plain.lines)
