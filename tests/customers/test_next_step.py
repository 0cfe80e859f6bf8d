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


def test_the_link_a_page_reads_is_the_one_the_orm_reads(company, member, defaults):
    """``customer_link_for`` reads the link with a statement of its own: every column as the ORM
    gives it (the times aware, on SQLite as on PostgreSQL), and the customer's name, status,
    hold reason and owner; a record of another company or never converted has none."""
    from django_scopes import scopes_disabled

    from customers.models import CustomerLink
    from customers.selectors import customer_link_for
    from leads.models import Lead
    from tests.factories import CompanyFactory

    lead = LeadFactory(company=company, status="qualified", organization_name="Nordwind GmbH")
    customer = lead_convert_to_customer(lead=lead, actor=member, allow_duplicates=True)
    customer_put_on_hold(customer=customer, reason="Unpaid invoices", actor=member)
    expected = CustomerLink.objects.select_related("customer").get(lead=lead)

    link = customer_link_for(Lead.objects.get(pk=lead.pk))
    fields = [f.attname for f in CustomerLink._meta.concrete_fields]
    assert [getattr(link, name) for name in fields] == [getattr(expected, name) for name in fields]
    assert link.created_at.tzinfo is not None
    shown = ("pk", "name", "status", "hold_reason", "salesperson_id", "company_id")
    assert [getattr(link.customer, name) for name in shown] == [
        getattr(expected.customer, name) for name in shown
    ]
    assert customer_link_for(LeadFactory(company=company)) is None
    with scopes_disabled():
        stranger = Lead.objects.get(pk=lead.pk)
    stranger.company_id = CompanyFactory().pk
    assert customer_link_for(stranger) is None
