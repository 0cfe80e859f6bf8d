"""The money rules, for any figures: lines rounded half up on their own, totals the sums of the
rounded lines, VAT per rate adding up, net for businesses and gross for private customers, the
larger of the group and type discounts (never both), and an opportunity priced as the customer
it would become.

The expected figures come from exact fractions and an independent half-up rounding, not from
``selling.pricing`` itself. End-to-end cases go through the services (``quotation_create``,
``document_lines_save``), each hypothesis example inside a transaction it rolls back.
"""

import math
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crm.errors import DomainError
from customers.models import CustomerType, GroupPrice
from customers.services import RequestedLine, customer_request_quotation
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from selling import pricing, services
from tests.factories import (
    CustomerFactory,
    CustomerGroupFactory,
    CustomerTypeFactory,
    CustomerUserFactory,
    LeadFactory,
    OpportunityFactory,
    ProductFactory,
    WishListItemFactory,
)
from tests.selling.conftest import stage_of

quantities = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("1000000"), places=2)
percents = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)
line_inputs = st.fixed_dictionaries(
    {
        "quantity": quantities,
        "unit_price": prices,
        "discount_percent": percents,
        "vat_rate": percents,
    }
)
# Four lines at the largest figures stay inside the 14 digits a stored total has.
documents = st.lists(line_inputs, min_size=1, max_size=4)

# End-to-end examples write rows: a few dozen keep the file at seconds, not minutes.
db_settings = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def half_up(value: Fraction) -> Decimal:
    """Round a non-negative exact value to cents, half up: the invoice rule, computed apart."""
    cents = math.floor(value * 100 + Fraction(1, 2))
    return Decimal(cents).scaleb(-2)


def expected_line(quantity, unit_price, discount_percent, vat_rate):
    net = half_up(
        Fraction(quantity) * Fraction(unit_price) * (100 - Fraction(discount_percent)) / 100
    )
    vat = half_up(Fraction(net) * Fraction(vat_rate) / 100)
    return net, vat, net + vat


def priced(**line_input) -> SimpleNamespace:
    line = SimpleNamespace(**line_input)
    pricing.price_line(line)
    return line


def rolled_back(body):
    """Run ``body`` in a transaction and undo it, so each hypothesis example starts clean."""
    with transaction.atomic():
        body()
        transaction.set_rollback(True)


# --- one line ------------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(line=line_inputs)
def test_each_line_is_rounded_half_up_on_its_own(line):
    amounts = pricing.line_amounts(**line)
    assert (amounts.net, amounts.vat, amounts.gross) == expected_line(**line)
    assert amounts.gross == amounts.net + amounts.vat
    for amount in (amounts.net, amounts.vat, amounts.gross):
        assert amount.as_tuple().exponent == -2 and amount >= 0


@pytest.mark.parametrize(
    ("line", "net", "vat"),
    [
        # 0.01 at 50 % off is 0.005: half up makes it 0.01 (banker's rounding would say 0.00).
        ({"quantity": "1", "unit_price": "0.01", "discount_percent": "50", "vat_rate": "0"}, "0.01", "0.00"),
        # 1.005 -> 1.01, and its 50 % VAT 0.505 -> 0.51.
        ({"quantity": "0.5", "unit_price": "2.01", "discount_percent": "0", "vat_rate": "50"}, "1.01", "0.51"),
        # 0.05 at 10 % VAT is 0.005 -> 0.01.
        ({"quantity": "5", "unit_price": "0.01", "discount_percent": "0", "vat_rate": "10"}, "0.05", "0.01"),
        # Just below half stays down: 0.0049 -> 0.00.
        ({"quantity": "0.49", "unit_price": "0.01", "discount_percent": "0", "vat_rate": "0"}, "0.00", "0.00"),
    ],
)  # fmt: skip
def test_half_up_examples(line, net, vat):
    amounts = pricing.line_amounts(**{name: Decimal(value) for name, value in line.items()})
    assert (amounts.net, amounts.vat) == (Decimal(net), Decimal(vat))
    assert amounts.gross == Decimal(net) + Decimal(vat)


