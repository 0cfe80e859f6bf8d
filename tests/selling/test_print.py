"""The print views: what a quotation or order says on paper, for a business and a private party."""

import datetime
import html as html_lib
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from selling import services
from tests.factories import (
    AddressFactory,
    AddressLinkFactory,
    CustomerFactory,
    CustomerGroupFactory,
    CustomerTypeFactory,
    ProductFactory,
    SalespersonFactory,
)


def print_url(document):
    kind = "quotation" if document.NUMBER_PREFIX == "QTN" else "order"
    return reverse(f"selling:{kind}_print", args=[document.pk])


def text_of(response) -> str:
    """The page's words without tags, whitespace squeezed: what a reader sees."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", text).replace(" ,", ",").strip()


@pytest.fixture
def products(company):
    chair = ProductFactory(
        company=company,
        sku="CH-1",
        name="Chair",
        unit_price=Decimal("100.00"),
        vat_rate=Decimal("19.00"),
    )
    desk = ProductFactory(
        company=company,
        sku="DK-1",
        name="Desk",
        unit_price=Decimal("333.33"),
        vat_rate=Decimal("7.00"),
    )
    return chair, desk


def quote(customer, products, *, member, **fields):
    chair, desk = products
    quotation = services.quotation_create(customer=customer, actor=member, **fields)
    services.document_lines_save(
        document=quotation,
        actor=member,
        lines=[
            services.LineInput(product=chair, quantity=Decimal("3")),
            services.LineInput(product=desk, quantity=Decimal("1")),
        ],
    )
    quotation.refresh_from_db()
    return quotation


@pytest.fixture
def company_address(company):
    AddressLinkFactory(
        company=company,
        owner=company,
        is_primary=True,
        address=AddressFactory(
            company=company, street="Hafenstraße 1", postal_code="20457", city="Hamburg"
        ),
    )


def test_a_business_quotation_prints_net_prices(
    member_client, company, member, products, company_address
):
    seller = SalespersonFactory(company=company, name="Maria Manager", email="maria@acme.test")
    group = CustomerGroupFactory(company=company, name="Wholesale", discount_percent=Decimal("10"))
    customer = CustomerFactory(
        company=company,
        name="Nordwind GmbH",
        customer_type=CustomerTypeFactory(company=company, is_business=True),
        customer_group=group,
        salesperson=seller,
    )
    AddressLinkFactory(
        company=company,
        owner=customer,
        purpose="shipping",
        address=AddressFactory(company=company, street="Lagerweg 9", city="Bremen"),
    )
    AddressLinkFactory(
        company=company,
        owner=customer,
        is_primary=True,
        purpose="billing",
        address=AddressFactory(
            company=company, street="Am Wall 3", postal_code="28195", city="Bremen", country="DE"
        ),
    )
    quotation = quote(
        customer,
        products,
        member=member,
        notes="Delivery within two weeks.",
        quotation_date=datetime.date(2026, 3, 2),
        valid_until=datetime.date(2026, 4, 1),
    )

    response = member_client.get(print_url(quotation))

    assert response.status_code == 200
    text = text_of(response)
    assert "Acme Trading" in text
    assert "Hafenstraße 1 · 20457 Hamburg · Germany" in text  # the company as an owner
    assert f"Quotation {quotation.number}" in text
    assert "Nordwind GmbH Am Wall 3 28195 Bremen Germany" in text  # the primary address
    assert "Lagerweg" not in text
    assert "Date 2 March 2026" in text and "Valid until 1 April 2026" in text
    assert "Your contact Maria Manager maria@acme.test" in text
    # 3 × 100.00 − 10 % = 270.00; 333.33 − 10 % = 300.00 (299.997)
    assert "1 Chair Item no. CH-1 3 100.00 10 % 19 % 270.00" in text
    assert "2 Desk Item no. DK-1 1 333.33 10 % 7 % 300.00" in text
    assert "Unit price (net)" in text and "Amount (net)" in text
    assert "Net total 570.00 EUR" in text
    assert "VAT 7 % on 300.00 EUR 21.00 EUR" in text
    assert "VAT 19 % on 270.00 EUR 51.30 EUR" in text
    assert "Total incl. VAT 642.30 EUR" in text
    assert "All prices are net; VAT is added at the rates shown." in text
    assert "10 % discount from the customer group “Wholesale”." in text
    assert "Delivery within two weeks." in text
    assert "Draft" in text  # stamped until it is sent


def test_a_private_customer_sees_prices_with_vat(member_client, company, member, products):
    private = CustomerTypeFactory(company=company, name="Private", is_business=False)
    customer = CustomerFactory(company=company, name="Greta Lorenz", customer_type=private)
    quotation = quote(customer, products, member=member)

    response = member_client.get(print_url(quotation))

    text = text_of(response)
    # 100.00 + 19 % = 119.00 a chair, 357.00 for three; 333.33 + 7 % = 356.66 (356.6631)
    assert "1 Chair Item no. CH-1 3 119.00 19 % 357.00" in text
    assert "2 Desk Item no. DK-1 1 356.66 7 % 356.66" in text
    assert "Unit price incl. VAT" in text and "Amount incl. VAT" in text
    assert "Discount" not in text  # no line has one
    assert "Net total 633.33 EUR" in text
    assert "Total incl. VAT 713.66 EUR" in text
    assert "All prices include VAT at the rates shown." in text
    assert "Greta Lorenz" in text


def test_an_opportunity_quotation_is_addressed_to_the_lead(member_client, member, opportunity):
    quotation = services.quotation_create(opportunity=opportunity, actor=member)

    text = text_of(member_client.get(print_url(quotation)))

    assert "Nordwind GmbH Attn." in text
    lead = opportunity.lead
    assert f"Attn. {lead.first_name} {lead.last_name}" in text
    assert "Market Street" in text  # the opportunity's address link
    assert "Chair" in text and "Desk" in text


def test_an_order_prints_its_dates_and_quotation(member_client, company, member, products):
    customer = CustomerFactory(company=company, name="Nordwind GmbH")
    quotation = quote(customer, products, member=member)
    services.quotation_send(quotation=quotation, actor=member)
    services.quotation_accept(quotation=quotation, actor=member)
    order = services.order_from_quotation(quotation=quotation, actor=member)
    services.order_update(
        order=order,
        actor=member,
        fields={"delivery_date": order.order_date + datetime.timedelta(days=10)},
    )
    order.refresh_from_db()

    response = member_client.get(print_url(order))

    text = text_of(response)
    assert f"Sales order {order.number}" in text
    assert "Order date" in text and "Delivery date" in text
    assert f"Our quotation {quotation.number}" in text
    assert "Total incl. VAT" in text
    assert "Draft" in text


def test_the_page_is_standalone(member_client, company, member, products):
    quotation = quote(CustomerFactory(company=company), products, member=member)

    html = member_client.get(print_url(quotation)).content.decode()

    assert 'class="sidebar"' not in html and 'class="topbar"' not in html
    assert re.search(r'(src|href)="(https?:)?//', html) is None  # no outside assets
    assert "selling/print.css" in html
    assert 'name="viewport"' in html
    assert quotation.get_absolute_url() in html  # the way back


def test_the_page_footer_cannot_break_out_of_its_style(member_client, company, member, products):
    company.name = 'Baker & "Sons" </style><script>alert(1)</script>'
    company.save()
    quotation = quote(CustomerFactory(company=company), products, member=member)

    html = member_client.get(print_url(quotation)).content.decode()

    style = re.search(r"<style[^>]*>(.*?)</style>", html, flags=re.S).group(1)
    assert "<" not in style and '"Sons"' not in style
    assert r"Baker \26  \22 Sons\22  \3c /style\3e " in style
    assert "<script>alert" not in html


def test_print_queries_do_not_grow_with_lines(member_client, company, member, company_address):
    customer = CustomerFactory(company=company, salesperson=SalespersonFactory(company=company))
    AddressLinkFactory(company=company, owner=customer, is_primary=True)
    quotation = services.quotation_create(customer=customer, actor=member)
    catalog = ProductFactory.create_batch(20, company=company)

    def queries_with(count):
        services.document_lines_save(
            document=quotation,
            actor=member,
            lines=[
                services.LineInput(product=product, quantity=Decimal("2"))
                for product in catalog[:count]
            ],
        )
        with CaptureQueriesContext(connection) as queries:
            response = member_client.get(print_url(quotation))
        assert response.status_code == 200
        assert len(response.context["lines"]) == count
        return len(queries)

    queries_with(1)  # warm per-process caches (content types, sessions)
    few = queries_with(1)
    assert queries_with(20) == few
    assert few <= 7


def test_another_companys_document_is_a_404(other_client, company, member, products):
    quotation = quote(CustomerFactory(company=company), products, member=member)
    order = services.order_create(customer=CustomerFactory(company=company), actor=member)

    assert other_client.get(print_url(quotation)).status_code == 404
    assert other_client.get(print_url(order)).status_code == 404
