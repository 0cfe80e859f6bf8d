"""Lead -> opportunity: the same address and contact rows, the wish list, one result."""

import threading
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse
from django_scopes import scope

from addressbook.models import AddressLink, ContactLink
from crm.errors import DomainError
from crm.models import SystemEvent
from leads.models import Lead, Opportunity, WishListItem
from leads.services import lead_convert_to_opportunity, lead_set_status
from tests.factories import (
    AddressLinkFactory,
    ContactLinkFactory,
    IndividualPartnerFactory,
    LeadFactory,
    LostReasonFactory,
    OpportunityStageFactory,
    ProductFactory,
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
def stages(company):
    return [
        OpportunityStageFactory(company=company, name="Prospecting", order=10, probability=10),
        OpportunityStageFactory(company=company, name="Proposal", order=30, probability=50),
    ]


def test_conversion_links_the_same_rows_and_copies_everything(company, member, stages):
    seller = SalespersonFactory(company=company)
    partner = IndividualPartnerFactory(company=company)
    lead = LeadFactory(company=company, salesperson=seller, sales_partner=partner)
    address_link = AddressLinkFactory(company=company, owner=lead, purpose="billing")
    contact_link = ContactLinkFactory(company=company, owner=lead, role="Buyer")
    WishListItemFactory(
        company=company,
        lead=lead,
        product=ProductFactory(company=company, unit_price=Decimal("10.50")),
        quantity=Decimal("3"),
    )
    WishListItemFactory(
        company=company,
        lead=lead,
        product=ProductFactory(company=company, unit_price=Decimal("100.00")),
        quantity=Decimal("1"),
    )

    opportunity = lead_convert_to_opportunity(lead=lead, actor=member)

    assert opportunity.lead == lead
    assert opportunity.stage == stages[0]
    assert opportunity.probability == 10
    assert opportunity.salesperson == seller
    assert opportunity.sales_partner_id == partner.pk
    assert opportunity.expected_amount == Decimal("131.50")
    opp_address = links_of(AddressLink, opportunity).get()
    assert opp_address.address_id == address_link.address_id
    assert opp_address.pk != address_link.pk
    assert opp_address.purpose == "billing"
    opp_contact = links_of(ContactLink, opportunity).get()
    assert opp_contact.contact_id == contact_link.contact_id
    assert opp_contact.role == "Buyer"
    # The lead keeps its own links.
    assert links_of(AddressLink, lead).get().pk == address_link.pk
    copied = sorted(
        WishListItem.objects.filter(opportunity=opportunity).values_list(
            "product__unit_price", "quantity"
        )
    )
    assert copied == [(Decimal("10.50"), Decimal("3")), (Decimal("100.00"), Decimal("1"))]
    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED
    assert events_of(lead).filter(event_kind="conversion").count() == 1
    assert events_of(opportunity).filter(event_kind="conversion").count() == 1


def test_converting_twice_returns_the_same_opportunity(company, member, stages):
    lead = LeadFactory(company=company)
    WishListItemFactory(company=company, lead=lead)
    first = lead_convert_to_opportunity(lead=lead, actor=member)
    second = lead_convert_to_opportunity(lead=lead, actor=member)
    assert first.pk == second.pk
    assert Opportunity.objects.count() == 1
    assert WishListItem.objects.filter(opportunity=first).count() == 1
    assert events_of(lead).filter(event_kind="conversion").count() == 1


def test_a_lost_lead_is_refused_and_nothing_is_written(company, member, stages):
    lead = LeadFactory(
        company=company, status="lost", lost_reason=LostReasonFactory(company=company)
    )
    with pytest.raises(DomainError, match="reopen the lead"):
        lead_convert_to_opportunity(lead=lead, actor=member)
    assert not Opportunity.objects.exists()
    lead.refresh_from_db()
    assert lead.status == "lost"


def test_without_an_open_stage_the_conversion_explains(company, member):
    lead = LeadFactory(company=company)
    with pytest.raises(DomainError, match="no open opportunity stage"):
        lead_convert_to_opportunity(lead=lead, actor=member)
    assert not Opportunity.objects.exists()


def test_convert_page_redirects_to_the_opportunity(member_client, company, stages):
    lead = LeadFactory(company=company)
    response = member_client.post(reverse("leads:lead_convert", args=[lead.pk]))
    opportunity = Opportunity.objects.get(lead=lead)
    assert response.status_code == 302
    assert response["Location"] == opportunity.get_absolute_url()
    page = member_client.get(opportunity.get_absolute_url())
    assert page.status_code == 200
    assert lead.get_absolute_url() in page.content.decode()


def test_another_companys_lead_is_a_404(other_client, company, other_company, stages):
    lead = LeadFactory(company=company)
    response = other_client.post(reverse("leads:lead_convert", args=[lead.pk]))
    assert response.status_code == 404
    assert not Opportunity.objects.exists()


def test_convert_page_shows_the_refusal(member_client, company, stages):
    lead = LeadFactory(
        company=company, status="lost", lost_reason=LostReasonFactory(company=company)
    )
    response = member_client.post(reverse("leads:lead_convert", args=[lead.pk]), follow=True)
    assert "reopen the lead" in response.content.decode()
    assert not Opportunity.objects.exists()


# --- status -----------------------------------------------------------------------------------


def test_status_moves_along_the_table_and_is_logged(company, member):
    lead = LeadFactory(company=company)
    lead = lead_set_status(lead=lead, status="contacted", actor=member)
    assert lead.status == "contacted"
    assert events_of(lead).filter(event_kind="status_change").count() == 1


@pytest.mark.parametrize(
    ("start", "target"),
    [("contacted", "new"), ("new", "converted"), ("lost", "qualified"), ("converted", "new")],
)
def test_impossible_status_moves_are_refused(company, member, start, target):
    reason = LostReasonFactory(company=company) if start == "lost" else None
    lead = LeadFactory(company=company, status=start, lost_reason=reason)
    with pytest.raises(DomainError):
        lead_set_status(lead=lead, status=target, actor=member)
    lead.refresh_from_db()
    assert lead.status == start
    assert not events_of(lead).exists()


def test_lost_needs_a_reason(company, member):
    lead = LeadFactory(company=company)
    with pytest.raises(DomainError, match="why"):
        lead_set_status(lead=lead, status="lost", actor=member)
    reason = LostReasonFactory(company=company)
    lead = lead_set_status(lead=lead, status="lost", lost_reason=reason, actor=member)
    assert lead.lost_reason == reason


# --- concurrency ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixteen_people_converting_at_once_make_one_opportunity():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL to run this test")
    from tests.factories import CompanyFactory, UserFactory

    company = CompanyFactory()
    user = UserFactory()
    with scope(company=company):
        OpportunityStageFactory(company=company)
        lead = LeadFactory(company=company)
        WishListItemFactory(company=company, lead=lead)
        AddressLinkFactory(company=company, owner=lead)
    barrier = threading.Barrier(16)
    results, errors = [], []

    def convert():
        try:
            with scope(company=company):
                barrier.wait()
                results.append(lead_convert_to_opportunity(lead=lead, actor=user).pk)
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
        assert Opportunity.objects.filter(company=company).count() == 1
        opportunity = Opportunity.objects.get(company=company)
        assert WishListItem.objects.filter(opportunity=opportunity).count() == 1
        assert links_of(AddressLink, opportunity).count() == 1


def test_demo_seeder_is_rerunnable(company):
    from random import Random

    from crm.sample.demo import seed_company
    from leads.demo import seed_leads

    seed_company(company)
    counts = (Lead.objects.count(), Opportunity.objects.count(), WishListItem.objects.count())
    assert counts[0] >= 30 and counts[1] >= 8
    assert Lead.objects.filter(status="lost").exists()
    seed_leads(company, Random(1))
    assert (
        Lead.objects.count(),
        Opportunity.objects.count(),
        WishListItem.objects.count(),
    ) == counts


def test_admin_action_converts_through_the_service(admin_client, company, stages):
    from crm.tenancy import SESSION_KEY

    lead = LeadFactory(company=company)
    session = admin_client.session
    session[SESSION_KEY] = company.pk
    session.save()
    response = admin_client.post(
        reverse("admin:leads_lead_changelist"),
        {"action": "convert_to_opportunity", "_selected_action": [lead.pk]},
    )
    assert response.status_code == 302
    assert Opportunity.objects.get().lead == lead
    assert events_of(lead).filter(event_kind="conversion").exists()
