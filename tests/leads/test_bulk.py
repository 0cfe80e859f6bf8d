"""Bulk actions and the Mine / Everyone's toggle on the lead and opportunity lists."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.models import SystemEvent
from crm.ui.bulk import MAX_BULK_IDS
from leads.models import Lead, Opportunity
from tests.conftest import login_as
from tests.factories import (
    LeadFactory,
    LeadSourceFactory,
    LostReasonFactory,
    MembershipFactory,
    OpportunityFactory,
    SalespersonFactory,
)

LEADS = reverse("leads:lead_list")
OPPORTUNITIES = reverse("leads:opportunity_list")


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def events_of(owner):
    return SystemEvent.objects.filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
    )


@pytest.fixture
def maria(company):
    return SalespersonFactory(company=company, name="Maria Manager")


# --- assign ------------------------------------------------------------------------------------


def test_assign_three_leads_and_land_on_the_same_filtered_page(member_client, company, maria):
    leads = LeadFactory.create_batch(3, company=company, status="contacted")
    untouched = LeadFactory(company=company)
    url = f"{LEADS}?status=contacted&sort=name"

    response = member_client.post(
        url,
        {"action": "assign_salesperson", "salesperson": maria.pk, "ids": [x.pk for x in leads]},
    )

    assert response.status_code == 302
    assert response["Location"] == url
    assert messages_of(response) == ["3 leads assigned to Maria Manager."]
    assert set(Lead.objects.filter(salesperson=maria)) == set(leads)
    untouched.refresh_from_db()
    assert untouched.salesperson is None
    assert all(events_of(lead).get().body == "Assigned to Maria Manager." for lead in leads)
    page = member_client.get(url)
    assert "Maria Manager" in page.content.decode()


def test_mark_leads_lost_with_a_reason(member_client, company):
    reason = LostReasonFactory(company=company, name="Too expensive")
    leads = LeadFactory.create_batch(2, company=company)
    response = member_client.post(
        LEADS, {"action": "mark_lost", "lost_reason": reason.pk, "ids": [x.pk for x in leads]}
    )
    assert messages_of(response) == ["2 leads marked lost (Too expensive)."]
    assert list(Lead.objects.values_list("status", "lost_reason")) == [("lost", reason.pk)] * 2


def test_mark_lost_needs_a_reason(member_client, company):
    lead = LeadFactory(company=company)
    response = member_client.post(LEADS, {"action": "mark_lost", "ids": [lead.pk]})
    assert messages_of(response) == ["Choose the lost reason for “Mark as lost”."]
    lead.refresh_from_db()
    assert lead.status == "new"


def test_one_refused_lead_changes_none_and_the_message_says_why(member_client, company):
    reason = LostReasonFactory(company=company)
    fine = LeadFactory(company=company, first_name="Fine", last_name="Lead", organization_name="")
    converted = LeadFactory(
        company=company,
        first_name="Ada",
        last_name="Lovelace",
        organization_name="",
        status="converted",
    )
    response = member_client.post(
        LEADS, {"action": "mark_lost", "lost_reason": reason.pk, "ids": [fine.pk, converted.pk]}
    )
    assert messages_of(response) == [
        "Nothing was changed: 1 of 2 leads was refused. "
        "Ada Lovelace: A converted lead cannot be set to lost."
    ]
    fine.refresh_from_db()
    assert fine.status == "new"
    assert not SystemEvent.objects.exists()


def test_another_companys_leads_are_not_found_and_not_touched(
    member_client, company, other_company, maria
):
    own = LeadFactory(company=company)
    with scopes_disabled():
        foreign = LeadFactory(company=other_company)
    response = member_client.post(
        LEADS,
        {"action": "assign_salesperson", "salesperson": maria.pk, "ids": [own.pk, foreign.pk]},
    )
    assert messages_of(response) == [
        "1 lead assigned to Maria Manager.",
        "1 selected lead was not found (deleted in the meantime?) and was left out.",
    ]
    with scopes_disabled():
        foreign.refresh_from_db()
        assert foreign.salesperson is None
        assert not events_of(foreign).exists()


def test_only_foreign_ids_change_nothing(member_client, company, other_company, maria):
    with scopes_disabled():
        foreign = LeadFactory(company=other_company)
    response = member_client.post(
        LEADS, {"action": "assign_salesperson", "salesperson": maria.pk, "ids": [foreign.pk]}
    )
    assert messages_of(response) == [
        "1 selected lead was not found (deleted in the meantime?) and was left out."
    ]


def test_another_companys_salesperson_is_not_offered_nor_accepted(
    member_client, company, other_company
):
    with scopes_disabled():
        foreign_seller = SalespersonFactory(company=other_company, name="Their Seller")
    lead = LeadFactory(company=company)
    page = member_client.get(LEADS)
    assert list(page.context["bulk_form"].fields["salesperson"].queryset) == []
    response = member_client.post(
        LEADS,
        {"action": "assign_salesperson", "salesperson": foreign_seller.pk, "ids": [lead.pk]},
    )
    assert messages_of(response) == [
        "Salesperson: Select a valid choice. That choice is not one of the available choices."
    ]
    lead.refresh_from_db()
    assert lead.salesperson is None


def test_inactive_salespeople_are_not_offered(member_client, company, maria):
    SalespersonFactory(company=company, name="Gone", is_active=False)
    LeadFactory(company=company)
    page = member_client.get(LEADS)
    assert list(page.context["bulk_form"].fields["salesperson"].queryset) == [maria]


def test_too_many_ids_are_refused_before_anything_runs(member_client, company, maria):
    lead = LeadFactory(company=company)
    ids = [lead.pk, *range(10_000, 10_000 + MAX_BULK_IDS)]
    response = member_client.post(
        LEADS, {"action": "assign_salesperson", "salesperson": maria.pk, "ids": ids}
    )
    assert messages_of(response) == [
        f"You selected {MAX_BULK_IDS + 1} leads; at most {MAX_BULK_IDS} can be changed at once. "
        "Filter the list or select fewer."
    ]
    lead.refresh_from_db()
    assert lead.salesperson is None


def test_assign_opportunities(member_client, company, maria):
    opportunities = OpportunityFactory.create_batch(2, company=company)
    response = member_client.post(
        OPPORTUNITIES,
        {
            "action": "assign_salesperson",
            "salesperson": maria.pk,
            "ids": [x.pk for x in opportunities],
        },
    )
    assert messages_of(response) == ["2 opportunities assigned to Maria Manager."]
    assert Opportunity.objects.filter(salesperson=maria).count() == 2


def test_the_opportunity_list_offers_assignment_and_mark_lost(member_client, company):
    OpportunityFactory(company=company)
    form = member_client.get(OPPORTUNITIES).context["bulk_form"]
    assert [name for name, _label in form.fields["action"].choices] == [
        "",
        "assign_salesperson",
        "mark_lost",
    ]


def test_mark_opportunities_lost_in_bulk(member_client, company):
    from leads.models import OpportunityStage
    from leads.setup import leads_defaults_apply

    leads_defaults_apply(company)
    open_stage = OpportunityStage.objects.filter(kind="open").first()
    reason = LostReasonFactory(company=company)
    deals = OpportunityFactory.create_batch(2, company=company, stage=open_stage)
    response = member_client.post(
        OPPORTUNITIES,
        {"action": "mark_lost", "lost_reason": reason.pk, "ids": [d.pk for d in deals]},
    )
    assert messages_of(response) == ["2 opportunities marked lost."]
    for deal in deals:
        deal.refresh_from_db()
        assert deal.stage.kind == "lost" and deal.lost_reason == reason
        assert deal.probability == 0


def test_the_table_has_a_labelled_checkbox_per_row(member_client, company):
    LeadFactory(company=company, first_name="Ada", last_name="Lovelace", organization_name="")
    html = member_client.get(LEADS).content.decode()
    lead = Lead.objects.get()
    assert (
        f'<label for="bulk-row-{lead.pk}" class="visually-hidden">Select Ada Lovelace</label>'
        in html
    )
    assert "Select all leads on this page" in html
    assert f'action="{LEADS}"' in html
    # Every form control of the bar has its own id, apart from the filter form's.
    assert 'id="bulk_salesperson"' in html and 'id="id_salesperson"' in html


def test_the_htmx_table_keeps_the_filters_in_the_form_action(member_client, company):
    LeadFactory(company=company, status="qualified")
    response = member_client.get(f"{LEADS}?status=qualified", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<h1>" not in html
    assert f'action="{LEADS}?status=qualified"' in html


# --- mine / everyone's ------------------------------------------------------------------------


@pytest.fixture
def seller_client(client, company, salesperson_user):
    SalespersonFactory(company=company, user=salesperson_user, name="Sam Seller")
    return login_as(client, salesperson_user, company)


def test_a_salesperson_sees_their_own_leads_first(seller_client, company, salesperson_user):
    mine = LeadFactory(company=company, salesperson=salesperson_user.salespeople.get())
    LeadFactory(company=company, salesperson=SalespersonFactory(company=company))
    LeadFactory(company=company)
    response = seller_client.get(LEADS)
    assert list(response.context["object_list"]) == [mine]
    assert response.context["owner_choice"] == "mine"
    assert 'aria-current="true">Mine</a>' in response.content.decode()

    response = seller_client.get(LEADS, {"owner": "all", "remember": "1"})  # the toggle's link
    assert len(response.context["object_list"]) == 3
    # Remembered for this list...
    assert len(seller_client.get(LEADS).context["object_list"]) == 3
    # ...not for the other one.
    assert seller_client.get(OPPORTUNITIES).context["owner_choice"] == "mine"


def test_a_salesperson_sees_their_own_opportunities_first(seller_client, company, salesperson_user):
    mine = OpportunityFactory(company=company, salesperson=salesperson_user.salespeople.get())
    OpportunityFactory(company=company)
    response = seller_client.get(OPPORTUNITIES)
    assert list(response.context["object_list"]) == [mine]


def test_picking_a_salesperson_in_the_filters_overrides_mine(seller_client, company):
    other = SalespersonFactory(company=company)
    theirs = LeadFactory(company=company, salesperson=other)
    response = seller_client.get(LEADS, {"salesperson": other.pk})
    assert list(response.context["object_list"]) == [theirs]
    assert response.context["owner_choice"] == "all"


def test_an_empty_mine_points_to_everyone(seller_client, company):
    LeadFactory(company=company)
    html = seller_client.get(LEADS).content.decode()
    assert "No leads are assigned to you." in html
    assert "Show everyone's leads" in html


@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_managers_and_up_see_everyone_by_default(client, company, role):
    user = MembershipFactory(company=company, role=role).user
    SalespersonFactory(company=company, user=user)
    LeadFactory.create_batch(2, company=company)
    login_as(client, user, company)
    response = client.get(LEADS)
    assert response.context["owner_choice"] == "all"
    assert len(response.context["object_list"]) == 2
    assert response.context["owner_toggle"]
    mine = client.get(LEADS, {"owner": "mine"})
    assert list(mine.context["object_list"]) == []


def test_without_a_salesperson_row_there_is_no_toggle(client, company, salesperson_user):
    LeadFactory(company=company)
    login_as(client, salesperson_user, company)
    response = client.get(LEADS, {"owner": "mine"})
    assert response.context["owner_choice"] == "all"
    assert not response.context["owner_toggle"]
    assert len(response.context["object_list"]) == 1
    assert "Whose leads" not in response.content.decode()


# --- query budgets ----------------------------------------------------------------------------


def _list_queries(client, url, create, rows):
    create(rows)
    # The first view fills the company's cached choice lists; the budget is every view after.
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["object_list"]) == rows
    return len(captured)


def test_mine_adds_no_query_per_row(seller_client, company, salesperson_user):
    seller = salesperson_user.salespeople.get()
    source = LeadSourceFactory(company=company)

    def create(rows):
        Lead.objects.all().delete()
        LeadFactory.create_batch(rows, company=company, source=source, salesperson=seller)

    few = _list_queries(seller_client, LEADS, create, 5)
    many = _list_queries(seller_client, LEADS, create, 25)
    assert few == many


def test_opportunity_mine_adds_no_query_per_row(seller_client, company, salesperson_user):
    seller = salesperson_user.salespeople.get()

    def create(rows):
        Opportunity.objects.all().delete()
        OpportunityFactory.create_batch(rows, company=company, salesperson=seller)

    few = _list_queries(seller_client, OPPORTUNITIES, create, 5)
    many = _list_queries(seller_client, OPPORTUNITIES, create, 25)
    assert few == many


def test_bulk_assign_queries_grow_by_a_fixed_amount_per_row(member_client, company, maria):
    """No hidden N+1 on top of the per-row service calls: each row costs the same."""

    def run(rows):
        Lead.objects.all().delete()
        SystemEvent.objects.all().delete()
        leads = LeadFactory.create_batch(rows, company=company)
        with CaptureQueriesContext(connection) as captured:
            member_client.post(
                LEADS,
                {
                    "action": "assign_salesperson",
                    "salesperson": maria.pk,
                    "ids": [x.pk for x in leads],
                },
            )
        assert Lead.objects.filter(salesperson=maria).count() == rows
        return len(captured)

    run(1)  # warm the per-process caches (content types), which only the first call fills
    one, two, five = run(1), run(2), run(5)
    assert five - two == 3 * (two - one)
