"""Fixtures for selling: a company with its default lists, and an opportunity with a wish list."""

from decimal import Decimal

import pytest

from customers.setup import customers_defaults_apply
from leads.models import OpportunityStage
from leads.setup import leads_defaults_apply
from tests.factories import (
    AddressLinkFactory,
    ContactLinkFactory,
    LeadFactory,
    OpportunityFactory,
    ProductFactory,
    SalespersonFactory,
    WishListItemFactory,
)


@pytest.fixture
def defaults(company):
    leads_defaults_apply(company)
    customers_defaults_apply(company)
    return company


def stage_of(company, kind, *, name=None):
    stages = OpportunityStage.objects.filter(company=company, kind=kind).order_by("order")
    if name:
        stages = stages.filter(name=name)
    return stages.first()


@pytest.fixture
def opportunity(company, defaults):
    """An open opportunity from a business lead, with an address, a contact and two wishes."""
    seller = SalespersonFactory(company=company)
    lead = LeadFactory(company=company, organization_name="Nordwind GmbH", status="converted")
    opportunity = OpportunityFactory(
        company=company,
        lead=lead,
        title="Nordwind fleet",
        stage=stage_of(company, "open"),
        salesperson=seller,
    )
    AddressLinkFactory(company=company, owner=opportunity)
    ContactLinkFactory(company=company, owner=opportunity)
    chair = ProductFactory(
        company=company, name="Chair", unit_price=Decimal("100.00"), vat_rate=Decimal("19.00")
    )
    desk = ProductFactory(
        company=company, name="Desk", unit_price=Decimal("333.33"), vat_rate=Decimal("7.00")
    )
    WishListItemFactory(
        company=company, lead=None, opportunity=opportunity, product=chair, quantity=Decimal("3")
    )
    WishListItemFactory(
        company=company, lead=None, opportunity=opportunity, product=desk, quantity=Decimal("1")
    )
    return opportunity