# --- totals --------------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(line_inputs, max_size=12))
def test_totals_are_the_sums_of_the_rounded_lines(lines):
    rows = [priced(**line) for line in lines]

    totals = pricing.document_totals(rows)

    assert totals.net == sum((row.net_amount for row in rows), Decimal("0"))
    assert totals.vat == sum((row.vat_amount for row in rows), Decimal("0"))
    assert totals.gross == totals.net + totals.vat
    # The VAT breakdown: one row per rate, in rate order, adding up to the totals.
    rates = [row.rate for row in totals.vat_breakdown]
    assert rates == sorted(set(rates)) == sorted({row.vat_rate for row in rows})
    assert sum((row.net for row in totals.vat_breakdown), Decimal("0")) == totals.net
    assert sum((row.vat for row in totals.vat_breakdown), Decimal("0")) == totals.vat
    for vat_row in totals.vat_breakdown:
        same_rate = [row for row in rows if row.vat_rate == vat_row.rate]
        assert vat_row.vat == sum((row.vat_amount for row in same_rate), Decimal("0"))


@db_settings
@given(lines=documents, is_order=st.booleans())
def test_stored_totals_equal_the_sum_of_the_stored_lines(company, lines, is_order):
    customer = CustomerFactory(company=company)

    def body():
        if is_order:
            document = services.order_create(customer=customer, actor=None)
        else:
            document = services.quotation_create(customer=customer, actor=None)
        services.document_lines_save(
            document=document,
            actor=None,
            lines=[
                services.LineInput(
                    product=ProductFactory(company=company),
                    quantity=line["quantity"],
                    unit_price=line["unit_price"],
                    discount_percent=line["discount_percent"],
                    vat_rate=line["vat_rate"],
                )
                for line in lines
            ],
        )
        document.refresh_from_db()
        stored = list(document.items.order_by("position"))
        assert len(stored) == len(lines)
        for row, line in zip(stored, lines, strict=True):
            assert (row.net_amount, row.vat_amount, row.gross_amount) == expected_line(**line)
        assert document.net_total == sum(row.net_amount for row in stored)
        assert document.vat_total == sum(row.vat_amount for row in stored)
        assert document.gross_total == sum(row.gross_amount for row in stored)
        assert document.gross_total == document.net_total + document.vat_total
        breakdown = pricing.document_totals(stored).vat_breakdown
        assert sum(row.net for row in breakdown) == document.net_total
        assert sum(row.vat for row in breakdown) == document.vat_total

    rolled_back(body)


# --- net for businesses, gross for private customers ---------------------------------------------


@db_settings
@given(unit_price=prices, vat_rate=percents, quantity=quantities, is_business=st.booleans())
def test_business_sees_net_and_private_sees_gross(
    company, unit_price, vat_rate, quantity, is_business
):
    def body():
        customer_type = CustomerTypeFactory(company=company, is_business=is_business)
        customer = CustomerFactory(company=company, customer_type=customer_type)
        product = ProductFactory(company=company, unit_price=unit_price, vat_rate=vat_rate)
        quotation = services.quotation_create(customer=customer, actor=None)
        services.document_lines_save(
            document=quotation,
            actor=None,
            lines=[services.LineInput(product=product, quantity=quantity)],
        )
        quotation.refresh_from_db()
        line = quotation.items.get()
        include_vat = quotation.prices_include_vat
        assert include_vat is (not is_business)

        shown = pricing.shown_unit_price(line, include_vat=include_vat)
        amount = pricing.shown_line_amount(line, include_vat=include_vat)
        if is_business:
            assert shown == unit_price
            assert amount == line.net_amount and quotation.shown_total == quotation.net_total
        else:
            assert shown == half_up(Fraction(unit_price) * (100 + Fraction(vat_rate)) / 100)
            assert amount == line.gross_amount and quotation.shown_total == quotation.gross_total
        # Only the display differs: the stored amounts are the same either way.
        assert (line.net_amount, line.vat_amount, line.gross_amount) == expected_line(
            quantity, unit_price, Decimal("0"), vat_rate
        )

    rolled_back(body)


