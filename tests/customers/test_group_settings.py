"""A customer group's settings page edits its payment terms, price list and group-only products;
a type's page its type-only products. Company products only; all or nothing; query budget."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.models import Membership
from customers.models import CustomerGroup, CustomerType, GroupPrice, ProductLimit
from customers.setup import customers_defaults_apply
from tests.conftest import login_as
from tests.factories import CustomerGroupFactory, MembershipFactory, ProductFactory


@pytest.fixture
def group(company):
    return CustomerGroupFactory(company=company, name="Wholesale", discount_percent=Decimal("10"))


@pytest.fixture
def products(company):
    return [
        ProductFactory(company=company, name=name, unit_price=Decimal("100"))
        for name in ("Chair", "Desk", "Lamp")
    ]


def group_url(group):
    return reverse("customers:group_update", args=[group.pk])


def page_data(response, **changes) -> dict:
    """The group page's form and price rows as the browser would post them, then ``changes``
    (keys as posted, e.g. ``prices-0-unit_price``)."""
    form = response.context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if name == "limited_products":
            data[name] = [str(v) for v in value or []]
        elif value is not None:
            data[name] = str(value)
    prices = form.prices
    data.update(
        {
            "prices-TOTAL_FORMS": str(prices.total_form_count()),
            "prices-INITIAL_FORMS": str(prices.initial_form_count()),
            "prices-MIN_NUM_FORMS": "0",
            "prices-MAX_NUM_FORMS": "1000",
        }
    )
    for row in prices.forms:
        for name in ("product", "unit_price"):
            value = row[name].value()
            data[row.add_prefix(name)] = "" if value is None else str(value)
    data.update(changes)
    return data


def prices_of(group):
    return {
        row.product.name: row.unit_price
        for row in GroupPrice.objects.filter(customer_group=group).select_related("product")
    }


def test_set_payment_terms_prices_and_group_only_products(member_client, group, products):
    chair, desk, lamp = products
    page = member_client.get(group_url(group))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Price list" in html and "Payment terms (days)" in html

    response = member_client.post(
        group_url(group),
        page_data(
            page,
            payment_terms_days="14",
            limited_products=[str(lamp.pk)],
            **{
                "prices-0-product": str(chair.pk),
                "prices-0-unit_price": "89.50",
                "prices-1-product": str(desk.pk),
                "prices-1-unit_price": "0",
            },
        ),
    )

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.payment_terms_days == 14
    assert prices_of(group) == {"Chair": Decimal("89.50"), "Desk": Decimal("0.00")}
    assert list(
        ProductLimit.objects.filter(customer_group=group).values_list("product", flat=True)
    ) == [lamp.pk]
    list_html = member_client.get(reverse("customers:group_list")).content.decode()
    assert "14 days net" in list_html

    # Change one price, remove the other, and add the lamp.
    page = member_client.get(group_url(group))
    rows = {row["product"].value(): row for row in page.context["form"].prices.forms[:2]}
    data = page_data(
        page,
        **{
            rows[chair.pk].add_prefix("unit_price"): "79",
            rows[desk.pk].add_prefix("DELETE"): "on",
            "prices-2-product": str(lamp.pk),
            "prices-2-unit_price": "12.30",
        },
    )
    assert member_client.post(group_url(group), data).status_code == 302
    assert prices_of(group) == {"Chair": Decimal("79.00"), "Lamp": Decimal("12.30")}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"prices-1-unit_price": "-1"}, "Enter a value of at least 0.00 in “Group price (net)”."),
        ({"prices-1-unit_price": "abc"}, "Type “Group price (net)” as a number, for example"),
        ({"prices-1-unit_price": ""}, "This field is required."),
        ({"prices-1-product": "", "prices-1-unit_price": "5"}, "This field is required."),
        ({"prices-1-product": "CHAIR"}, "same product twice"),
        ({"payment_terms_days": "400"}, "less than or equal to 365"),
        ({"payment_terms_days": "-3"}, "greater than or equal to 0"),
    ],
    ids=[
        "negative",
        "not-a-number",
        "no-price",
        "no-product",
        "twice",
        "too-long",
        "negative-days",
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_changes(
    member_client, group, products, changes, message
):
    chair, desk, _lamp = products
    GroupPrice.objects.create(
        company=group.company, customer_group=group, product=chair, unit_price=5
    )
    page = member_client.get(group_url(group))
    changes = {
        key: (str(chair.pk) if value == "CHAIR" else value) for key, value in changes.items()
    }
    data = page_data(
        page, **{"prices-1-product": str(desk.pk), "prices-1-unit_price": "7", **changes}
    )
    response = member_client.post(group_url(group), data)

    assert response.status_code == 200
    html = response.content.decode()
    if message == "same product twice":
        assert "is on the price list twice" in html
    else:
        assert message in html
    assert prices_of(group) == {"Chair": Decimal("5.00")}
    group.refresh_from_db()
    assert group.payment_terms_days == 30 and group.version == 1


def test_only_the_companys_products_are_offered_and_accepted(
    member_client, company, group, products, other_company
):
    with scopes_disabled():
        foreign = ProductFactory(company=other_company, name="Foreign thing")
    page = member_client.get(group_url(group))
    assert "Foreign thing" not in page.content.decode()

    for changes in (
        {"prices-0-product": str(foreign.pk), "prices-0-unit_price": "1"},
        {"limited_products": [str(foreign.pk)]},
    ):
        response = member_client.post(group_url(group), page_data(page, **changes))
        assert response.status_code == 200
        assert not GroupPrice.objects.exists() and not ProductLimit.objects.exists()


def test_another_companys_group_is_a_404(other_client, group):
    assert other_client.get(group_url(group)).status_code == 404
    assert other_client.post(group_url(group), {}).status_code == 404


def test_a_stale_page_is_refused_and_its_prices_not_saved(member_client, group, products):
    chair = products[0]
    page = member_client.get(group_url(group))
    group.description = "Changed by someone else"
    group.save()
    data = page_data(page, **{"prices-0-product": str(chair.pk), "prices-0-unit_price": "1"})
    response = member_client.post(group_url(group), data)
    assert response.status_code == 200
    assert "after you opened it" in response.content.decode()
    assert not GroupPrice.objects.exists()


def test_group_page_queries_do_not_grow_with_the_price_list(member_client, company, group):
    def queries_with(count):
        for _ in range(count):
            product = ProductFactory(company=company)
            GroupPrice.objects.create(
                company=company, customer_group=group, product=product, unit_price=1
            )
            ProductLimit.objects.create(company=company, product=product, customer_group=group)
        member_client.get(group_url(group))
        with CaptureQueriesContext(connection) as queries:
            response = member_client.get(group_url(group))
        assert response.status_code == 200
        return len(queries)

    few = queries_with(1)
    assert queries_with(25) == few


def test_a_type_page_sets_the_products_only_for_that_type(member_client, company, products):
    customers_defaults_apply(company)
    business = CustomerType.objects.get(company=company, is_business=True)
    bundle = products[2]
    url = reverse("customers:type_update", args=[business.pk])
    page = member_client.get(url)
    assert "Products only for this type" in page.content.decode()

    response = member_client.post(
        url,
        {
            "name": "Business",
            "is_business": "on",
            "discount_percent": "0",
            "version": str(business.version),
            "limited_products": [str(bundle.pk)],
        },
    )
    assert response.status_code == 302
    assert ProductLimit.objects.get().customer_type == business
    # Emptied: the bundle is for everyone again.
    response = member_client.post(
        url,
        {"name": "Business", "is_business": "on", "discount_percent": "0", "version": "2"},
    )
    assert response.status_code == 302
    assert not ProductLimit.objects.exists()


def test_a_new_group_gets_30_days_when_left_empty(member_client):
    response = member_client.post(
        reverse("customers:group_create"), {"name": "Retail", "discount_percent": "0"}
    )
    assert response.status_code == 302
    assert CustomerGroup.objects.get().payment_terms_days == 30


def test_admin_group_page_shows_its_price_list_with_company_products_only(
    client, company, group, products, other_company
):
    with scopes_disabled():
        ProductFactory(company=other_company, name="Foreign thing")
    user = MembershipFactory(company=company, role=Membership.Role.ADMIN, user__is_staff=True).user
    user.user_permissions.set(Permission.objects.all())
    login_as(client, user, company)
    GroupPrice.objects.create(
        company=company, customer_group=group, product=products[0], unit_price=3
    )

    response = client.get(reverse("admin:customers_customergroup_change", args=[group.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Group prices" in html and "Chair" in html
    assert "Foreign thing" not in html


def test_admin_refuses_a_product_twice_on_the_price_list_with_a_message(
    client, company, group, products
):
    user = MembershipFactory(company=company, role=Membership.Role.ADMIN, user__is_staff=True).user
    user.user_permissions.set(Permission.objects.all())
    login_as(client, user, company)
    chair = products[0]
    GroupPrice.objects.create(company=company, customer_group=group, product=chair, unit_price=3)
    row = GroupPrice.objects.get()
    data = {
        "name": group.name,
        "discount_percent": "10",
        "payment_terms_days": "30",
        "description": "",
        "version": str(group.version),
        "prices-TOTAL_FORMS": "2",
        "prices-INITIAL_FORMS": "1",
        "prices-MIN_NUM_FORMS": "0",
        "prices-MAX_NUM_FORMS": "1000",
        "prices-0-id": str(row.pk),
        "prices-0-customer_group": str(group.pk),
        "prices-0-product": str(chair.pk),
        "prices-0-unit_price": "3",
        "prices-1-id": "",
        "prices-1-customer_group": str(group.pk),
        "prices-1-product": str(chair.pk),
        "prices-1-unit_price": "4",
        "product_limits-TOTAL_FORMS": "0",
        "product_limits-INITIAL_FORMS": "0",
        "product_limits-MIN_NUM_FORMS": "0",
        "product_limits-MAX_NUM_FORMS": "1000",
    }

    response = client.post(reverse("admin:customers_customergroup_change", args=[group.pk]), data)

    assert response.status_code == 200
    assert "Please correct the duplicate data" in response.content.decode()
    assert GroupPrice.objects.count() == 1
