"""The "Next step" where a lead or opportunity became a customer, and on a held customer's page."""

import pytest
from django.urls import reverse

from customers.services import (
    customer_put_on_hold,
    customer_set_inactive,
    lead_convert_to_customer,
)
from customers.setup import customers_defaults_apply
from leads.setup import leads_defaults_apply
from tests.factories import CustomerFactory, LeadFactory, OpportunityFactory
from tests.next_step import assert_one_primary, step_of
from tests.selling.conftest import stage_of


@pytest.fixture
def defaults(company):
    leads_defaults_apply(company)
    customers_defaults_apply(company)


def test_a_lead_that_became_a_customer_leads_to_the_customer(
    company, member, member_client, defaults
):
    lead = LeadFactory(company=company, status="qualified", organization_name="Nordwind GmbH")
    customer = lead_convert_to_customer(lead=lead, actor=member, allow_duplicates=True)
    step, html = step_of(member_client, lead.get_absolute_url())
    assert step.primary.url == customer.get_absolute_url()
    assert_one_primary(html, "Open the customer")


def test_a_won_opportunity_that_is_not_a_customer_is_converted_next(
    company, member_client, defaults
):
    opportunity = OpportunityFactory(company=company, stage=stage_of(company, "won"))
    step, html = step_of(member_client, opportunity.get_absolute_url())
    assert step.primary.url == reverse("customers:convert_opportunity", args=[opportunity.pk])
    assert_one_primary(html, "Convert to customer")


@pytest.mark.parametrize(
    ("status", "label", "url_name"),
    [
        ("on_hold", "Release hold", "customers:customer_release_hold"),
        ("inactive", "Reactivate", "customers:customer_reactivate"),
    ],
)
def test_a_held_customer_is_made_active_before_anything_is_sold(
    company, member, member_client, defaults, status, label, url_name
):
    customer = CustomerFactory(company=company)
    if status == "on_hold":
        customer_put_on_hold(customer=customer, reason="Unpaid invoices", actor=member)
    else:
        customer_set_inactive(customer=customer, actor=member)
    step, html = step_of(member_client, customer.get_absolute_url())
    assert step.primary.url == reverse(url_name, args=[customer.pk])
    assert_one_primary(html, label)
    response = member_client.post(step.primary.url, follow=True)
    assert response.status_code == 200
    step, html = step_of(member_client, customer.get_absolute_url())
    assert_one_primary(html, "New quotation")
