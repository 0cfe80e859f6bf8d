"""The portal's catalog at the customer's prices, and the quotation request made from it."""

import re
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from crm.errors import DomainError
from crm.models import Membership, SystemEvent
from customers.models import CustomerLink, GroupPrice, ProductLimit
from customers.selectors import Buyer, ProductLimits, products_for
from customers.services import RequestedLine, customer_request_quotation
from leads.models import Opportunity, WishListItem
from selling import pricing, services
from tests.factories import (
    CustomerFactory,
    CustomerGroupFactory,
    CustomerTypeFactory,
    CustomerUserFactory,
    MembershipFactory,
    OpportunityStageFactory,
    ProductFactory,
)
from tests.portal.conftest import portal_sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def stage(company):
    return OpportunityStageFactory(company=company, name="Prospecting", kind="open")


@pytest.fixture
def business(company):
    return CustomerTypeFactory(company=company, name="Business", is_business=True)


@pytest.fixture
def private(company):
    return CustomerTypeFactory(company=company, name="Private", is_business=False)


@pytest.fixture
def vip(company):
    return CustomerGroupFactory(company=company, name="VIP", discount_percent=Decimal("10"))


@pytest.fixture
def kettle(company):
    return ProductFactory(
        company=company, sku="KET-1", name="Kettle", unit_price=Decimal("100.00"),
        vat_rate=Decimal("20.00"),
    )  # fmt: skip


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_a_business_customer_sees_net_prices_with_the_group_discount(
    client, company, business, vip, kettle
):
    customer = CustomerFactory(company=company, customer_type=business, customer_group=vip)
    portal_sign_in(client, CustomerUserFactory(customer=customer))
    page = _text(client.get(reverse("portal:catalog")))
    assert "Prices without VAT." in page
    assert "10 % discount from the customer group “VIP”" in page
    # List price 100.00 net, the customer's price 90.00 net.
    assert "100.00" in page and "90.00" in page
    assert "120.00" not in page


def test_a_private_customer_sees_gross_prices(client, company, private, kettle):
    customer = CustomerFactory(company=company, customer_type=private)
    portal_sign_in(client, CustomerUserFactory(customer=customer))
    page = _text(client.get(reverse("portal:catalog")))
    assert "Prices include VAT." in page
    assert "No discount applies." in page
    assert "120.00" in page


def _prices(page: str, product_name: str) -> list[str]:
    """The amounts in the catalog row of ``product_name``: the list price, then the customer's."""
    row = next(row for row in page.split("<tr>") if product_name in row)
    return [
        re.sub(r"<[^>]+>|&nbsp;", " ", cell).split()[0]
        for cell in re.findall(r'<td class="num"[^>]*>(.*?)</td>', row)
    ]


@pytest.mark.parametrize(
    ("type_key", "shown"),
    [
        # The catalog's 100.00 in the list-price column; 80.00 from the price list less 10 %.
        ("business", ["100.00", "72.00"]),
        # The same with 20 % VAT: 120.00 and 86.40.
        ("private", ["120.00", "86.40"]),
    ],
)
def test_the_catalog_shows_the_list_price_beside_the_group_price(
    client, company, business, private, vip, kettle, type_key, shown
):
    GroupPrice.objects.create(
        company=company, customer_group=vip, product=kettle, unit_price=Decimal("80.00")
    )
    customer_type = {"business": business, "private": private}[type_key]
    customer = CustomerFactory(company=company, customer_type=customer_type, customer_group=vip)
    portal_sign_in(client, CustomerUserFactory(customer=customer))
    page = _text(client.get(reverse("portal:catalog")))
    assert _prices(page, "Kettle") == shown
    assert "group price" in page


def test_products_for_other_types_or_groups_and_inactive_ones_are_not_listed(
    client, company, business, private, vip
):
    other_group = CustomerGroupFactory(company=company, name="Other")
    ProductFactory(company=company, name="For everyone")
    for_private = ProductFactory(company=company, name="Private only")
    ProductLimit.objects.create(company=company, product=for_private, customer_type=private)
    for_vip = ProductFactory(company=company, name="VIP only")
    ProductLimit.objects.create(company=company, product=for_vip, customer_group=vip)
    for_other = ProductFactory(company=company, name="Other group only")
    ProductLimit.objects.create(company=company, product=for_other, customer_group=other_group)
    ProductFactory(company=company, name="Withdrawn", is_active=False)
    customer = CustomerFactory(company=company, customer_type=business, customer_group=vip)
    portal_sign_in(client, CustomerUserFactory(customer=customer))
    page = _text(client.get(reverse("portal:catalog")))
    assert "For everyone" in page and "VIP only" in page
    for hidden in ("Private only", "Other group only", "Withdrawn"):
        assert hidden not in page


