"""Opportunity or lead -> customer: the same rows, one customer, clear refusals."""

import threading
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django_scopes import scope, scopes_disabled

from addressbook.models import AddressLink, ContactLink
from crm.errors import DomainError
from crm.models import SystemEvent
from customers.models import Customer, CustomerLink, CustomerType
from customers.services import (
    customer_open_opportunity,
    lead_convert_to_customer,
    opportunity_convert_to_customer,
)
from customers.setup import customers_defaults_apply
from leads.models import Lead, Opportunity, OpportunityStage
from leads.services import lead_convert_to_opportunity
from leads.setup import leads_defaults_apply
from tests.factories import (
    AddressLinkFactory,
    ContactLinkFactory,
    CustomerFactory,
    IndividualPartnerFactory,
    LeadFactory,
    LostReasonFactory,
    OpportunityFactory,
    SalespersonFactory,
    WishListItemFactory,
)


def links_of(model, owner):
    return model.objects.filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
    )


def events_of(owner):
    return SystemEvent.objects.filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
    )


@pytest.fixture
def defaults(company):
    leads_defaults_apply(company)
    customers_defaults_apply(company)


def stage(company, kind):
    return OpportunityStage.objects.filter(company=company, kind=kind).order_by("order").first()


def test_the_whole_chain_keeps_the_same_rows(company, member, defaults):
    seller = SalespersonFactory(company=company)
    partner = IndividualPartnerFactory(company=company)
    lead = LeadFactory(
        company=company,
        organization_name="Krüger Bäckerei GmbH",
        email="lena@krueger.example.com",
        phone="+49 30 123 456",
        salesperson=seller,
        sales_partner=partner,
    )
    address_link = AddressLinkFactory(company=company, owner=lead, purpose="billing")
    contact_link = ContactLinkFactory(company=company, owner=lead, role="Buyer")
    WishListItemFactory(company=company, lead=lead, quantity=Decimal("2"))
    opportunity = lead_convert_to_opportunity(lead=lead, actor=member)

    customer = opportunity_convert_to_customer(opportunity=opportunity, actor=member)

    assert customer.name == "Krüger Bäckerei GmbH"
    assert customer.customer_type.is_business
    assert (customer.email, customer.phone) == (lead.email, lead.phone)
    assert (customer.salesperson, customer.sales_partner) == (seller, partner)
    assert (customer.lead, customer.opportunity) == (lead, opportunity)
    # The same Address and Contact rows (new link rows), with their purpose and role.
    customer_address = links_of(AddressLink, customer).get()
    customer_contact = links_of(ContactLink, customer).get()
    assert customer_address.address_id == address_link.address_id
    assert customer_address.purpose == "billing" and customer_address.is_primary
    assert customer_contact.contact_id == contact_link.contact_id
    assert customer_contact.role == "Buyer"
    # The opportunity is won, the lead converted; every timeline tells it.
    opportunity.refresh_from_db()
    lead.refresh_from_db()
    assert opportunity.stage.kind == OpportunityStage.Kind.WON
    assert opportunity.probability == 100
    assert lead.status == Lead.Status.CONVERTED
    link = CustomerLink.objects.get(customer=customer)
    assert (link.lead, link.opportunity, link.kind) == (lead, opportunity, "created")
    assert events_of(customer).filter(event_kind="conversion").exists()
    assert events_of(opportunity).filter(event_kind="conversion").exists()
    assert (
        events_of(lead).filter(event_kind="conversion").count() == 2
    )  # -> opportunity, -> customer


def test_converting_twice_returns_the_same_customer(company, member, defaults):
    opportunity = OpportunityFactory(company=company, stage=stage(company, "open"))
    first = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    second = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    assert first == second
    assert Customer.objects.count() == 1
    assert CustomerLink.objects.count() == 1
    assert events_of(first).filter(event_kind="conversion").count() == 1


def test_an_opportunity_without_a_lead_is_named_after_its_contact_person(company, member, defaults):
    opportunity = OpportunityFactory(
        company=company, stage=stage(company, "open"), title="Laptop refresh, 40 seats"
    )
    ContactLinkFactory(
        company=company,
        owner=opportunity,
        contact__first_name="Ines",
        contact__last_name="Ferreira",
    )
    customer = opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    assert customer.name == "Ines Ferreira"


def test_lead_becomes_a_customer_directly(company, member, defaults):
    lead = LeadFactory(
        company=company, first_name="Greta", last_name="Lorenz", organization_name=""
    )
    address_link = AddressLinkFactory(company=company, owner=lead)
    customer = lead_convert_to_customer(lead=lead, actor=member)
    assert customer.name == "Greta Lorenz"
    assert not customer.customer_type.is_business  # a person, not an organization
    assert customer.lead == lead and customer.opportunity is None
    assert links_of(AddressLink, customer).get().address_id == address_link.address_id
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED
    assert lead_convert_to_customer(lead=lead, actor=member) == customer


def test_a_lead_with_an_opportunity_converts_through_it(company, member, defaults):
    lead = LeadFactory(company=company)
    opportunity = lead_convert_to_opportunity(lead=lead, actor=member)
    customer = lead_convert_to_customer(lead=lead, actor=member)
    assert customer.opportunity == opportunity
    assert opportunity_convert_to_customer(opportunity=opportunity, actor=member) == customer


def test_lost_records_are_refused_and_nothing_is_written(company, member, defaults):
    reason = LostReasonFactory(company=company)
    lead = LeadFactory(company=company, status="lost", lost_reason=reason)
    with pytest.raises(DomainError, match="marked lost"):
        lead_convert_to_customer(lead=lead, actor=member)
    opportunity = OpportunityFactory(
        company=company, stage=stage(company, "lost"), lost_reason=reason
    )
    with pytest.raises(DomainError, match="lost"):
        opportunity_convert_to_customer(opportunity=opportunity, actor=member)
    assert not Customer.objects.exists()
    assert not CustomerLink.objects.exists()


