"""The wish list on opportunity, customer and lead pages is priced as the quotation made from it
will be (``selling.pricing.wish_list_priced``, registered with ``leads.wish_pricing``): the
group's price list first, then the party discount; the catalog for a party without either."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.models import Customer, CustomerType
from customers.services import opportunity_convert_to_customer, product_price_set
from leads import wish_pricing
from leads.services import lead_convert_to_opportunity
from selling import pricing, services
from tests.factories import (
    CustomerGroupFactory,
    LeadFactory,
    OpportunityFactory,
    ProductFactory,
    WishListItemFactory,
)
from tests.selling.conftest import stage_of


@pytest.fixture
def wholesale(company):
    return CustomerGroupFactory(company=company, name="Wholesale", discount_percent=Decimal("10"))


@pytest.fixture
def monitor(company, wholesale):
    """329.00 in the catalog, 289.00 on the wholesale price list."""
    product = ProductFactory(company=company, name="Monitor", unit_price=Decimal("329.00"))
    product_price_set(group=wholesale, product=product, unit_price=Decimal("289.00"))
    return product


@pytest.fixture
def dock(company):
    """189.00 in the catalog, on no price list."""
    return ProductFactory(company=company, name="Dock", unit_price=Decimal("189.00"))


def _opportunity(company, *products_and_quantities):
    lead = LeadFactory(company=company, organization_name="Nordlicht AG", status="converted")
    opportunity = OpportunityFactory(
        company=company, lead=lead, title="Nordlicht desks", stage=stage_of(company, "open")
    )
    for product, quantity in products_and_quantities:
        WishListItemFactory(
            company=company,
            lead=None,
            opportunity=opportunity,
            product=product,
            quantity=Decimal(quantity),
        )
    return opportunity


@pytest.fixture
def grouped_opportunity(company, defaults, member, wholesale, monitor, dock):
    """An opportunity whose customer is in the wholesale group: 2 monitors, 3 docks."""
    opportunity = _opportunity(company, (monitor, "2"), (dock, "3"))
    customer = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    Customer.objects.filter(company=company, pk=customer.pk).update(customer_group=wholesale)
    # Converting marked it won; quoting it is still what the page is about.
    opportunity.refresh_from_db()
    return opportunity


def wish_list_html(page: str) -> str:
    found = re.search(r'aria-labelledby="wish-heading">(.*?)</section>', page, re.S)
    assert found, "the page has a wish list card"
    return found.group(1)


def cells(html: str) -> list[list[str]]:
    """The wish list's body rows, each cell's text without tags, squeezed (the product's name
    without the SKU the factory gives it)."""
    body = re.search(r"<tbody>(.*?)</tbody>", html, re.S).group(1)
    return [
        [
            re.sub(r"^SKU-\d+ · ", "", " ".join(re.sub(r"<[^>]+>", " ", cell).split()))
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def total_of(html: str) -> str:
    foot = re.search(r"<tfoot>(.*?)</tfoot>", html, re.S).group(1)
    return re.search(r'<td class="num">([^<]*)</td>', foot).group(1)


def test_the_opportunity_page_shows_the_groups_prices_and_the_quotations_total(
    member_client, member, grouped_opportunity
):
    html = wish_list_html(
        member_client.get(grouped_opportunity.get_absolute_url()).content.decode()
    )

    rows = cells(html)
    # Product, quantity, unit price (the catalog's beneath where the list changed it), discount,
    # net amount: 2 × 289.00 − 10 % = 520.20, 3 × 189.00 − 10 % = 510.30.
    assert rows[0][:5] == ["Monitor", "2.00", "289.00 catalog 329.00", "10 %", "520.20"]
    assert rows[1][:5] == ["Dock", "3.00", "189.00", "10 %", "510.30"]
    assert total_of(html) == "1,030.50"
    assert "unit prices from the price list of customer group “Wholesale”" in html
    assert "10 % discount from the customer group “Wholesale”" in html

    quotation = services.quotation_create(opportunity=grouped_opportunity, actor=member)
    assert quotation.net_total == Decimal("1030.50")


def test_the_customer_page_shows_the_wish_list_at_the_customers_prices(
    member_client, member, grouped_opportunity
):
    customer = Customer.objects.get(opportunity=grouped_opportunity)
    html = wish_list_html(member_client.get(customer.get_absolute_url()).content.decode())

    assert cells(html)[0][:5] == ["Monitor", "2.00", "289.00 catalog 329.00", "10 %", "520.20"]
    assert total_of(html) == "1,030.50"
    quotation = services.quotation_create(opportunity=grouped_opportunity, actor=member)
    assert quotation.customer == customer
    assert quotation.net_total == Decimal("1030.50")


def test_where_the_prices_come_from_is_said_in_the_readers_language(
    member_client, grouped_opportunity
):
    page = member_client.get(grouped_opportunity.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="id")
    html = wish_list_html(page.content.decode())

    assert "Dihargai seperti penawaran yang dibuat darinya:" in html
    assert "daftar harga grup pelanggan “Wholesale”" in html
    assert "diskon 10 % dari grup pelanggan “Wholesale”" in html
    assert "katalog 329,00" in html


def test_without_a_group_the_wish_list_is_at_catalog_prices(
    member_client, member, defaults, monitor, dock
):
    opportunity = _opportunity(defaults, (monitor, "2"), (dock, "3"))
    html = wish_list_html(member_client.get(opportunity.get_absolute_url()).content.decode())

    rows = cells(html)
    assert rows[0][:4] == ["Monitor", "2.00", "329.00", "658.00"]
    assert rows[1][:4] == ["Dock", "3.00", "189.00", "567.00"]
    assert total_of(html) == "1,225.00"
    assert "catalog" not in html
    assert "Discount" not in html
    assert "Priced as a quotation made from it would be" not in html
    quotation = services.quotation_create(opportunity=opportunity, actor=member)
    assert quotation.net_total == Decimal("1225.00")


def test_a_prospect_gets_the_discount_of_the_customer_type_it_would_become(
    member_client, member, defaults, monitor
):
    CustomerType.objects.filter(company=defaults, is_business=True).update(
        discount_percent=Decimal("5")
    )
    opportunity = _opportunity(defaults, (monitor, "2"))
    html = wish_list_html(member_client.get(opportunity.get_absolute_url()).content.decode())

    assert cells(html)[0][:5] == ["Monitor", "2.00", "329.00", "5 %", "625.10"]
    assert "5 % discount from the customer type" in html
    assert "price list" not in html  # no group, so no price list to speak of
    quotation = services.quotation_create(opportunity=opportunity, actor=member)
    assert quotation.net_total == Decimal("625.10")


def test_a_converted_leads_opportunity_expects_what_its_quotation_will_say(
    member, defaults, monitor
):
    CustomerType.objects.filter(company=defaults, is_business=True).update(
        discount_percent=Decimal("5")
    )
    lead = LeadFactory(company=defaults, organization_name="Nordlicht AG")
    WishListItemFactory(company=defaults, lead=lead, product=monitor, quantity=Decimal("2"))

    opportunity = lead_convert_to_opportunity(lead=lead, actor=member)

    assert opportunity.expected_amount == Decimal("625.10")  # 2 × 329.00 − 5 %
    quotation = services.quotation_create(opportunity=opportunity, actor=member)
    assert quotation.net_total == opportunity.expected_amount


def test_the_lead_page_shows_the_price_its_opportunity_would_be_quoted(
    member_client, defaults, monitor
):
    CustomerType.objects.filter(company=defaults, is_business=True).update(
        discount_percent=Decimal("5")
    )
    lead = LeadFactory(company=defaults, organization_name="Nordlicht AG")
    WishListItemFactory(company=defaults, lead=lead, product=monitor, quantity=Decimal("2"))
    url = reverse("leads:lead_detail", args=[lead.pk])
    html = wish_list_html(member_client.get(url).content.decode())

    assert cells(html)[0][:5] == ["Monitor", "2.00", "329.00", "5 %", "625.10"]
    assert total_of(html) == "625.10"


def test_without_the_selling_pricer_a_wish_list_is_at_catalog_prices(
    member_client, grouped_opportunity
):
    wish_pricing.unregister_wish_list_pricer(pricing.wish_list_priced)
    try:
        page = member_client.get(grouped_opportunity.get_absolute_url()).content.decode()
    finally:
        wish_pricing.register_wish_list_pricer(order=10, price=pricing.wish_list_priced)
    html = wish_list_html(page)

    assert cells(html)[0][:4] == ["Monitor", "2.00", "329.00", "658.00"]
    assert total_of(html) == "1,225.00"
    assert "Priced as a quotation made from it would be" not in html


def test_a_wish_list_is_priced_in_the_same_number_of_queries_however_long(
    company, member, grouped_opportunity
):
    def queries_to_price() -> int:
        items = list(grouped_opportunity.wish_list.select_related("product"))
        fresh = type(grouped_opportunity).objects.get(pk=grouped_opportunity.pk)
        with CaptureQueriesContext(connection) as captured:
            priced = wish_pricing.price_wish_list(party=fresh, items=items)
        assert len(priced) == len(items)
        return len(captured)

    few = queries_to_price()
    for _ in range(10):
        WishListItemFactory(
            company=company,
            lead=None,
            opportunity=grouped_opportunity,
            product=ProductFactory(company=company),
        )
    assert queries_to_price() == few <= 3  # the customer link, the customer, its price list