@pytest.mark.parametrize("type_key", ["business", "private"])
@pytest.mark.parametrize("group_key", [None, "vip", "other"])
def test_the_catalog_filter_agrees_with_product_limits(
    company, business, private, vip, type_key, group_key
):
    other = CustomerGroupFactory(company=company, name="Other")
    types, groups = {"business": business, "private": private}, {"vip": vip, "other": other}
    products = [ProductFactory(company=company) for _ in range(6)]
    ProductLimit.objects.create(company=company, product=products[1], customer_type=business)
    ProductLimit.objects.create(company=company, product=products[2], customer_group=vip)
    ProductLimit.objects.create(company=company, product=products[3], customer_type=private)
    ProductLimit.objects.create(company=company, product=products[3], customer_group=other)
    ProductLimit.objects.create(company=company, product=products[4], customer_type=business)
    ProductLimit.objects.create(company=company, product=products[4], customer_type=private)
    buyer = Buyer(name="x", customer_type=types[type_key], customer_group=groups.get(group_key))
    limits = ProductLimits(company=company)
    expected = {p.pk for p in products if limits.allows(p.pk, buyer)}
    assert set(products_for(buyer, company=company).values_list("pk", flat=True)) == expected


def test_search_by_name_or_sku_and_pages_of_25(client, company, business):
    for n in range(30):
        ProductFactory(company=company, sku=f"BLK-{n:03d}", name=f"Block {n:03d}")
    ProductFactory(company=company, sku="ZZ-TOP", name="Cable")
    customer = CustomerFactory(company=company, customer_type=business)
    portal_sign_in(client, CustomerUserFactory(customer=customer))
    first = _text(client.get(reverse("portal:catalog")))
    assert "1–25 of 31" in first
    assert "Block 000" in first and "Cable" not in first
    by_sku = _text(client.get(reverse("portal:catalog"), {"q": "zz-top"}))
    assert "Cable" in by_sku and "Block 000" not in by_sku
    by_name = _text(client.get(reverse("portal:catalog"), {"q": "block 02"}))
    assert "Block 020" in by_name and "Block 001" not in by_name


def test_the_catalog_query_budget_does_not_grow_with_rows(
    client, company, business, vip, django_assert_max_num_queries
):
    customer = CustomerFactory(company=company, customer_type=business, customer_group=vip)
    portal_sign_in(client, CustomerUserFactory(customer=customer))
    for _ in range(3):
        ProductFactory(company=company)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("portal:catalog"))
    for _ in range(25):
        product = ProductFactory(company=company)
        GroupPrice.objects.create(
            company=company, customer_group=vip, product=product, unit_price=Decimal("5")
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("portal:catalog")).status_code == 200


def test_a_guest_has_no_catalog(client, company, kettle):
    guest = CustomerUserFactory(customer=CustomerFactory(company=company), roles="guest")
    portal_sign_in(client, guest)
    assert client.get(reverse("portal:catalog")).status_code == 404
    assert "Catalog" not in _text(client.get(reverse("portal:home")))


# --- the quotation request ---------------------------------------------------------------------


def _request(client, product, quantity):
    return client.post(
        reverse("portal:quotation_request_line"),
        {"product": product.pk, "quantity": quantity, "next": reverse("portal:catalog")},
    )


def _key(client) -> str:
    page = client.get(reverse("portal:quotation_request")).content.decode()
    return re.search(r'name="request_key" value="([0-9a-f]+)"', page).group(1)


def test_a_request_arrives_as_one_opportunity_with_a_wish_list(
    buyer_client, buyer, customer, company, stage, kettle
):
    mug = ProductFactory(company=company, name="Mug")
    assert _request(buyer_client, kettle, "2").status_code == 302
    assert _request(buyer_client, mug, "1.5").status_code == 302
    assert _request(buyer_client, kettle, "3").status_code == 302  # the new quantity replaces
    key = _key(buyer_client)
    data = {"note": "Before Christmas, please.", "request_key": key}
    sent = buyer_client.post(reverse("portal:quotation_request"), data)
    assert sent.status_code == 302
    again = buyer_client.post(reverse("portal:quotation_request"), data)  # a double click
    assert again.status_code == 302
    opportunity = Opportunity.objects.get()
    assert CustomerLink.objects.get(opportunity=opportunity).customer == customer
    items = {item.product.name: item.quantity for item in WishListItem.objects.all()}
    assert items == {"Kettle": Decimal("3.00"), "Mug": Decimal("1.50")}
    event = SystemEvent.objects.get(
        owner_type=ContentType.objects.get_for_model(Opportunity),
        owner_id=opportunity.pk,
        data__portal_request=key,
    )
    assert f"Quotation requested on the portal by {buyer}" in event.body
    assert "Before Christmas" in event.body
    done = _text(buyer_client.get(sent["Location"]))
    assert "Your request reached Acme Trading; a salesperson will send you a quotation." in done
    # The list is empty again.
    assert "Your request is empty" in _text(buyer_client.get(reverse("portal:quotation_request")))


