"""One notion of notes on a record's page: the timeline's notes. A lead's free text is its
"Description" (as Odoo and ERPNext call it), and so is a sales partner's; a customer's its "Internal information"; no card
beside the timeline says "Notes" and stays empty after a note was added."""

import re

import pytest
from django.urls import reverse

from leads.forms import LeadForm
from tests.factories import (
    CustomerFactory,
    IndividualPartnerFactory,
    LeadFactory,
    OpportunityFactory,
)


def _headings(html: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", "", h).split())
        for h in re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.S)
    ]


def _add_note(client, record, owner_type: str, text: str) -> str:
    url = reverse("crm:activity_add", args=[owner_type, record.pk])
    response = client.post(url, {"kind": "note", "body": text, "next": record.get_absolute_url()})
    assert response.status_code == 302
    return client.get(record.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("make", "owner_type"),
    [
        (lambda company: LeadFactory(company=company), "leads.lead"),
        (lambda company: OpportunityFactory(company=company), "leads.opportunity"),
        (lambda company: CustomerFactory(company=company), "customers.customer"),
        (lambda company: IndividualPartnerFactory(company=company), "crm.salespartner"),
    ],
)
def test_a_note_added_on_a_record_page_shows_and_no_notes_card_says_none(
    member_client, company, make, owner_type
):
    record = make(company)
    html = _add_note(member_client, record, owner_type, "Called back, wants bundles.")
    timeline = html[html.index('<ol class="timeline-list">') :]
    assert "Called back, wants bundles." in timeline
    assert "Notes" not in _headings(html)
    assert "No notes yet" not in html


def test_a_leads_free_text_is_its_description(member_client, company):
    assert str(LeadForm.base_fields["notes"].label) == "Description"
    lead = LeadFactory(company=company, notes="")
    html = member_client.get(lead.get_absolute_url()).content.decode()
    assert "Description" in _headings(html)
    assert "No description yet." in html
    lead.notes = "Met at the trade fair."
    lead.save()
    html = member_client.get(lead.get_absolute_url()).content.decode()
    card = html[html.index('id="description-heading"') :]
    assert "Met at the trade fair." in card[: card.index("</section>")]


def test_the_edit_form_says_where_notes_go(member_client, company):
    lead = LeadFactory(company=company)
    html = member_client.get(reverse("leads:lead_update", args=[lead.pk])).content.decode()
    assert "Notes, calls and tasks go on its timeline." in html


def test_a_customers_free_text_is_its_internal_information(member_client, company):
    customer = CustomerFactory(company=company, internal_information="")
    html = member_client.get(customer.get_absolute_url()).content.decode()
    assert "Internal information" in _headings(html)
    assert "No internal information yet." in html


def test_a_partners_free_text_is_its_description_and_stored_notes_stay_visible(
    member_client, company
):
    partner = IndividualPartnerFactory(company=company, notes="")
    html = member_client.get(partner.get_absolute_url()).content.decode()
    assert "Description" in _headings(html) and "Notes" not in _headings(html)
    assert "No description yet." in html
    # What was stored as the partner's notes before is its description now.
    partner.notes = "Brings the trade-fair leads.\nPaid quarterly."
    partner.save()
    html = member_client.get(partner.get_absolute_url()).content.decode()
    card = html[html.index('id="description-heading"') :]
    assert "Brings the trade-fair leads.<br>Paid quarterly." in card[: card.index("</section>")]


def test_the_partner_form_calls_it_description_and_says_where_notes_go(member_client, company):
    partner = IndividualPartnerFactory(company=company)
    response = member_client.get(reverse("crm:partner_update", args=[partner.pk]))
    assert str(response.context["form"].fields["notes"].label) == "Description"
    assert "Notes, calls and tasks go on its timeline." in response.content.decode()
