"""A quotation asked for on the portal is the asker's: it carries them from the request to the
quotation and its order, staff can name or change the portal user a document is for, and a role
at the User level shows the customer user exactly those documents."""

from decimal import Decimal

import pytest
from django.urls import reverse

from crm.access import Level
from crm.models import Membership
from customers.portal_users import customer_role_save
from customers.services import RequestedLine, customer_request_quotation
from selling import pricing, services
from selling.models import Quotation
from tests.conftest import login_as
from tests.factories import (
    CustomerFactory,
    CustomerUserFactory,
    MembershipFactory,
    OpportunityStageFactory,
    ProductFactory,
)
from tests.portal.conftest import portal_sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner(company):
    return MembershipFactory(company=company, role=Membership.Role.OWNER).user


@pytest.fixture
def requested(company, customer, buyer):
    OpportunityStageFactory(company=company, name="Prospecting", kind="open")
    kettle = ProductFactory(company=company, name="Kettle", unit_price=Decimal("40.00"))
    return customer_request_quotation(
        customer=customer,
        customer_user=buyer,
        lines=[RequestedLine(product=kettle, quantity=Decimal("2"))],
        request_key="k-1",
        net_amount_of=pricing.customer_wish_list_net,
    )


def test_the_quotation_and_its_order_are_for_the_portal_user_who_asked(
    company, customer, buyer, owner, requested
):
    quotation = services.quotation_create(opportunity=requested, actor=owner)
    assert quotation.customer == customer
    assert quotation.customer_user == buyer
    services.quotation_send(quotation=quotation, actor=owner)
    services.quotation_accept(quotation=quotation, actor=owner)
    order = services.order_from_quotation(quotation=quotation, actor=owner)
    assert order.customer_user == buyer
    # Someone who has left the customer's portal is nobody's addressee.
    buyer.is_active = False
    buyer.save(update_fields=["is_active"])
    assert services.quotation_create(opportunity=requested, actor=owner).customer_user is None


def test_at_the_user_level_a_buyer_sees_only_what_is_theirs(
    client, company, customer, buyer, owner, requested
):
    own_only = customer_role_save(
        company=company,
        name="Own documents",
        customer=customer,
        levels={("selling.quotation", "view"): Level.OWN},
        actor=owner,
    )
    buyer.set_roles([own_only])
    colleague = CustomerUserFactory(customer=customer, email="cy@kopi.example")
    kettle = requested.wish_list.get().product
    asked_by_colleague = customer_request_quotation(
        customer=customer,
        customer_user=colleague,
        lines=[RequestedLine(product=kettle, quantity=Decimal("1"))],
        request_key="k-2",
        net_amount_of=pricing.customer_wish_list_net,
    )
    theirs = services.quotation_create(opportunity=requested, actor=owner)
    other = services.quotation_create(opportunity=asked_by_colleague, actor=owner)
    for quotation in (theirs, other):
        services.quotation_send(quotation=quotation, actor=owner)
    portal_sign_in(client, buyer)
    listed = client.get(reverse("portal:quotation_list")).content.decode()
    assert theirs.number in listed
    assert other.number not in listed
    assert client.get(reverse("portal:quotation_detail", args=[other.pk])).status_code == 404


def test_staff_name_the_portal_user_a_draft_is_for(client, company, customer, buyer, owner):
    colleague = CustomerUserFactory(customer=customer, email="cy@kopi.example")
    stranger = CustomerUserFactory(customer=CustomerFactory(company=company), email="x@y.example")
    quotation = services.quotation_create(customer=customer, actor=owner)
    login_as(client, owner, company)
    url = reverse("selling:quotation_update", args=[quotation.pk])
    page = client.get(url)
    choices = {str(user) for user in page.context["form"].fields["customer_user"].queryset}
    assert choices == {str(buyer), str(colleague)}
    data = {
        "quotation_date": quotation.quotation_date.isoformat(),
        "valid_until": quotation.valid_until.isoformat(),
        "notes": "",
        "version": page.context["form"]["version"].value()
        if "version" in page.context["form"].fields
        else "",
    }
    refused = client.post(url, {**data, "customer_user": stranger.pk})
    assert refused.status_code == 200
    assert "customer_user" in refused.context["form"].errors
    assert Quotation.objects.get(pk=quotation.pk).customer_user is None
    saved = client.post(url, {**data, "customer_user": colleague.pk})
    assert saved.status_code == 302, saved.context["form"].errors
    assert Quotation.objects.get(pk=quotation.pk).customer_user == colleague