# --- the discount rule ---------------------------------------------------------------------------


@db_settings
@given(
    group_percent=st.one_of(st.none(), percents),
    type_percent=percents,
    unit_price=prices,
    quantity=quantities,
)
@example(group_percent=Decimal("10"), type_percent=Decimal("5"), unit_price=Decimal("100"),
         quantity=Decimal("1"))  # fmt: skip
@example(group_percent=Decimal("5"), type_percent=Decimal("5"), unit_price=Decimal("100"),
         quantity=Decimal("1"))  # fmt: skip
@example(group_percent=None, type_percent=Decimal("0"), unit_price=Decimal("100"),
         quantity=Decimal("1"))  # fmt: skip
def test_the_larger_discount_applies_and_is_named(
    company, group_percent, type_percent, unit_price, quantity
):
    def body():
        customer_type = CustomerTypeFactory(
            company=company, name="Reseller", discount_percent=type_percent
        )
        group = None
        if group_percent is not None:
            group = CustomerGroupFactory(
                company=company, name="Wholesale", discount_percent=group_percent
            )
        customer = CustomerFactory(
            company=company, customer_type=customer_type, customer_group=group
        )
        product = ProductFactory(company=company, unit_price=unit_price, vat_rate=Decimal("19"))
        quotation = services.quotation_create(customer=customer, actor=None)
        services.document_lines_save(
            document=quotation,
            actor=None,
            lines=[services.LineInput(product=product, quantity=quantity)],
        )
        quotation.refresh_from_db()
        line = quotation.items.get()

        group_value = group_percent or Decimal("0")
        larger = max(group_value, type_percent)
        # Never added up: the larger one alone, on the document and on its new lines.
        assert quotation.discount_percent == larger == line.discount_percent
        assert line.net_amount == expected_line(quantity, unit_price, larger, Decimal("19"))[0]
        rule = quotation.discount_rule
        if larger == 0:
            assert rule == ""
        elif group_value >= type_percent:  # a tie is named after the group
            assert "customer group “Wholesale”" in rule and "Reseller" not in rule
        else:
            assert "customer type “Reseller”" in rule and "Wholesale" not in rule
        if larger:
            assert f"{larger.normalize():f} % discount" in rule
        both = group_value > 0 and type_percent > 0
        assert ("they are not added" in rule) is both

    rolled_back(body)


# --- an opportunity is priced as the customer it would become ------------------------------------


@pytest.fixture
def priced_types(company):
    """The default types with discounts of their own, and a group that a new customer does not
    get (a converted opportunity's customer has no group)."""
    leads_defaults_apply(company)
    customers_defaults_apply(company)
    CustomerType.objects.filter(company=company, is_business=False).update(
        discount_percent=Decimal("3")
    )
    CustomerType.objects.filter(company=company, is_business=True).update(
        discount_percent=Decimal("7.5")
    )
    return company


@pytest.mark.parametrize(
    ("organization", "business", "percent"),
    [("Nordwind GmbH", True, Decimal("7.5")), ("", False, Decimal("3"))],
    ids=["organization-is-a-business", "person-is-private"],
)
def test_an_opportunity_is_priced_as_the_customer_it_would_become(
    company, priced_types, organization, business, percent
):
    lead = LeadFactory(company=company, organization_name=organization, status="converted")
    opportunity = OpportunityFactory(company=company, lead=lead, stage=stage_of(company, "open"))
    product = ProductFactory(company=company, unit_price=Decimal("80.00"), vat_rate=Decimal("19"))
    WishListItemFactory(
        company=company, lead=None, opportunity=opportunity, product=product, quantity=2
    )

    quotation = services.quotation_create(opportunity=opportunity, actor=None)

    assert quotation.customer is None
    assert quotation.prices_include_vat is (not business)
    assert quotation.discount_percent == percent
    line = quotation.items.get()
    assert line.discount_percent == percent
    assert line.net_amount == expected_line(Decimal("2"), Decimal("80"), percent, Decimal("19"))[0]

    # Once it is a customer, that customer is priced exactly the same.
    services.quotation_send(quotation=quotation, actor=None)
    services.quotation_accept(quotation=quotation, actor=None)
    order = services.order_from_quotation(quotation=quotation, actor=None)
    assert order.customer.customer_type.is_business is business
    terms = pricing.terms_for(customer=order.customer)
    assert (terms.discount_percent, terms.discount_rule, terms.prices_include_vat) == (
        quotation.discount_percent,
        quotation.discount_rule,
        quotation.prices_include_vat,
    )
    assert (order.net_total, order.gross_total) == (quotation.net_total, quotation.gross_total)


