"""Assigning leads and opportunities to a salesperson, and lead_save's hand-over event."""

import threading
from unittest.mock import ANY

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django_scopes import scope, scopes_disabled

from crm.errors import DomainError
from crm.models import SystemEvent
from leads.forms import LeadForm
from leads.models import Lead
from leads.services import (
    lead_assign_salesperson,
    lead_save,
    opportunity_assign_salesperson,
)
from tests.factories import LeadFactory, OpportunityFactory, SalespersonFactory


def events_of(owner):
    return SystemEvent.objects.filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
    )


def test_assigning_a_lead_logs_who_it_went_to(company, member):
    sam = SalespersonFactory(company=company, name="Sam Seller")
    maria = SalespersonFactory(company=company, name="Maria Manager")
    lead = LeadFactory(company=company, salesperson=sam)

    lead = lead_assign_salesperson(lead=lead, salesperson=maria, actor=member)

    lead.refresh_from_db()
    assert lead.salesperson == maria
    event = events_of(lead).get()
    assert event.body == "Assigned to Maria Manager (previously Sam Seller)."
    assert event.author == member
    assert event.data == {"event": "assignment", "from": sam.pk, "to": maria.pk, "message": ANY}


def test_assigning_an_unassigned_lead(company, member):
    maria = SalespersonFactory(company=company, name="Maria Manager")
    lead = lead_assign_salesperson(
        lead=LeadFactory(company=company), salesperson=maria, actor=member
    )
    assert events_of(lead).get().body == "Assigned to Maria Manager."


def test_assigning_the_same_salesperson_again_logs_nothing(company, member):
    maria = SalespersonFactory(company=company)
    lead = LeadFactory(company=company, salesperson=maria)
    lead_assign_salesperson(lead=lead, salesperson=maria, actor=member)
    assert not events_of(lead).exists()


def test_another_companys_salesperson_is_refused(company, other_company, member):
    with scopes_disabled():
        foreign = SalespersonFactory(company=other_company)
    lead = LeadFactory(company=company)
    opportunity = OpportunityFactory(company=company)
    with pytest.raises(DomainError, match="does not belong to your company"):
        lead_assign_salesperson(lead=lead, salesperson=foreign, actor=member)
    with pytest.raises(DomainError, match="does not belong to your company"):
        opportunity_assign_salesperson(opportunity=opportunity, salesperson=foreign, actor=member)
    lead.refresh_from_db()
    opportunity.refresh_from_db()
    assert lead.salesperson is None and opportunity.salesperson is None
    assert not SystemEvent.objects.exists()


def test_an_inactive_salesperson_is_refused(company, member):
    gone = SalespersonFactory(company=company, name="Gone Person", is_active=False)
    lead = LeadFactory(company=company)
    with pytest.raises(DomainError, match="Gone Person is no longer active"):
        lead_assign_salesperson(lead=lead, salesperson=gone, actor=member)


def test_another_companys_lead_is_not_found(company, other_company, member):
    with scopes_disabled():
        foreign_lead = LeadFactory(company=other_company)
    maria = SalespersonFactory(company=company)
    with pytest.raises(Lead.DoesNotExist):
        lead_assign_salesperson(lead=foreign_lead, salesperson=maria, actor=member)


def test_assigning_an_opportunity_leaves_its_lead_alone(company, member):
    sam = SalespersonFactory(company=company)
    maria = SalespersonFactory(company=company, name="Maria Manager")
    lead = LeadFactory(company=company, salesperson=sam, status="converted")
    opportunity = OpportunityFactory(company=company, lead=lead, salesperson=sam)

    opportunity = opportunity_assign_salesperson(
        opportunity=opportunity, salesperson=maria, actor=None
    )

    opportunity.refresh_from_db()
    lead.refresh_from_db()
    assert opportunity.salesperson == maria
    assert lead.salesperson == sam
    assert events_of(opportunity).get().body.startswith("Assigned to Maria Manager")
    assert events_of(opportunity).get().author is None


def test_lead_save_logs_a_new_salesperson_from_the_edit_form(company, member):
    sam = SalespersonFactory(company=company, name="Sam Seller")
    maria = SalespersonFactory(company=company, name="Maria Manager")
    lead = lead_save(lead=Lead(company=company, first_name="Ada", salesperson=sam), actor=member)
    assert not events_of(lead).exists()  # a new lead is not a hand-over

    form = LeadForm({"first_name": "Ada", "salesperson": maria.pk}, instance=lead, company=company)
    assert form.is_valid(), form.errors
    lead_save(lead=form.instance, actor=member)

    assert events_of(lead).get().body == "Assigned to Maria Manager (previously Sam Seller)."
    form = LeadForm(
        {"first_name": "Ada Changed", "salesperson": maria.pk}, instance=lead, company=company
    )
    assert form.is_valid()
    lead_save(lead=form.instance, actor=member)
    assert events_of(lead).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_assigning_at_once_leave_one_consistent_history():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL: set DATABASE_URL to run this test")
    from tests.factories import CompanyFactory

    company = CompanyFactory()
    with scope(company=company):
        sellers = SalespersonFactory.create_batch(8, company=company)
        lead = LeadFactory(company=company)
    barrier = threading.Barrier(len(sellers))
    errors = []

    def assign(seller):
        try:
            with scope(company=company):
                barrier.wait()
                lead_assign_salesperson(lead=lead, salesperson=seller, actor=None)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(seller,)) for seller in sellers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with scope(company=company):
        lead.refresh_from_db()
        events = list(events_of(lead).order_by("pk"))
        # Each hand-over names the salesperson the one before it handed to: no lost update.
        assert len(events) == len(sellers)
        assert events[0].data["from"] is None
        for before, after in zip(events, events[1:], strict=False):
            assert after.data["from"] == before.data["to"]
        assert events[-1].data["to"] == lead.salesperson_id