def test_another_companys_customer_cannot_be_linked(company, other_company, member, defaults):
    opportunity = OpportunityFactory(company=company, stage=stage(company, "open"))
    with scopes_disabled():
        foreign = CustomerFactory(company=other_company)
    with pytest.raises(DomainError, match="does not belong"):
        opportunity_convert_to_customer(opportunity=opportunity, actor=member, customer=foreign)
    assert not CustomerLink.objects.exists()


def test_an_exact_duplicate_needs_a_decision(company, member, defaults):
    existing = CustomerFactory(company=company, name="Someone Else", email="lena@example.com")
    lead = LeadFactory(company=company, email="LENA@example.com")
    with pytest.raises(DomainError) as refused:
        lead_convert_to_customer(lead=lead, actor=member)
    assert refused.value.code == "duplicate"
    assert "Someone Else" in refused.value.message
    assert Customer.objects.count() == 1
    lead.refresh_from_db()
    assert lead.status != Lead.Status.CONVERTED

    # Linking the existing one keeps its data and links the lead's rows to it.
    address_link = AddressLinkFactory(company=company, owner=lead)
    linked = lead_convert_to_customer(lead=lead, actor=member, customer=existing)
    assert linked == existing
    assert linked.lead is None  # an existing customer keeps its own origin
    assert CustomerLink.objects.get(lead=lead).kind == "linked"
    assert links_of(AddressLink, existing).get().address_id == address_link.address_id


def test_a_different_party_can_be_created_anyway(company, member, defaults):
    CustomerFactory(company=company, email="shared@example.com")
    lead = LeadFactory(company=company, email="shared@example.com", organization_name="Other Co")
    customer = lead_convert_to_customer(lead=lead, actor=member, allow_duplicates=True)
    assert customer.name == "Other Co"
    assert Customer.objects.count() == 2


def test_linking_skips_rows_the_customer_already_has(company, member, defaults):
    existing = CustomerFactory(company=company)
    shared = AddressLinkFactory(company=company, owner=existing, is_primary=True)
    lead = LeadFactory(company=company)
    AddressLinkFactory(company=company, owner=lead, address=shared.address)
    AddressLinkFactory(company=company, owner=lead)
    lead_convert_to_customer(lead=lead, actor=member, customer=existing)
    links = links_of(AddressLink, existing)
    assert links.count() == 2
    assert links.filter(is_primary=True).get() == shared  # keeps its own primary


def test_a_company_without_types_gets_a_clear_message(company, member):
    leads_defaults_apply(company)
    lead = LeadFactory(company=company)
    with pytest.raises(DomainError, match="no customer types"):
        lead_convert_to_customer(lead=lead, actor=member)
    assert not Customer.objects.exists()


def test_opening_an_opportunity_for_a_customer(company, member, defaults):
    seller = SalespersonFactory(company=company)
    customer = CustomerFactory(company=company, salesperson=seller)
    address_link = AddressLinkFactory(company=company, owner=customer)
    opportunity = customer_open_opportunity(
        customer=customer,
        actor=member,
        title="Second machine",
        fields={"expected_amount": Decimal("2400")},
    )
    assert opportunity.salesperson == seller
    assert opportunity.stage.kind == "open"
    assert opportunity.probability == opportunity.stage.probability
    assert CustomerLink.objects.get(opportunity=opportunity).customer == customer
    assert links_of(AddressLink, opportunity).get().address_id == address_link.address_id
    # Converting it later finds its customer instead of making another.
    assert opportunity_convert_to_customer(opportunity=opportunity, actor=member) == customer
    assert Customer.objects.count() == 1


def test_new_companies_start_with_private_and_business(db):
    from crm.services import company_create

    new_company, _membership = company_create(name="Fresh GmbH", owner_email="o@fresh.example")
    with scope(company=new_company):
        assert set(CustomerType.objects.values_list("name", "is_business")) == {
            ("Private", False),
            ("Business", True),
        }
        assert OpportunityStage.objects.filter(kind="won").exists()
        lead = LeadFactory(company=new_company)
        opportunity = lead_convert_to_opportunity(lead=lead, actor=None)
        assert opportunity_convert_to_customer(opportunity=opportunity, actor=None)


# --- concurrency ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_people_converting_one_opportunity_make_one_customer():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL to run this test")
    from tests.factories import CompanyFactory, UserFactory

    company = CompanyFactory()
    user = UserFactory()
    with scope(company=company):
        leads_defaults_apply(company)
        customers_defaults_apply(company)
        lead = LeadFactory(company=company)
        AddressLinkFactory(company=company, owner=lead)
        ContactLinkFactory(company=company, owner=lead)
        opportunity = lead_convert_to_opportunity(lead=lead, actor=user)
    barrier = threading.Barrier(16)
    results, errors = [], []

    def convert():
        try:
            with scope(company=company):
                barrier.wait()
                customer = opportunity_convert_to_customer(opportunity=opportunity, actor=user)
                results.append(customer.pk)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=convert) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(set(results)) == 1
    with scope(company=company):
        assert Customer.objects.filter(company=company).count() == 1
        customer = Customer.objects.get(company=company)
        assert CustomerLink.objects.filter(company=company).count() == 1
        assert links_of(AddressLink, customer).count() == 1
        assert links_of(ContactLink, customer).count() == 1
        assert events_of(customer).filter(event_kind="conversion").count() == 1
        opportunity.refresh_from_db()
        assert opportunity.stage.kind == "won"
        assert Opportunity.objects.filter(company=company).count() == 1