def test_an_opportunity_without_a_lead_is_priced_as_a_business(company, priced_types):
    opportunity = OpportunityFactory(company=company, lead=None, stage=stage_of(company, "open"))
    quotation = services.quotation_create(opportunity=opportunity, actor=None)
    assert quotation.prices_include_vat is False
    assert quotation.discount_percent == Decimal("7.5")


# --- the portal: the catalog's prices and a request's worth ------------------------------------


@db_settings
@given(
    lines=st.lists(
        st.fixed_dictionaries(
            {"quantity": quantities, "catalog": prices, "group": st.none() | prices}
        ),
        min_size=1,
        max_size=4,
    ),
    group_percent=percents,
    type_percent=percents,
    is_business=st.booleans(),
)
def test_a_portal_request_is_worth_what_its_quotation_says(
    company, defaults, lines, group_percent, type_percent, is_business
):
    """Whatever the price list and discounts, the opportunity a request opens is worth the net
    total of the quotation made from it, and the catalog's list price is the catalog's."""
    customer_type = CustomerTypeFactory(
        company=company, is_business=is_business, discount_percent=type_percent
    )
    group = CustomerGroupFactory(company=company, discount_percent=group_percent)
    customer = CustomerFactory(company=company, customer_type=customer_type, customer_group=group)

    def body():
        requested = []
        for line in lines:
            product = ProductFactory(company=company, unit_price=line["catalog"])
            if line["group"] is not None:
                GroupPrice.objects.create(
                    company=company, customer_group=group, product=product, unit_price=line["group"]
                )
            requested.append(RequestedLine(product=product, quantity=line["quantity"]))
        opportunity = customer_request_quotation(
            customer=customer,
            customer_user=CustomerUserFactory(customer=customer),
            lines=requested,
            request_key="k",
            net_amount_of=pricing.customer_wish_list_net,
        )
        quotation = services.quotation_create(opportunity=opportunity, actor=None)
        assert opportunity.expected_amount == quotation.net_total

        terms = pricing.terms_for(customer=customer)
        for line in quotation.items.select_related("product"):
            shown = pricing.party_price(line.product, terms)
            assert shown.list_price == pricing.shown_unit_price(
                SimpleNamespace(unit_price=line.product.unit_price, vat_rate=line.vat_rate),
                include_vat=not is_business,
            )
            one = expected_line(1, line.unit_price, line.discount_percent, line.vat_rate)
            assert shown.price == (one[0] if is_business else one[2])

    rolled_back(body)


# --- limits --------------------------------------------------------------------------------------


def test_a_total_too_large_to_store_is_refused_and_nothing_changes(company):
    """Five lines at the largest figures each fit, but their sum does not fit a stored total
    (14 digits): refused with a message, not a database error (PostgreSQL) or a total that can
    no longer be read (SQLite)."""
    customer = CustomerFactory(company=company)
    quotation = services.quotation_create(customer=customer, actor=None)
    product = ProductFactory(
        company=company, unit_price=Decimal("1000000.00"), vat_rate=Decimal("100")
    )
    huge = services.LineInput(product=product, quantity=Decimal("100000"))
    services.document_lines_save(document=quotation, actor=None, lines=[huge] * 4)
    quotation.refresh_from_db()
    before = (quotation.gross_total, quotation.items.count())
    assert before == (Decimal("800000000000.00"), 4)

    with pytest.raises(DomainError, match="too large: split the lines"):
        services.document_lines_save(document=quotation, actor=None, lines=[huge] * 5)

    quotation.refresh_from_db()
    assert (quotation.gross_total, quotation.items.count()) == before
