"""The customer page's "Details" card, written in Python (``customers.ui.details_card_html``), is
the markup ``customers/partials/_details_card.html`` writes, byte for byte, in English and
Indonesian, in every case the template tells apart."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from customers import selectors
from customers.selectors import GroupAndTypeTerms
from customers.ui import details_card_html
from tests.factories import (
    CustomerFactory,
    CustomerGroupFactory,
    CustomerTypeFactory,
    IndividualPartnerFactory,
    LeadFactory,
    OpportunityFactory,
    SalespersonFactory,
)


def _both(customer, terms) -> tuple[str, str]:
    reference = render_to_string(
        "customers/partials/_details_card.html", {"customer": customer, "terms": terms}
    )
    # The page writes the card where its line began, up to the end of the line.
    return reference, details_card_html(customer, terms) + "\n"


TERMS = [
    GroupAndTypeTerms(payment_terms="net 30 days"),
    GroupAndTypeTerms(
        payment_terms="30 days <net> & more",
        group_prices=1,
        group_only_products=1,
        type_only_products=1,
    ),
    GroupAndTypeTerms(
        payment_terms="due at once",
        group_prices=1234,
        group_only_products=2,
        type_only_products=5678,
    ),
]


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("terms", TERMS, ids=["none", "one", "many"])
def test_a_plain_customer_s_card_is_the_template_s(company, language, terms):
    customer = CustomerFactory(
        company=company,
        customer_type=CustomerTypeFactory(company=company, is_business=False, name="Private"),
        email="",
        phone="",
    )
    with translation.override(language):
        reference, written = _both(customer, terms)
    assert "Entered directly" in reference or "Dimasukkan langsung" in reference
    assert written == reference


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("terms", TERMS, ids=["none", "one", "many"])
@pytest.mark.parametrize("origin", ["lead", "opportunity", "both"])
@pytest.mark.parametrize("phone", ["+49 30 1234567", "ask <Bob> & co"])
def test_a_full_customer_s_card_is_the_template_s(company, language, terms, origin, phone):
    lead = LeadFactory(company=company) if origin in ("lead", "both") else None
    opportunity = (
        OpportunityFactory(company=company, title="Fit-out <A&B>")
        if origin in ("opportunity", "both")
        else None
    )
    customer = CustomerFactory(
        company=company,
        name="Kopi & <Teh> GmbH",
        customer_type=CustomerTypeFactory(
            company=company, name="Trade & <Co>", discount_percent=Decimal("12.50")
        ),
        customer_group=CustomerGroupFactory(
            company=company, name="Gold <&>", discount_percent=Decimal("7.25")
        ),
        email="buy&sell@example.com",
        phone=phone,
        parent=CustomerFactory(company=company, name="Holding <1> & Co"),
        salesperson=SalespersonFactory(company=company, name="Sam <S> & Co"),
        sales_partner=IndividualPartnerFactory(company=company, name="Pat & <P>"),
        lead=lead,
        opportunity=opportunity,
    )
    with translation.override(language):
        reference, written = _both(customer, terms)
    assert "Trade &amp; &lt;Co&gt;" in reference
    assert written == reference


@pytest.mark.parametrize("language", ["en", "id"])
def test_the_card_with_the_terms_read_for_the_page_is_the_template_s(company, language):
    customer = CustomerFactory(
        company=company,
        customer_group=CustomerGroupFactory(company=company, discount_percent=Decimal("0")),
    )
    terms = selectors.customer_terms(customer)
    with translation.override(language):
        reference, written = _both(customer, terms)
    assert written == reference