def test_a_bad_quantity_or_a_product_not_for_the_customer_changes_nothing(
    buyer_client, company, customer, stage, kettle
):
    page = buyer_client.get(reverse("portal:catalog"))
    assert page.status_code == 200
    for bad in ("0", "-1", "1.234", "many"):
        response = _request(buyer_client, kettle, bad)
        assert response.status_code == 302
    listed = _text(buyer_client.get(reverse("portal:quotation_request")))
    assert "Your request is empty" in listed
    group_only = ProductFactory(company=company, name="Group only")
    ProductLimit.objects.create(
        company=company, product=group_only, customer_group=CustomerGroupFactory(company=company)
    )
    assert _request(buyer_client, group_only, "1").status_code == 404
    other_company_product = ProductFactory(name="Elsewhere")
    assert _request(buyer_client, other_company_product, "1").status_code == 404
    assert not Opportunity.objects.exists()


def test_the_service_refuses_bad_lines(company, customer, buyer, stage, kettle, other_company):
    def request(lines, key="k1"):
        return customer_request_quotation(
            customer=customer,
            customer_user=buyer,
            lines=lines,
            request_key=key,
            net_amount_of=pricing.customer_wish_list_net,
        )

    with pytest.raises(DomainError, match="at least one product"):
        request([])
    with pytest.raises(DomainError, match="above zero"):
        request([RequestedLine(product=kettle, quantity=Decimal("0"))])
    limited = ProductFactory(company=company)
    ProductLimit.objects.create(
        company=company, product=limited, customer_group=CustomerGroupFactory(company=company)
    )
    with pytest.raises(DomainError, match="sold only to"):
        request([RequestedLine(product=limited, quantity=Decimal("1"))])
    inactive = ProductFactory(company=company, is_active=False)
    with pytest.raises(DomainError, match="not in the catalog"):
        request([RequestedLine(product=inactive, quantity=Decimal("1"))])
    stranger = CustomerUserFactory(customer=CustomerFactory(company=company))
    with pytest.raises(DomainError, match="your own customer"):
        customer_request_quotation(
            customer=customer,
            customer_user=stranger,
            lines=[RequestedLine(product=kettle, quantity=Decimal("1"))],
            request_key="k2",
            net_amount_of=pricing.customer_wish_list_net,
        )
    assert not Opportunity.objects.exists()
    made = request([RequestedLine(product=kettle, quantity=Decimal("2"))])
    assert request([RequestedLine(product=kettle, quantity=Decimal("9"))]) == made
    assert WishListItem.objects.get().quantity == Decimal("2")


# --- what the request is worth: the customer's prices, as the quotation made from it -------------


@pytest.fixture
def owner(company):
    return MembershipFactory(company=company, role=Membership.Role.OWNER).user


@pytest.mark.parametrize(
    ("price_list", "expected"),
    [
        # Kettle 3 x 80.00 from the price list, less 10 %: 216.00; the mug is not on the list:
        # 3 x 12.35 less 10 % = 33.345, rounded half up 33.35. The catalog says 337.05.
        (True, Decimal("249.35")),
        # No price list, only the group's 10 %: 3 x 100.00 = 270.00 and 33.35.
        (False, Decimal("303.35")),
    ],
    ids=["group price", "group discount"],
)
def test_a_requests_opportunity_is_worth_what_its_quotation_says(
    client, company, business, vip, kettle, stage, owner, price_list, expected
):
    mug = ProductFactory(company=company, name="Mug", unit_price=Decimal("12.35"))
    if price_list:
        GroupPrice.objects.create(
            company=company, customer_group=vip, product=kettle, unit_price=Decimal("80.00")
        )
    customer = CustomerFactory(company=company, customer_type=business, customer_group=vip)
    portal_sign_in(client, CustomerUserFactory(customer=customer))
    assert _request(client, kettle, "3").status_code == 302
    assert _request(client, mug, "3").status_code == 302
    sent = client.post(reverse("portal:quotation_request"), {"request_key": _key(client)})
    assert sent.status_code == 302

    opportunity = Opportunity.objects.get()
    assert opportunity.expected_amount == expected
    quotation = services.quotation_create(opportunity=opportunity, actor=owner)
    assert quotation.net_total == opportunity.expected_amount
