"""Web-to-lead: a website's form creates leads; every submission is kept with its outcome."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.models import Activity
from leads.models import Lead, WebForm, WebFormSubmission
from leads.webforms import web_form_rotate_key, web_form_save
from tests.conftest import login_as
from tests.factories import (
    LeadFactory,
    LeadSourceFactory,
    MembershipFactory,
    SalespersonFactory,
)

pytestmark = pytest.mark.django_db

VISITOR = {
    "first_name": "Sari",
    "last_name": "Wijaya",
    "organization_name": "Toko Sari",
    "email": "sari@toko.example",
    "phone": "+62 21 5550 1234",
    "message": "Do you ship docking stations to Jakarta?",
}


@pytest.fixture
def web_form(company, member):
    form = WebForm(company=company, name="Contact us", source=LeadSourceFactory(company=company))
    return web_form_save(
        form=form,
        salespeople=[SalespersonFactory(company=company, name=n) for n in ("Ana", "Bo")],
        actor=member,
    )


def submit(key, data, **extra):
    return Client().post(reverse("webforms:submit", args=[key]), data, **extra)


def test_a_submission_becomes_a_lead_with_the_source_and_a_timeline_entry(web_form):
    page = submit(web_form.key, VISITOR)
    assert page.status_code == 200
    assert "we received your message" in page.content.decode()
    lead = Lead.objects.get(email="sari@toko.example")
    assert (lead.last_name, lead.organization_name, lead.source) == (
        "Wijaya",
        "Toko Sari",
        web_form.source,
    )
    assert lead.notes == VISITOR["message"]
    assert Activity.objects.filter(
        owner_id=lead.pk, body__contains="Came in through the web form “Contact us”"
    ).exists()
    (kept,) = WebFormSubmission.objects.all()
    assert (kept.outcome, kept.lead) == ("created", lead)


def test_new_leads_go_to_the_salespeople_in_turn(web_form):
    for n in range(4):
        submit(web_form.key, {**VISITOR, "email": f"v{n}@example.com", "phone": ""})
    owners = [
        lead.salesperson.name for lead in Lead.objects.order_by("pk").select_related("salesperson")
    ]
    assert owners == ["Ana", "Bo", "Ana", "Bo"]


def test_an_open_lead_with_the_same_email_gets_the_message_not_a_twin(web_form, company):
    existing = LeadFactory(company=company, email="SARI@toko.example", last_name="Wijaya")
    submit(web_form.key, VISITOR)
    assert Lead.objects.count() == 1
    assert Activity.objects.filter(
        owner_id=existing.pk, body__contains="Do you ship docking stations"
    ).exists()
    kept = WebFormSubmission.objects.get()
    assert kept.outcome == "duplicate"
    assert kept.lead == existing


def test_invalid_fields_are_refused_with_the_reason_and_kept(web_form):
    page = submit(web_form.key, {"first_name": "Nobody", "email": "not-an-address"})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Enter a valid email address." in html
    assert not Lead.objects.exists()
    kept = WebFormSubmission.objects.get()
    assert kept.outcome == "invalid"
    assert "valid email" in kept.reason


def test_the_honeypot_thanks_the_bot_and_creates_nothing(web_form):
    page = submit(web_form.key, {**VISITOR, "website": "http://spam.example"})
    assert page.status_code == 200
    assert not Lead.objects.exists()
    assert WebFormSubmission.objects.get().outcome == "spam"


def test_a_flood_from_one_address_is_throttled_and_kept_once(web_form, settings):
    settings.WEB_FORM_LIMIT = 3
    answers = [
        submit(web_form.key, {**VISITOR, "email": f"f{n}@example.com", "phone": ""}).status_code
        for n in range(6)
    ]
    assert answers == [200, 200, 200, 429, 429, 429]
    assert Lead.objects.count() == 3
    assert WebFormSubmission.objects.filter(outcome="throttled").count() == 1


def test_the_json_variant_answers_json_and_allows_any_origin(web_form):
    url = reverse("webforms:submit_json", args=[web_form.key])
    ok = Client().post(url, json.dumps(VISITOR), content_type="application/json")
    assert ok.status_code == 201
    assert ok.json()["status"] == "received"
    assert ok["Access-Control-Allow-Origin"] == "*"
    bad = Client().post(url, json.dumps({"first_name": "X"}), content_type="application/json")
    assert bad.status_code == 400
    assert "Enter your last name or your organization." in json.dumps(bad.json()["errors"])
    garbage = Client().post(url, "[1, 2", content_type="application/json")
    assert garbage.status_code == 400
    assert Lead.objects.count() == 1


def test_an_unknown_paused_or_rotated_key_is_not_found(web_form, member):
    old_key = web_form.key
    assert submit("no-such-key", VISITOR).status_code == 404
    web_form_rotate_key(form=web_form, actor=member)
    assert submit(old_key, VISITOR).status_code == 404
    WebForm.objects.filter(pk=web_form.pk).update(is_active=False)
    assert submit(web_form.key, VISITOR).status_code == 404
    assert not Lead.objects.exists()


def test_the_lead_lands_in_the_forms_company_only(web_form, other_company):
    submit(web_form.key, VISITOR)
    with scopes_disabled():
        assert Lead.objects.get().company_id == web_form.company_id
        assert not Lead.objects.filter(company=other_company).exists()


def test_managers_see_the_snippet_and_every_submission(web_form, member_client):
    submit(web_form.key, VISITOR)
    submit(web_form.key, {"first_name": "X"})
    page = member_client.get(web_form.get_absolute_url())
    html = page.content.decode()
    assert f"/forms/{web_form.key}/" in html
    assert "Lead created" in html and "Refused: invalid" in html
    only_refused = member_client.get(web_form.get_absolute_url() + "?outcome=invalid")
    table = only_refused.content.decode().split("<tbody>")[1]
    assert "Refused: invalid" in table and "Lead created" not in table


def test_a_manager_creates_a_form_with_the_companys_choices_only(
    company, other_company, member_client
):
    with scopes_disabled():
        theirs = SalespersonFactory(company=other_company)
    page = member_client.post(
        reverse("leads:webform_create"),
        {
            "name": "Trade fair",
            "is_active": "on",
            "thank_you": "Thanks!",
            "salespeople": [theirs.pk],
        },
    )
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    assert not WebForm.objects.exists()
    created = member_client.post(
        reverse("leads:webform_create"),
        {"name": "Trade fair", "is_active": "on", "thank_you": "Thanks!"},
    )
    assert created.status_code == 302
    assert WebForm.objects.get().name == "Trade fair"


def test_salespeople_do_not_manage_web_forms(web_form, client, company):
    user = MembershipFactory(company=company, role="salesperson").user
    login_as(client, user, company)
    assert client.get(reverse("leads:webform_list")).status_code == 403
    assert client.get(web_form.get_absolute_url()).status_code == 403


def test_the_submissions_page_has_a_fixed_query_budget(
    web_form, member_client, django_assert_max_num_queries
):
    for n in range(30):
        submit(web_form.key, {**VISITOR, "email": f"q{n}@example.com", "phone": ""})
    with django_assert_max_num_queries(14):
        assert member_client.get(web_form.get_absolute_url()).status_code == 200
