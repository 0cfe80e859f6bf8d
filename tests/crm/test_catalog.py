from decimal import Decimal

from django.urls import reverse
from django_scopes import scope, scopes_disabled

from crm.models import Product
from tests.crm.helpers import count_queries
from tests.factories import ProductFactory


def product_data(**overrides):
    return {
        "sku": "WID-1",
        "name": "Widget",
        "description": "",
        "unit_price": "12.50",
        "vat_rate": "19",
        "is_active": "on",
        **overrides,
    }


def test_create_form_defaults_vat_to_the_company_rate(member_client, company):
    company.default_vat_rate = Decimal("7.00")
    company.save()
    form = member_client.get(reverse("crm:product_create")).context["form"]
    assert form.initial["vat_rate"] == Decimal("7.00")


def test_create_and_edit_a_product(member_client, company):
    response = member_client.post(reverse("crm:product_create"), product_data())
    product = Product.objects.get()
    assert response.status_code == 302
    assert product.unit_price == Decimal("12.50")
    assert product.company == company
    response = member_client.post(
        reverse("crm:product_update", args=[product.pk]), product_data(unit_price="15")
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.unit_price == Decimal("15.00")


def test_negative_price_is_a_field_error_and_writes_nothing(member_client, company):
    response = member_client.post(reverse("crm:product_create"), product_data(unit_price="-1"))
    assert response.status_code == 200
    assert "unit_price" in response.context["form"].errors
    assert not Product.objects.exists()


def test_duplicate_sku_in_the_company_is_a_field_error(member_client, company):
    ProductFactory(company=company, sku="WID-1")
    response = member_client.post(reverse("crm:product_create"), product_data(sku="wid-1"))
    assert response.status_code == 200
    assert "sku" in response.context["form"].errors
    assert Product.objects.count() == 1


def test_same_sku_in_another_company_is_allowed(member_client, company, other_company):
    with scopes_disabled():
        ProductFactory(company=other_company, sku="WID-1")
    response = member_client.post(reverse("crm:product_create"), product_data(sku="WID-1"))
    assert response.status_code == 302
    assert Product.objects.filter(sku="WID-1").count() == 1
    with scope(company=other_company):
        assert Product.objects.filter(sku="WID-1").count() == 1


def test_filters_search_and_price_range(member_client, company):
    ProductFactory(company=company, sku="A-1", name="Cheap cable", unit_price=Decimal("5"))
    ProductFactory(company=company, sku="B-1", name="Mid monitor", unit_price=Decimal("300"))
    ProductFactory(
        company=company, sku="C-1", name="Old laptop", unit_price=Decimal("900"), is_active=False
    )
    url = reverse("crm:product_list")

    def skus(query):
        return [p.sku for p in member_client.get(url, query).context["object_list"]]

    assert skus({"min_price": "10", "max_price": "500"}) == ["B-1"]
    assert skus({"is_active": "false"}) == ["C-1"]
    assert skus({"q": "cable"}) == ["A-1"]
    assert skus({"q": "c-1"}) == ["C-1"]
    assert skus({"sort": "-price"}) == ["C-1", "B-1", "A-1"]
    assert skus({"sort": "name"}) == ["A-1", "B-1", "C-1"]


def test_list_shows_prices_in_the_company_currency(member_client, company):
    company.currency = "IDR"
    company.save()
    ProductFactory(company=company, unit_price=Decimal("1500.00"))
    html = member_client.get(reverse("crm:product_list")).content.decode()
    # Rupiah have no minor unit.
    assert '1,500&nbsp;<span class="currency">IDR</span>' in html


def test_list_query_count_does_not_grow_with_rows(member_client, company):
    url = reverse("crm:product_list")
    ProductFactory.create_batch(5, company=company)
    few = count_queries(member_client, url)
    ProductFactory.create_batch(45, company=company)
    assert count_queries(member_client, url) == few


def test_detail_and_delete(member_client, company, django_assert_max_num_queries):
    product = ProductFactory(company=company, unit_price=Decimal("100"), vat_rate=Decimal("19"))
    with django_assert_max_num_queries(10):
        response = member_client.get(product.get_absolute_url())
    assert "119.00" in response.content.decode()
    response = member_client.post(reverse("crm:product_delete", args=[product.pk]))
    assert response.status_code == 302
    assert not Product.objects.exists()
