"""Groups and types completed (seeds 002, 003): a group's price list and payment terms, products
limited to customer types or groups, and every document saying which rule gave its prices.

The rule order under test (``selling.pricing``): the group's price replaces the catalog price,
then the party discount applies on top of either.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.errors import DomainError
from customers.models import Customer, CustomerType, GroupPrice, ProductLimit
from customers.services import customer_group_save, product_price_set
from leads.models import WishListItem
from selling import pricing, services
from selling.models import Quotation, SalesOrder
from tests.factories import (
    CustomerFactory,
    CustomerGroupFactory,
    LeadFactory,
    OpportunityFactory,
    ProductFactory,
    WishListItemFactory,
)
from tests.selling.conftest import stage_of


@pytest.fixture
def types(company, defaults):
    return (
        CustomerType.objects.get(company=company, is_business=False),
        CustomerType.objects.get(company=company, is_business=True),
    )


@pytest.fixture
def wholesale(company):
    """A group with 10 % discount, 14 days to pay and a price for the monitor only."""
    group = CustomerGroupFactory(
        company=company, name="Wholesale", discount_percent=Decimal("10"), payment_terms_days=14
    )
    return group


@pytest.fixture
def monitor(company, wholesale):
    product = ProductFactory(
        company=company, name="Monitor", unit_price=Decimal("329.00"), vat_rate=Decimal("19")
    )
    product_price_set(group=wholesale, product=product, unit_price=Decimal("289.00"))
    return product


@pytest.fixture
def dock(company):
    return ProductFactory(
        company=company, name="Dock", unit_price=Decimal("189.00"), vat_rate=Decimal("19")
    )


@pytest.fixture
def bundle(company, types):
    """A wholesale bundle: business customers only."""
    product = ProductFactory(
        company=company, name="Wholesale bundle", unit_price=Decimal("1690.00")
    )
    ProductLimit.objects.create(company=company, product=product, customer_type=types[1])
    return product


@pytest.fixture
def private_customer(company, types):
    return CustomerFactory(company=company, name="Greta Lorenz", customer_type=types[0])


@pytest.fixture
def business_customer(company, types, wholesale):
    return CustomerFactory(
        company=company, name="Nordlicht AG", customer_type=types[1], customer_group=wholesale
    )


def add_lines(document, *products):
    return services.document_lines_save(
        document=document,
        actor=None,
        lines=[services.LineInput(product=product, quantity=Decimal("1")) for product in products],
    )


# --- pricing: the group's price, else the catalog's; the discount on top --------------------------


def test_group_price_replaces_the_catalog_price_and_the_discount_applies_on_top(
    business_customer, monitor, dock
):
    quotation = services.quotation_create(customer=business_customer, actor=None)
    add_lines(quotation, monitor, dock)

    quotation.refresh_from_db()
    by_name = {line.product.name: line for line in quotation.items.all()}
    # The monitor from the group's price list, the dock (not on it) at the catalog price.
    assert by_name["Monitor"].unit_price == Decimal("289.00")
    assert by_name["Dock"].unit_price == Decimal("189.00")
    # Then the group's 10 % on both: 289 × 0.9 = 260.10, 189 × 0.9 = 170.10.
    assert by_name["Monitor"].net_amount == Decimal("260.10")
    assert by_name["Dock"].net_amount == Decimal("170.10")
    assert quotation.net_total == Decimal("430.20")
    assert quotation.price_group_id == business_customer.customer_group_id
    assert "price list of customer group “Wholesale”" in quotation.price_rule
    assert "catalog price for products not on it" in quotation.price_rule
    assert "discount applies on top" in quotation.price_rule


def test_a_party_without_group_prices_is_priced_from_the_catalog(company, types, monitor):
    # The monitor has a group price, but not for this customer's (empty) group.
    customer = CustomerFactory(
        company=company,
        customer_type=types[1],
        customer_group=CustomerGroupFactory(company=company, name="Retail"),
    )
    quotation = services.quotation_create(customer=customer, actor=None)
    add_lines(quotation, monitor)

    quotation.refresh_from_db()
    assert quotation.items.get().unit_price == Decimal("329.00")
    assert quotation.price_group_id is None
    assert quotation.price_rule == "unit prices from the catalog"


def test_terms_for_names_the_price_list_and_its_prices(business_customer, monitor):
    terms = pricing.terms_for(customer=business_customer)
    assert terms.price_group_id == business_customer.customer_group_id
    assert dict(terms.group_prices) == {monitor.pk: Decimal("289.00")}
    assert terms.unit_price(monitor) == Decimal("289.00")
    assert pricing.line_defaults(monitor, terms)["unit_price"] == Decimal("289.00")


def test_a_typed_price_still_wins_over_the_group_price(business_customer, monitor):
    quotation = services.quotation_create(customer=business_customer, actor=None)
    services.document_lines_save(
        document=quotation,
        actor=None,
        lines=[
            services.LineInput(product=monitor, quantity=Decimal("1"), unit_price=Decimal("300"))
        ],
    )
    assert quotation.items.get().unit_price == Decimal("300.00")


def test_the_wish_list_is_priced_from_the_group_price_list(
    company, business_customer, monitor, defaults
):
    opportunity = OpportunityFactory(company=company, stage=stage_of(company, "open"))
    from customers.services import customer_open_opportunity

    opportunity = customer_open_opportunity(customer=business_customer, actor=None, title="Screens")
    WishListItemFactory(
        company=company, lead=None, opportunity=opportunity, product=monitor, quantity=2
    )
    quotation = services.quotation_create(opportunity=opportunity, actor=None)
    line = quotation.items.get()
    assert line.unit_price == Decimal("289.00")
    assert line.net_amount == Decimal("520.20")  # 2 × 289 − 10 %


# --- payment terms ------------------------------------------------------------------------------


def test_documents_store_the_groups_payment_terms_and_an_order_keeps_the_quotations(
    business_customer, monitor
):
    quotation = services.quotation_create(customer=business_customer, actor=None)
    add_lines(quotation, monitor)
    assert quotation.payment_terms_days == 14
    assert quotation.payment_terms_label == "14 days net"
    # The group changes its terms and prices later: the quotation's stand, and so do its order's.
    business_customer.customer_group.payment_terms_days = 60
    business_customer.customer_group.save()
    product_price_set(
        group=business_customer.customer_group, product=monitor, unit_price=Decimal("1")
    )
    services.quotation_send(quotation=quotation, actor=None)
    services.quotation_accept(quotation=quotation, actor=None)
    order = services.order_from_quotation(quotation=quotation, actor=None)

    assert order.payment_terms_days == 14
    assert (order.price_group_id, order.price_rule) == (
        quotation.price_group_id,
        quotation.price_rule,
    )
    assert order.payment_due_date == order.order_date + datetime.timedelta(days=14)
    quotation.refresh_from_db()
    assert order.net_total == quotation.net_total == Decimal("260.10")


def test_a_party_without_a_group_pays_in_30_days(private_customer):
    order = services.order_create(
        customer=private_customer, actor=None, order_date=datetime.date(2026, 3, 1)
    )
    assert order.payment_terms_days == 30
    assert order.payment_due_date == datetime.date(2026, 3, 31)


def test_zero_days_is_due_on_receipt(company, types):
    group = CustomerGroupFactory(company=company, name="Cash", payment_terms_days=0)
    customer = CustomerFactory(company=company, customer_type=types[0], customer_group=group)
    order = services.order_create(customer=customer, actor=None)
    assert order.payment_terms_label == "due on receipt"
    assert order.payment_due_date == order.order_date


def test_pages_and_print_views_show_the_price_rule_and_payment(
    member_client, business_customer, monitor
):
    quotation = services.quotation_create(customer=business_customer, actor=None)
    add_lines(quotation, monitor)
    order = services.order_create(
        customer=business_customer, actor=None, order_date=datetime.date(2026, 3, 2)
    )
    add_lines(order, monitor)

    for url in (
        quotation.get_absolute_url(),
        reverse("selling:quotation_print", args=[quotation.pk]),
    ):
        html = member_client.get(url).content.decode()
        assert "price list of customer group “Wholesale”" in html
        assert "14 days net" in html
        assert "10 % discount from the customer group “Wholesale”" in html
    for url in (order.get_absolute_url(), reverse("selling:order_print", args=[order.pk])):
        html = member_client.get(url).content.decode()
        assert "price list of customer group “Wholesale”" in html
        assert "14 days net" in html
        assert "due 16 March 2026" in html
    items = member_client.get(reverse("selling:quotation_items", args=[quotation.pk]))
    assert "price list (else the catalog price)" in items.content.decode()


def test_a_document_made_before_price_lists_says_catalog(member_client, private_customer):
    quotation = services.quotation_create(customer=private_customer, actor=None)
    Quotation.objects.filter(pk=quotation.pk).update(price_rule="")
    html = member_client.get(quotation.get_absolute_url()).content.decode()
    assert "Unit prices from the catalog." in html


# --- products limited to types or groups --------------------------------------------------------


def test_a_business_only_product_is_refused_for_a_private_customer_and_nothing_changes(
    private_customer, bundle, dock
):
    quotation = services.quotation_create(customer=private_customer, actor=None)
    add_lines(quotation, dock)

    with pytest.raises(DomainError, match="sold only to these customer types: “Business”") as error:
        add_lines(quotation, dock, bundle)
    assert "Greta Lorenz is “Private”" in error.value.message

    quotation.refresh_from_db()
    assert [line.product for line in quotation.items.all()] == [dock]
    # A line changed to the bundle is refused the same way.
    line = quotation.items.get()
    with pytest.raises(DomainError, match="Wholesale bundle"):
        services.document_lines_save(
            document=quotation,
            actor=None,
            lines=[services.LineInput(id=line.pk, product=bundle, quantity=Decimal("1"))],
        )
    assert quotation.items.get().product == dock


def test_a_business_customer_may_buy_the_bundle(business_customer, bundle):
    order = services.order_create(customer=business_customer, actor=None)
    add_lines(order, bundle)
    assert order.items.get().product == bundle


def test_a_group_only_product_is_for_members_of_that_group(
    company, types, business_customer, wholesale
):
    vip = CustomerGroupFactory(company=company, name="VIP")
    gift = ProductFactory(company=company, name="Gift box")
    ProductLimit.objects.create(company=company, product=gift, customer_group=vip)
    outsider = CustomerFactory(company=company, name="Outsider", customer_type=types[1])

    for customer, message in (
        (business_customer, "Nordlicht AG is in “Wholesale”"),
        (outsider, "Outsider is in no group"),
    ):
        quotation = services.quotation_create(customer=customer, actor=None)
        with pytest.raises(DomainError, match=message):
            add_lines(quotation, gift)
    member = CustomerFactory(company=company, customer_type=types[0], customer_group=vip)
    quotation = services.quotation_create(customer=member, actor=None)
    add_lines(quotation, gift)
    assert quotation.items.count() == 1


def test_limits_to_a_type_and_a_group_must_both_pass(company, types, wholesale):
    product = ProductFactory(company=company)
    ProductLimit.objects.create(company=company, product=product, customer_type=types[1])
    ProductLimit.objects.create(company=company, product=product, customer_group=wholesale)
    business_in_group = CustomerFactory(
        company=company, customer_type=types[1], customer_group=wholesale
    )
    private_in_group = CustomerFactory(
        company=company, customer_type=types[0], customer_group=wholesale
    )
    business_alone = CustomerFactory(company=company, customer_type=types[1])

    add_lines(services.quotation_create(customer=business_in_group, actor=None), product)
    for customer in (private_in_group, business_alone):
        with pytest.raises(DomainError):
            add_lines(services.quotation_create(customer=customer, actor=None), product)


@pytest.fixture
def private_opportunity(company, defaults, bundle, dock):
    """An opportunity of a private person (no organization) who wished for the bundle."""
    lead = LeadFactory(company=company, organization_name="", status="converted")
    opportunity = OpportunityFactory(company=company, lead=lead, stage=stage_of(company, "open"))
    for product in (dock, bundle):
        WishListItemFactory(
            company=company, lead=None, opportunity=opportunity, product=product, quantity=1
        )
    return opportunity


def test_a_wish_list_with_a_product_the_party_may_not_buy_is_refused_whole(
    private_opportunity,
):
    with pytest.raises(DomainError, match="Wholesale bundle"):
        services.quotation_create(opportunity=private_opportunity, actor=None)
    assert not Quotation.objects.exists()

    customers_before = Customer.objects.count()
    with pytest.raises(DomainError, match="Wholesale bundle"):
        services.order_from_opportunity(
            opportunity=private_opportunity, actor=None, allow_duplicates=True
        )
    # The customer the order would have made is not left behind either.
    assert Customer.objects.count() == customers_before
    assert not SalesOrder.objects.exists()

    # Without the bundle on the wish list, it goes through.
    WishListItem.objects.filter(
        opportunity=private_opportunity, product__name__contains="bundle"
    ).delete()
    quotation = services.quotation_create(opportunity=private_opportunity, actor=None)
    assert quotation.items.count() == 1


def test_an_order_from_a_quotation_checks_the_customer_as_it_is_now(
    company, types, business_customer, bundle
):
    quotation = services.quotation_create(customer=business_customer, actor=None)
    add_lines(quotation, bundle)
    services.quotation_send(quotation=quotation, actor=None)
    services.quotation_accept(quotation=quotation, actor=None)
    # Meanwhile the customer was found to be a private person.
    Customer.objects.filter(pk=business_customer.pk).update(customer_type=types[0])

    with pytest.raises(DomainError, match="Wholesale bundle"):
        services.order_from_quotation(quotation=quotation, actor=None)
    quotation.refresh_from_db()
    assert quotation.status == Quotation.Status.ACCEPTED
    assert not SalesOrder.objects.exists()


# --- the items page: the picker offers only what the party may buy ----------------------------


def product_values(response) -> set[str]:
    field = response.context["formset"].forms[-1].fields["product"]
    return {str(value) for value, _label in field.choices if value}


def test_the_picker_leaves_out_what_the_party_may_not_buy(
    member_client, company, private_customer, business_customer, bundle, dock, other_company
):
    with scopes_disabled():
        foreign = ProductFactory(company=other_company, name="Foreign")
    private_quotation = services.quotation_create(customer=private_customer, actor=None)
    business_quotation = services.quotation_create(customer=business_customer, actor=None)

    private_page = member_client.get(
        reverse("selling:quotation_items", args=[private_quotation.pk])
    )
    business_page = member_client.get(
        reverse("selling:quotation_items", args=[business_quotation.pk])
    )
    assert str(bundle.pk) not in product_values(private_page)
    assert str(dock.pk) in product_values(private_page)
    assert {str(bundle.pk), str(dock.pk)} <= product_values(business_page)
    for page in (private_page, business_page):
        assert str(foreign.pk) not in product_values(page)
        assert "Foreign" not in page.content.decode()

    row = member_client.get(
        reverse("selling:quotation_items_row", args=[private_quotation.pk]),
        {"lines-TOTAL_FORMS": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert "Wholesale bundle" not in row.content.decode()
    assert "Dock" in row.content.decode()


def post_one_line(member_client, document, product) -> object:
    url = reverse("selling:quotation_items", args=[document.pk])
    return member_client.post(
        url,
        {
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "200",
            "document_version": str(document.version),
            "lines-0-id": "",
            "lines-0-product": str(product.pk),
            "lines-0-quantity": "1",
        },
    )


def test_posting_a_product_the_party_may_not_buy_is_refused_with_the_reason(
    member_client, private_customer, bundle
):
    quotation = services.quotation_create(customer=private_customer, actor=None)
    response = post_one_line(member_client, quotation, bundle)

    assert response.status_code == 200
    html = response.content.decode()
    assert "sold only to these customer types: “Business”" in html
    assert not quotation.items.exists()


def test_posting_another_companys_product_is_refused(
    member_client, private_customer, other_company
):
    with scopes_disabled():
        foreign = ProductFactory(company=other_company)
    quotation = services.quotation_create(customer=private_customer, actor=None)
    response = post_one_line(member_client, quotation, foreign)
    assert "Choose a product from your catalog." in response.content.decode()
    assert not quotation.items.exists()


def test_a_line_priced_from_the_group_list_on_the_items_page(
    member_client, business_customer, monitor
):
    quotation = services.quotation_create(customer=business_customer, actor=None)
    response = post_one_line(member_client, quotation, monitor)
    assert response.status_code == 302
    assert quotation.items.get().unit_price == Decimal("289.00")


def test_items_page_queries_do_not_grow_with_group_prices_and_limits(
    member_client, company, business_customer, wholesale, types
):
    quotation = services.quotation_create(customer=business_customer, actor=None)

    def queries_with(count):
        for _ in range(count):
            product = ProductFactory(company=company)
            GroupPrice.objects.create(
                company=company, customer_group=wholesale, product=product, unit_price=1
            )
            ProductLimit.objects.create(company=company, product=product, customer_type=types[1])
        url = reverse("selling:quotation_items", args=[quotation.pk])
        member_client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert member_client.get(url).status_code == 200
        return len(queries)

    few = queries_with(1)
    assert queries_with(20) == few


# --- tenancy ------------------------------------------------------------------------------------


def test_another_companys_product_cannot_go_on_a_price_list(wholesale, other_company):
    with scopes_disabled():
        foreign = ProductFactory(company=other_company)
    with pytest.raises(DomainError, match="does not belong to your company"):
        customer_group_save(row=wholesale, prices={foreign: Decimal("1")})
    with pytest.raises(DomainError, match="does not belong to your company"):
        customer_group_save(row=wholesale, limited_products=[foreign])
    assert not GroupPrice.objects.filter(customer_group=wholesale).exists()


def test_a_line_the_party_may_no_longer_buy_stops_confirm_send_and_accept(
    business_customer, bundle, types
):
    order = services.order_create(customer=business_customer, actor=None)
    add_lines(order, bundle)
    quotation = services.quotation_create(customer=business_customer, actor=None)
    add_lines(quotation, bundle)
    # The customer turns out to be a private person: the bundle is not for it any more.
    Customer.objects.filter(pk=business_customer.pk).update(customer_type=types[0])

    with pytest.raises(DomainError, match="Wholesale bundle"):
        services.order_confirm(order=order, actor=None)
    with pytest.raises(DomainError, match="Wholesale bundle"):
        services.quotation_send(quotation=quotation, actor=None)
    order.refresh_from_db()
    quotation.refresh_from_db()
    assert (order.status, quotation.status) == ("draft", "draft")
