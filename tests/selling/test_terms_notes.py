"""Where a document's discount and unit prices come from, as its reader reads it: the pages, the
print view (and so the e-mailed PDF) write the notes in the reader's language, whatever language
the document was made in (``selling.terms_notes``)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from customers.models import CustomerType
from customers.services import product_price_set
from selling import services
from selling.models import Quotation
from tests.factories import CustomerFactory, CustomerGroupFactory, ProductFactory

GROUP_DISCOUNT_EN = "10 % discount from the customer group “Wholesale”."
GROUP_DISCOUNT_ID = "Diskon 10 % dari grup pelanggan “Wholesale”."
PRICE_LIST_EN = "Unit prices from the price list of customer group “Wholesale”"
PRICE_LIST_ID = "Harga satuan dari daftar harga grup pelanggan “Wholesale”"


@pytest.fixture
def business_type(company, defaults):
    return CustomerType.objects.get(company=company, is_business=True)


@pytest.fixture
def wholesale(company):
    return CustomerGroupFactory(company=company, name="Wholesale", discount_percent=Decimal("10"))


@pytest.fixture
def customer(company, business_type, wholesale):
    monitor = ProductFactory(company=company, name="Monitor", unit_price=Decimal("329.00"))
    product_price_set(group=wholesale, product=monitor, unit_price=Decimal("289.00"))
    return CustomerFactory(
        company=company, name="Nordlicht AG", customer_type=business_type, customer_group=wholesale
    )


def pages(document) -> list[str]:
    kind = "quotation" if isinstance(document, Quotation) else "order"
    return [document.get_absolute_url(), reverse(f"selling:{kind}_print", args=[document.pk])]


def read(client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("made_in", ["en", "id"])
def test_the_quotation_and_its_print_view_say_the_notes_in_the_readers_language(
    member_client, customer, made_in
):
    with translation.override(made_in):
        quotation = services.quotation_create(customer=customer, actor=None)

    for url in pages(quotation):
        indonesian = read(member_client, url, "id")
        assert GROUP_DISCOUNT_ID in indonesian
        assert PRICE_LIST_ID in indonesian
        assert "discount from the" not in indonesian
        assert "Unit prices from" not in indonesian

        english = read(member_client, url, "en")
        assert GROUP_DISCOUNT_EN in english
        assert PRICE_LIST_EN in english
        assert "grup pelanggan" not in english


def test_an_order_and_its_print_view_say_the_notes_in_indonesian(member_client, customer):
    order = services.order_create(customer=customer, actor=None)

    for url in pages(order):
        page = read(member_client, url, "id")
        assert GROUP_DISCOUNT_ID in page
        assert PRICE_LIST_ID in page


def test_a_party_without_a_group_reads_catalog_prices_in_indonesian(
    member_client, company, business_type
):
    business_type.discount_percent = Decimal("7.5")
    business_type.save()
    customer = CustomerFactory(company=company, name="Greta AG", customer_type=business_type)
    quotation = services.quotation_create(customer=customer, actor=None)

    for url in pages(quotation):
        page = read(member_client, url, "id")
        assert "Harga satuan dari katalog." in page
        assert f"Diskon 7,5 % dari tipe pelanggan “{business_type.name}”." in page
        english = read(member_client, url, "en")
        assert "Unit prices from the catalog." in english
        assert f"7.5 % discount from the customer type “{business_type.name}”." in english


def test_the_larger_of_two_discounts_says_so_in_indonesian(member_client, customer, business_type):
    business_type.discount_percent = Decimal("5")
    business_type.save()
    quotation = services.quotation_create(customer=customer, actor=None)

    page = read(member_client, quotation.get_absolute_url(), "id")
    assert "keduanya tidak dijumlahkan" in page
    english = read(member_client, quotation.get_absolute_url(), "en")
    assert "they are not added" in english


def test_a_note_no_wording_matches_is_shown_as_stored(member_client, customer):
    quotation = services.quotation_create(customer=customer, actor=None)
    Quotation.objects.filter(pk=quotation.pk).update(discount_rule="agreed by phone with Ben")

    page = read(member_client, quotation.get_absolute_url(), "id")
    assert "Agreed by phone with Ben." in page


def test_a_group_with_a_long_name_prices_documents_in_either_language(
    member_client, company, business_type
):
    # A group's name may be 100 characters; the sentences that name it, in Indonesian and with
    # the type's discount beside the group's, run far beyond 200.
    name = "Koperasi Pedagang Grosir dan Eceran Nusantara Raya Bagian Timur, Wilayah Maluku Utara"
    business_type.discount_percent = Decimal("5")
    business_type.save()
    group = CustomerGroupFactory(company=company, name=name, discount_percent=Decimal("10"))
    lamp = ProductFactory(company=company, name="Lamp", unit_price=Decimal("40.00"))
    product_price_set(group=group, product=lamp, unit_price=Decimal("35.00"))
    buyer = CustomerFactory(
        company=company, name="Toko Sinar", customer_type=business_type, customer_group=group
    )

    for language in ("id", "en"):
        with translation.override(language):
            quotation = services.quotation_create(customer=buyer, actor=None)
            order = services.order_create(customer=buyer, actor=None)
        for document in (quotation, order):
            document.refresh_from_db()
            assert name in document.discount_rule and name in document.price_rule
            assert len(document.price_rule) > 200 or language == "en"
            assert f"“{name}”" in read(member_client, document.get_absolute_url(), language)
