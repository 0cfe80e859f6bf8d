"""In the browser: a manager puts a product on a customer group's price list, quotes a customer
of that group, and the quotation shows the group price and says which rule gave it."""

from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from crm.models import Membership
from customers.models import CustomerType, GroupPrice
from customers.services import customer_open_opportunity, product_price_set
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from tests.e2e.conftest import assert_accessible, log_in, screenshot
from tests.factories import (
    DEFAULT_PASSWORD,
    CompanyFactory,
    CustomerFactory,
    CustomerGroupFactory,
    MembershipFactory,
    ProductFactory,
    WishListItemFactory,
)


@pytest.fixture
def setup(transactional_db):
    with scopes_disabled():
        company = CompanyFactory(name="Northwind Traders")
        user = MembershipFactory(company=company, role=Membership.Role.MANAGER).user
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        group = CustomerGroupFactory(company=company, name="Wholesale", payment_terms_days=14)
        customer = CustomerFactory(
            company=company,
            name="Krüger Handel GmbH",
            customer_type=CustomerType.objects.get(company=company, is_business=True),
            customer_group=group,
        )
        product = ProductFactory(
            company=company, name="Office chair", unit_price=Decimal("100.00"), vat_rate=19
        )
    return company, user, group, customer, product


def test_a_group_price_gives_the_quotations_price_and_the_rule_says_so(page, setup):
    company, user, group, customer, product = setup
    log_in(page, user.username, DEFAULT_PASSWORD)

    # The group's page: put the chair on its price list at 80.00.
    page.goto(group.get_absolute_url())
    assert_accessible(page)
    page.get_by_label("Product, row 1").select_option(label=f"Office chair ({product.sku})")
    page.get_by_label("Group price (net), row 1").fill("80")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Wholesale was saved.")).to_be_visible()
    with scope(company=company):
        assert GroupPrice.objects.get(customer_group=group).unit_price == Decimal("80.00")

    # A quotation for a customer of the group: the chair comes at the group's price.
    page.goto(customer.get_absolute_url())
    page.locator("[data-next-step]").get_by_role("button", name="New quotation").click()
    page.wait_for_url("**/selling/quotations/*/")
    page.get_by_role("link", name="Edit lines").click()
    page.get_by_label("Product, line 1").select_option(label=f"Office chair ({product.sku})")
    page.get_by_role("button", name="Save lines").click()
    page.wait_for_url("**/selling/quotations/*/")

    lines = page.locator("table", has_text="Office chair")
    expect(lines).to_contain_text("80.00")
    expect(lines).not_to_contain_text("100.00")
    expect(
        page.get_by_text("Unit prices from the price list of customer group “Wholesale”")
    ).to_be_visible()
    expect(page.get_by_text("14 days net")).to_be_visible()
    assert_accessible(page)


def test_the_opportunitys_wish_list_shows_the_group_price_its_quotation_charges(page, setup):
    company, user, group, customer, product = setup
    with scope(company=company):
        group.discount_percent = Decimal("10")
        group.save()
        product_price_set(group=group, product=product, unit_price=Decimal("80.00"))
        opportunity = customer_open_opportunity(
            customer=customer, actor=None, title="Chairs for the new office"
        )
        WishListItemFactory(
            company=company,
            lead=None,
            opportunity=opportunity,
            product=product,
            quantity=Decimal("5"),
        )
    log_in(page, user.username, DEFAULT_PASSWORD)

    page.goto(opportunity.get_absolute_url())
    wishes = page.locator("section", has=page.get_by_role("heading", name="Wish list"))
    chair = wishes.get_by_role("row", name="Office chair")
    # 5 × 80.00 − 10 % = 360.00; the catalog's 100.00 beneath the group's price.
    expect(chair).to_contain_text("80.00")
    expect(chair).to_contain_text("catalog 100.00")
    expect(chair).to_contain_text("10 %")
    expect(wishes.locator("tfoot")).to_contain_text("360.00")
    expect(wishes).to_contain_text("price list of customer group “Wholesale”")
    expect(wishes).to_contain_text("10 % discount from the customer group “Wholesale”")
    screenshot(page, "opportunity-wish-list-group-prices")
    assert_accessible(page)

    # The quotation made from it says the same total.
    page.locator("[data-next-step]").get_by_role("button", name="New quotation").click()
    page.wait_for_url("**/selling/quotations/*/")
    expect(page.locator("tfoot")).to_contain_text("360.00")


def _box(locator):
    box = locator.bounding_box()
    assert box is not None
    return box


def test_the_price_list_is_a_table_of_product_price_and_remove(page, setup):
    company, user, group, customer, product = setup
    with scope(company=company):
        GroupPrice.objects.create(
            company=company, customer_group=group, product=product, unit_price=Decimal("80.00")
        )
    log_in(page, user.username, DEFAULT_PASSWORD)
    page.goto(group.get_absolute_url())

    # Each row is one line: the product, under "Group price (net)" its price, then Remove.
    prices = page.locator("table.price-list")
    price_header = _box(prices.get_by_role("columnheader", name="Group price (net)"))
    chosen = _box(page.get_by_label("Product, row 1"))
    price = _box(page.get_by_label("Group price (net), row 1"))
    remove = _box(page.get_by_label("Remove row 1"))
    assert abs(price["y"] - chosen["y"]) < 4, "the price sits beside its product"
    assert price["x"] >= chosen["x"] + chosen["width"]
    assert price_header["x"] - 2 <= price["x"]
    assert price["x"] + price["width"] <= price_header["x"] + price_header["width"] + 2
    assert remove["x"] >= price["x"] + price["width"]
    assert abs((remove["y"] + remove["height"] / 2) - (price["y"] + price["height"] / 2)) < 6
    next_row = _box(page.get_by_label("Product, row 2"))
    assert next_row["y"] >= price["y"] + price["height"]
    expect(page.get_by_label("Group price (net), row 1")).to_have_value("80.00")
    screenshot(page, "group-price-list-1280")

    # On a phone each row stacks: the product over its price, the labels shown, no sideways
    # scrolling.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_text("Group price (net), row 1")).to_be_visible()
    chosen = _box(page.get_by_label("Product, row 1"))
    price = _box(page.get_by_label("Group price (net), row 1"))
    assert price["y"] >= chosen["y"] + chosen["height"]
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the price list scrolls the page sideways by {overflow}px"
    assert_accessible(page)
    screenshot(page, "group-price-list-390")
