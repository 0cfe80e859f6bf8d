"""The header, "Details" and "Notes" cards of the quotation and order pages, written in Python
(``selling.cards``), are the markup their reference templates write, byte for byte, in English
and Indonesian, in every case the templates tell apart."""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from customers.services import opportunity_convert_to_customer
from selling import cards, selectors, services
from selling.models import Quotation, SalesOrder
from tests.factories import (
    CustomerFactory,
    CustomerUserFactory,
    IndividualPartnerFactory,
    ProductFactory,
    SalespersonFactory,
)

LANGUAGES = ["en", "id"]


def _with_a_line(document, member):
    product = ProductFactory(company=document.company, unit_price=Decimal("1234.5"))
    services.document_lines_save(
        document=document,
        lines=[services.LineInput(product=product, quantity=Decimal("2"))],
        actor=member,
    )


def _quotation(pk) -> Quotation:
    return Quotation.objects.select_related(
        "customer", "salesperson", "created_by", "sales_order", "opportunity__stage"
    ).get(pk=pk)


def _order(pk) -> SalesOrder:
    return SalesOrder.objects.select_related(
        "customer__customer_type", "salesperson", "created_by", "quotation", "opportunity"
    ).get(pk=pk)


def _assert_quotation_cards(quotation, *, can_change: bool, can_email: bool) -> None:
    customer = selectors.quotation_customer(quotation)
    order = getattr(quotation, "sales_order", None)
    pairs = [
        (
            render_to_string(
                "selling/partials/_quotation_header.html",
                {
                    "quotation": quotation,
                    "customer": customer,
                    "can_change": can_change,
                    "can_email": can_email,
                },
            ),
            cards.quotation_header_html(
                quotation, customer=customer, can_change=can_change, can_email=can_email
            ),
        ),
        (
            render_to_string(
                "selling/partials/_quotation_details.html",
                {"quotation": quotation, "customer": customer, "order": order},
            ),
            cards.quotation_details_html(quotation, customer=customer, order=order),
        ),
        (
            render_to_string("selling/partials/_quotation_notes.html", {"quotation": quotation}),
            cards.notes_card_html(quotation),
        ),
    ]
    for reference, written in pairs:
        assert written == reference


def _assert_order_cards(order, *, can_edit: bool, can_edit_lines: bool, can_email: bool) -> None:
    pairs = [
        (
            render_to_string(
                "selling/partials/_order_header.html",
                {
                    "order": order,
                    "can_edit": can_edit,
                    "can_edit_lines": can_edit_lines,
                    "can_email": can_email,
                },
            ),
            cards.order_header_html(
                order, can_edit=can_edit, can_edit_lines=can_edit_lines, can_email=can_email
            ),
        ),
        (
            render_to_string("selling/partials/_order_details.html", {"order": order}),
            cards.order_details_html(order),
        ),
        (
            render_to_string("selling/partials/_order_notes.html", {"order": order}),
            cards.notes_card_html(order),
        ),
    ]
    for reference, written in pairs:
        assert written == reference


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("can_change,can_email", [(True, True), (False, False), (True, False)])
def test_a_customer_s_quotation_cards_are_the_templates(
    company, member, defaults, language, can_change, can_email
):
    customer = CustomerFactory(company=company, name="Müller & <Söhne>")
    quotation = services.quotation_create(
        customer=customer, actor=member, notes="First line\n<b>bold</b> & more"
    )
    with translation.override(language):
        _assert_quotation_cards(
            _quotation(quotation.pk), can_change=can_change, can_email=can_email
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_quotation_s_every_fact_is_the_templates(company, member, defaults, language):
    """A sales partner, a portal user, rules, gross prices, a discount and no creator."""
    customer = CustomerFactory(company=company)
    quotation = services.quotation_create(customer=customer, actor=member)
    Quotation.objects.filter(pk=quotation.pk).update(
        sales_partner=IndividualPartnerFactory(company=company),
        customer_user=CustomerUserFactory(customer=customer),
        salesperson=SalespersonFactory(company=company, name="Ann <Seller>"),
        prices_include_vat=True,
        discount_percent=Decimal("12.50"),
        created_by=None,
        status=Quotation.Status.EXPIRED,
    )
    with translation.override(language):
        _assert_quotation_cards(_quotation(quotation.pk), can_change=False, can_email=True)
        Quotation.objects.filter(pk=quotation.pk).update(
            discount_rule="group <b> discount", price_rule="price list & co", status="rejected"
        )
        _assert_quotation_cards(_quotation(quotation.pk), can_change=False, can_email=False)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_opportunity_s_quotation_cards_are_the_templates(company, member, opportunity, language):
    """Not a customer yet, then the customer the opportunity became, then ordered."""
    quotation = services.quotation_create(opportunity=opportunity, actor=member)
    with translation.override(language):
        _assert_quotation_cards(_quotation(quotation.pk), can_change=True, can_email=True)
    opportunity_convert_to_customer(opportunity=opportunity, actor=member, allow_duplicates=True)
    with translation.override(language):
        _assert_quotation_cards(_quotation(quotation.pk), can_change=True, can_email=False)
    quotation.refresh_from_db()
    services.quotation_send(quotation=quotation, actor=member)
    services.quotation_accept(quotation=quotation, actor=member)
    services.order_from_quotation(quotation=quotation, actor=member)
    with translation.override(language):
        _assert_quotation_cards(_quotation(quotation.pk), can_change=False, can_email=True)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "can_edit,can_edit_lines,can_email",
    [(True, True, True), (False, False, False), (True, False, True), (False, True, False)],
)
def test_an_order_s_cards_are_the_templates(
    company, member, defaults, language, can_edit, can_edit_lines, can_email
):
    customer = CustomerFactory(company=company, name="O'Brien & Sons")
    order = services.order_create(
        customer=customer,
        actor=member,
        order_date=datetime.date(2026, 3, 1),
        delivery_date=datetime.date(2026, 3, 4),
        notes="Deliver <before> noon",
    )
    with translation.override(language):
        _assert_order_cards(
            _order(order.pk), can_edit=can_edit, can_edit_lines=can_edit_lines, can_email=can_email
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_order_from_a_quotation_cards_are_the_templates(company, member, opportunity, language):
    """Its quotation and opportunity linked, no delivery date, no notes, a sales partner and a
    portal user, a discount rule; then confirmed."""
    quotation = services.quotation_create(opportunity=opportunity, actor=member)
    _with_a_line(quotation, member)
    quotation.refresh_from_db()
    services.quotation_send(quotation=quotation, actor=member)
    services.quotation_accept(quotation=quotation, actor=member)
    order = services.order_from_quotation(quotation=quotation, actor=member)
    order = _order(order.pk)
    SalesOrder.objects.filter(pk=order.pk).update(
        sales_partner=IndividualPartnerFactory(company=company),
        customer_user=CustomerUserFactory(customer=order.customer),
        delivery_date=None,
        notes="",
        discount_rule="group discount",
    )
    with translation.override(language):
        _assert_order_cards(_order(order.pk), can_edit=True, can_edit_lines=True, can_email=True)
    services.order_confirm(order=_order(order.pk), actor=member)
    with translation.override(language):
        _assert_order_cards(_order(order.pk), can_edit=True, can_edit_lines=False, can_email=False)
