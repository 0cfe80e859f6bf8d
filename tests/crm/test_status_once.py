"""A status (or stage) change shows once on a record's timeline: as the event its service logs,
not again as a field change of the same write; the history of the other fields stays."""

import re

from django.urls import reverse

from customers.models import Customer
from leads.models import Lead
from tests.factories import (
    CustomerFactory,
    LeadFactory,
    LostReasonFactory,
    OpportunityFactory,
    OpportunityStageFactory,
)


def _entries(html: str) -> list[str]:
    """The timeline's entries, each its text on one line."""
    items = re.findall(
        r'<li class="timeline-entry[^"]*"[^>]*>(.*?)</li>\n?(?=<li|\s*</ol>|\s*$)', html, re.S
    )
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def _timeline(client, record) -> list[str]:
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<ol class="timeline-list">')
    return _entries(html[start : html.index("</ol>", start) + 5])


def test_a_lead_status_change_shows_once(member_client, company):
    lead = LeadFactory(company=company)
    response = member_client.post(
        reverse("leads:lead_status", args=[lead.pk]), {"status": "contacted"}
    )
    assert response.status_code == 302
    entries = _timeline(member_client, lead)
    about_status = [entry for entry in entries if "ontacted" in entry]
    assert len(about_status) == 1, entries
    assert "Status changed from New to Contacted." in about_status[0]


def test_a_lost_lead_shows_its_reason_once(member_client, company):
    lead = LeadFactory(company=company)
    reason = LostReasonFactory(company=company, name="No budget")
    member_client.post(
        reverse("leads:lead_status", args=[lead.pk]), {"status": "lost", "lost_reason": reason.pk}
    )
    entries = _timeline(member_client, lead)
    assert len([entry for entry in entries if "No budget" in entry]) == 1, entries


def test_other_fields_changed_on_the_lead_still_show(member_client, company):
    lead = LeadFactory(company=company, first_name="Ada")
    member_client.post(reverse("leads:lead_status", args=[lead.pk]), {"status": "contacted"})
    lead = Lead.objects.get(pk=lead.pk)
    lead.first_name = "Adele"
    lead.save()
    entries = _timeline(member_client, lead)
    assert any("Changed first name from “Ada” to “Adele”" in entry for entry in entries), entries
    assert len([entry for entry in entries if "ontacted" in entry]) == 1, entries


def test_an_opportunity_stage_move_shows_once(member_client, company):
    first = OpportunityStageFactory(company=company, name="Prospecting", probability=10)
    second = OpportunityStageFactory(company=company, name="Proposal", probability=50)
    opportunity = OpportunityFactory(company=company, stage=first)
    response = member_client.post(
        reverse("leads:opportunity_stage", args=[opportunity.pk]), {"stage": second.pk}
    )
    assert response.status_code == 302
    entries = _timeline(member_client, opportunity)
    about_stage = [entry for entry in entries if "Proposal" in entry]
    assert len(about_stage) == 1, entries
    assert "probability 50" in about_stage[0]


def test_a_customer_hold_shows_once(member_client, company):
    customer = CustomerFactory(company=company)
    response = member_client.post(
        reverse("customers:customer_hold", args=[customer.pk]), {"reason": "Unpaid invoices"}
    )
    assert response.status_code == 302
    assert Customer.objects.get(pk=customer.pk).status == Customer.Status.ON_HOLD
    entries = _timeline(member_client, customer)
    assert len([entry for entry in entries if "Unpaid invoices" in entry]) == 1, entries
