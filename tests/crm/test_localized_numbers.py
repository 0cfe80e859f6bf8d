"""Numbers on the pages as the reader's language writes them: a decimal comma in Indonesian, a
point in English (the dashboard's time in stage, the customer groups' and types' discounts, the
rates on a printed document), never Python's own ``str()``."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.services import stage_stays_close
from selling import services
from tests.factories import (
    CustomerFactory,
    CustomerGroupFactory,
    CustomerTypeFactory,
    OpportunityFactory,
    OpportunityStageChangeFactory,
    OpportunityStageFactory,
    ProductFactory,
)
from tests.selling.test_print import text_of

pytestmark = pytest.mark.usefixtures("on_a_fixed_day")


def read(client, url: str, language: str) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_the_dashboards_time_in_stage_has_the_languages_decimal_mark(member_client, company):
    prospecting = OpportunityStageFactory(
        company=company, name="Prospecting", order=10, probability=10
    )
    proposal = OpportunityStageFactory(company=company, name="Proposal", order=20, probability=50)
    opportunity = OpportunityFactory(company=company, stage=proposal, probability=50)
    entered = timezone.now() - timedelta(days=10)
    for stage, at in [(prospecting, entered), (proposal, entered + timedelta(days=6.9))]:
        OpportunityStageChangeFactory(
            company=company, opportunity=opportunity, to_stage=stage, changed_at=at
        )
    stage_stays_close(company_id=company.pk, opportunity_ids=[opportunity.pk])

    indonesian = read(member_client, reverse("crm:dashboard"), "id")
    assert "Prospecting: 6,9 hr" in indonesian
    assert "6.9" not in indonesian
    assert "Prospecting: 6.9 d" in read(member_client, reverse("crm:dashboard"), "en")


@pytest.mark.parametrize(
    ("list_name", "language", "shown"),
    [
        ("customers:group_list", "id", "7,50 %"),
        ("customers:group_list", "en", "7.50 %"),
        ("customers:type_list", "id", "2,50 %"),
        ("customers:type_list", "en", "2.50 %"),
    ],
)
def test_the_groups_and_types_discounts_have_the_languages_decimal_mark(
    member_client, company, list_name, language, shown
):
    CustomerGroupFactory(company=company, name="Wholesale", discount_percent=Decimal("7.5"))
    CustomerTypeFactory(
        company=company, name="Business", is_business=True, discount_percent=Decimal("2.5")
    )

    assert shown in read(member_client, reverse(list_name), language)


@pytest.mark.parametrize(("language", "rates"), [("id", "7,5 % 19,5 %"), ("en", "7.5 % 19.5 %")])
def test_a_printed_documents_rates_have_the_languages_decimal_mark(
    member_client, company, language, rates
):
    business = CustomerTypeFactory(company=company, name="Business", is_business=True)
    group = CustomerGroupFactory(company=company, name="Wholesale", discount_percent=Decimal("7.5"))
    customer = CustomerFactory(company=company, customer_type=business, customer_group=group)
    chair = ProductFactory(company=company, name="Chair", vat_rate=Decimal("19.5"))
    quotation = services.quotation_create(customer=customer, actor=None)
    services.document_lines_save(
        document=quotation,
        actor=None,
        lines=[services.LineInput(product=chair, quantity=Decimal("1"))],
    )

    response = member_client.get(
        reverse("selling:quotation_print", args=[quotation.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert rates in text_of(response)
