"""Deleting leads and opportunities: the services' rules, then the pages."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from addressbook.models import Address, AddressLink, Contact, ContactLink
from crm.errors import DomainError
from crm.models import Activity, SystemEvent
from leads.models import Lead, Opportunity, OpportunityStageChange, WishListItem
from leads.services import lead_convert_to_opportunity, lead_delete, opportunity_delete
from tests.conftest import login_as
from tests.factories import (
    AddressLinkFactory,
    ContactLinkFactory,
    LeadFactory,
    MembershipFactory,
    NoteFactory,
    OpportunityFactory,
    OpportunityStageFactory,
    TaskFactory,
    WishListItemFactory,
)


def owned_by(model, owner):
    return model.objects.filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
    )


@pytest.fixture
def stage(company):
    return OpportunityStageFactory(company=company, name="Prospecting")


# --- services -------------------------------------------------------------------------------


def test_deleting_a_lead_takes_its_links_timeline_and_wish_list(company, member):
    lead = LeadFactory(company=company, first_name="Ada", last_name="Lovelace")
    address_link = AddressLinkFactory(company=company, owner=lead)
    contact_link = ContactLinkFactory(company=company, owner=lead)
    WishListItemFactory(company=company, lead=lead)
    NoteFactory(company=company, owner=lead)
    TaskFactory(company=company, owner=lead, assigned_to=member)
    keeper = LeadFactory(company=company)
    NoteFactory(company=company, owner=keeper)

    lead_delete(lead=lead, actor=member)

    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not WishListItem.objects.exists()
    assert not AddressLink.objects.exists() and not ContactLink.objects.exists()
    # The address and contact rows stay in the address book.
    assert Address.objects.filter(pk=address_link.address_id).exists()
    assert Contact.objects.filter(pk=contact_link.contact_id).exists()
    # Only the deleted lead's entries go; the company's timeline records the deletion.
    assert owned_by(Activity, keeper).count() == 1
    assert set(Activity.objects.values_list("owner_type__model", flat=True)) == {
        "lead",
        "company",
    }
    event = owned_by(SystemEvent, company).get()
    assert event.body == f"Lead “Ada Lovelace ({lead.organization_name})” was deleted."
    assert event.author == member


def test_a_lead_with_an_opportunity_is_refused(company, member, stage):
    lead = LeadFactory(company=company, first_name="Ada", last_name="Lovelace")
    opportunity = lead_convert_to_opportunity(lead=lead, actor=member, title="Engines")
    with pytest.raises(DomainError, match="became the opportunity “Engines”"):
        lead_delete(lead=lead, actor=member)
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()
    assert not owned_by(SystemEvent, company).exists()


def test_a_converted_lead_without_an_opportunity_is_refused(company, member):
    lead = LeadFactory(company=company, status="converted")
    with pytest.raises(DomainError, match="is converted"):
        lead_delete(lead=lead, actor=member)
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_deleting_an_opportunity_cleans_up_and_keeps_the_lead_history(company, member, stage):
    lead = LeadFactory(company=company)
    AddressLinkFactory(company=company, owner=lead)
    WishListItemFactory(company=company, lead=lead)
    opportunity = lead_convert_to_opportunity(lead=lead, actor=member, title="Engines")
    NoteFactory(company=company, owner=opportunity)
    assert owned_by(AddressLink, opportunity).exists()

    assert OpportunityStageChange.objects.filter(opportunity=opportunity).exists()

    opportunity_delete(opportunity=opportunity, actor=member)

    assert not Opportunity.objects.exists()
    assert not OpportunityStageChange.objects.exists()
    assert not owned_by(AddressLink, opportunity).exists()
    assert owned_by(AddressLink, lead).count() == 1
    assert not owned_by(Activity, opportunity).exists()
    assert WishListItem.objects.filter(lead=lead).count() == 1
    lead.refresh_from_db()
    assert lead.status == "qualified"
    bodies = list(owned_by(SystemEvent, lead).order_by("pk").values_list("body", flat=True))
    assert bodies[0].startswith("Converted to opportunity")
    assert bodies[-1] == "The opportunity “Engines” was deleted; the lead is qualified again."
    assert owned_by(SystemEvent, company).get().body == "Opportunity “Engines” was deleted."
    # The conversion can be made again.
    again = lead_convert_to_opportunity(lead=lead, actor=member)
    assert again.lead == lead


def test_an_opportunity_without_a_lead_is_simply_deleted(company, member):
    opportunity = OpportunityFactory(company=company)
    opportunity_delete(opportunity=opportunity, actor=None)
    assert not Opportunity.objects.exists()
    assert owned_by(SystemEvent, company).get().author is None


def test_protected_records_explain_who_holds_them(company, member, monkeypatch):
    """Higher apps (customers, quotations) hold opportunities with PROTECT: the refusal names
    them instead of a server error."""
    from django.db.models import ProtectedError

    opportunity = OpportunityFactory(company=company, title="Big deal")
    blocker = LeadFactory(company=company)

    def refuse(self, *args, **kwargs):
        raise ProtectedError("held", {blocker})

    monkeypatch.setattr(Opportunity, "delete", refuse)
    with pytest.raises(DomainError, match="Big deal cannot be deleted: it is still used by leads"):
        opportunity_delete(opportunity=opportunity, actor=member)
    assert not owned_by(SystemEvent, company).exists()


# --- pages ----------------------------------------------------------------------------------


def test_a_manager_deletes_a_lead(client, company):
    manager = MembershipFactory(company=company, role="manager").user
    login_as(client, manager, company)
    lead = LeadFactory(company=company)
    url = reverse("leads:lead_delete", args=[lead.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "addresses and contacts themselves stay" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:lead_list")
    assert not Lead.objects.exists()


def test_the_delete_page_shows_the_refusal_before_anyone_tries(member_client, company, stage):
    lead = LeadFactory(company=company)
    lead_convert_to_opportunity(lead=lead, actor=None, title="Engines")
    url = reverse("leads:lead_delete", args=[lead.pk])
    page = member_client.get(url).content.decode()
    assert "became the opportunity “Engines”" in page
    assert 'type="submit"' not in page.split('id="main"')[1]

    response = member_client.post(url, follow=True)
    assert response.redirect_chain[0][0] == lead.get_absolute_url()
    assert "became the opportunity" in response.content.decode()
    assert Lead.objects.filter(pk=lead.pk).exists()


def test_salespeople_may_not_delete(client, company, salesperson_user):
    login_as(client, salesperson_user, company)
    lead = LeadFactory(company=company)
    opportunity = OpportunityFactory(company=company)
    for url in (
        reverse("leads:lead_delete", args=[lead.pk]),
        reverse("leads:opportunity_delete", args=[opportunity.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert Lead.objects.exists() and Opportunity.objects.exists()
    # ...and are not shown a button that would answer 404.
    lead_page = client.get(lead.get_absolute_url()).content.decode()
    assert reverse("leads:lead_delete", args=[lead.pk]) not in lead_page
    opportunity_page = client.get(opportunity.get_absolute_url()).content.decode()
    assert reverse("leads:opportunity_delete", args=[opportunity.pk]) not in opportunity_page


def test_a_manager_deletes_a_converted_opportunity(member_client, company, stage):
    lead = LeadFactory(company=company)
    opportunity = lead_convert_to_opportunity(lead=lead, actor=None, title="Engines")
    url = reverse("leads:opportunity_delete", args=[opportunity.pk])
    page = member_client.get(url).content.decode()
    assert "goes back to “qualified”" in page
    assert url in member_client.get(opportunity.get_absolute_url()).content.decode()
    response = member_client.post(url)
    assert response["Location"] == reverse("leads:opportunity_list")
    lead.refresh_from_db()
    assert lead.status == "qualified"


def test_delete_pages_are_404_for_another_company(client, company, other_company, other_member):
    lead = LeadFactory(company=company)
    opportunity = OpportunityFactory(company=company)
    login_as(client, other_member, other_company)
    for url in (
        reverse("leads:lead_delete", args=[lead.pk]),
        reverse("leads:opportunity_delete", args=[opportunity.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert Lead.objects.filter(pk=lead.pk).exists()


# --- held by a higher app (customers) ---------------------------------------------------------


def test_an_opportunity_that_became_a_customer_is_refused_up_front(member_client, company, stage):
    from customers.services import opportunity_convert_to_customer
    from tests.factories import CustomerTypeFactory

    CustomerTypeFactory(company=company)
    OpportunityStageFactory(company=company, name="Won", kind="won", probability=100)
    lead = LeadFactory(company=company)
    opportunity = lead_convert_to_opportunity(lead=lead, actor=None, title="Engines")
    opportunity_convert_to_customer(opportunity=opportunity, actor=None, allow_duplicates=True)
    url = reverse("leads:opportunity_delete", args=[opportunity.pk])

    page = member_client.get(url).content.decode()
    assert "Engines cannot be deleted: it is still used by customer links, customers." in page
    response = member_client.post(url, follow=True)
    assert "still used by customer links" in response.content.decode()
    assert Opportunity.objects.filter(pk=opportunity.pk).exists()
    with pytest.raises(DomainError, match="still used by customer links"):
        opportunity_delete(opportunity=opportunity, actor=None)
    # Its lead, converted along with it, stays too.
    with pytest.raises(DomainError, match="became the opportunity"):
        lead_delete(lead=lead, actor=None)


def test_a_lead_that_is_a_customer_itself_stays_converted(member_client, company, stage):
    from customers.models import CustomerLink
    from tests.factories import CustomerFactory

    lead = LeadFactory(company=company)
    opportunity = lead_convert_to_opportunity(lead=lead, actor=None, title="Engines")
    CustomerLink.objects.create(
        company=company, customer=CustomerFactory(company=company), lead=lead, kind="linked"
    )
    page = member_client.get(reverse("leads:opportunity_delete", args=[opportunity.pk]))
    assert "which stays converted: customer links still use it." in page.content.decode()

    opportunity_delete(opportunity=opportunity, actor=None)

    lead.refresh_from_db()
    assert lead.status == "converted"
    assert not owned_by(SystemEvent, lead).filter(body__contains="qualified again").exists()
