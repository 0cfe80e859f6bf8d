"""Lead and opportunity pages: forms, choices, query budgets, wish list."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from leads.forms import LeadForm, OpportunityMoveForm
from leads.models import Lead, Opportunity, WishListItem
from tests.factories import (
    LeadFactory,
    LeadSourceFactory,
    LostReasonFactory,
    OpportunityFactory,
    OpportunityStageFactory,
    ProductFactory,
    SalespersonFactory,
)


def test_create_a_lead(member_client, company):
    source = LeadSourceFactory(company=company)
    response = member_client.post(
        reverse("leads:lead_create"),
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ada@example.com",
            "source": source.pk,
        },
    )
    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == lead.get_absolute_url()
    assert lead.company == company
    assert lead.status == "new"
    assert lead.source == source


@pytest.mark.parametrize(
    "data",
    [
        {"first_name": "", "last_name": "", "organization_name": ""},
        {"first_name": "Ada", "email": "not-an-email"},
    ],
)
def test_invalid_lead_input_writes_nothing(member_client, company, data):
    response = member_client.post(reverse("leads:lead_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not Lead.objects.exists()


def test_another_companys_choice_is_refused(member_client, company, other_company):
    with scopes_disabled():
        foreign_source = LeadSourceFactory(company=other_company)
        foreign_seller = SalespersonFactory(company=other_company)
    response = member_client.post(
        reverse("leads:lead_create"),
        {"first_name": "Ada", "source": foreign_source.pk, "salesperson": foreign_seller.pk},
    )
    assert response.status_code == 200
    assert {"source", "salesperson"} <= set(response.context["form"].errors)
    assert not Lead.objects.exists()


def test_form_choices_come_from_the_company_only(company, other_company):
    own_source = LeadSourceFactory(company=company)
    own_stage = OpportunityStageFactory(company=company)
    own_reason = LostReasonFactory(company=company)
    with scopes_disabled():
        LeadSourceFactory(company=other_company)
        OpportunityStageFactory(company=other_company)
        LostReasonFactory(company=other_company)
        SalespersonFactory(company=other_company)
    lead_form = LeadForm(company=company)
    assert list(lead_form.fields["source"].queryset) == [own_source]
    assert list(lead_form.fields["salesperson"].queryset) == []
    move_form = OpportunityMoveForm(company=company)
    assert list(move_form.fields["stage"].queryset) == [own_stage]
    assert list(move_form.fields["lost_reason"].queryset) == [own_reason]


def _count_list_queries(client, company, rows):
    source = LeadSourceFactory(company=company)
    seller = SalespersonFactory(company=company)
    LeadFactory.create_batch(rows, company=company, source=source, salesperson=seller)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("leads:lead_list"))
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_lead_list_queries_do_not_grow_with_rows(member_client, company):
    few = _count_list_queries(member_client, company, 5)
    Lead.objects.all().delete()
    many = _count_list_queries(member_client, company, 50)
    assert len(few) == len(many), "\n".join(["5 rows:", *few, "50 rows:", *many])


# What the lead list reads: session, user, memberships, and the page's leads with the list's
# bounded count in the same query (crm.ui.pagination.BoundedCount).
LEAD_LIST_QUERIES = 4


def test_lead_list_reads_its_rows_and_count_in_one_query(
    member_client, company, django_assert_max_num_queries
):
    seller = SalespersonFactory(company=company)
    LeadFactory.create_batch(3, company=company, salesperson=seller)
    url = reverse("leads:lead_list")
    member_client.get(url)  # sessions and caches warm
    with django_assert_max_num_queries(LEAD_LIST_QUERIES) as queries:
        response = member_client.get(url)
    assert response.context["page_obj"].paginator.count == 3
    from_leads = [q["sql"] for q in queries.captured_queries if 'FROM "leads_lead"' in q["sql"]]
    assert len(from_leads) == 1
    # Unfiltered, the count adds up the kept figures (leads.kept.LEAD_COUNTS).
    assert "leads_leadcountfigure" in from_leads[0]


def test_opportunity_list_queries_do_not_grow_with_rows(
    member_client, company, django_assert_max_num_queries
):
    OpportunityFactory.create_batch(
        5, company=company, salesperson=SalespersonFactory(company=company)
    )
    with CaptureQueriesContext(connection) as few:
        member_client.get(reverse("leads:opportunity_list"))
    OpportunityFactory.create_batch(
        45, company=company, salesperson=SalespersonFactory(company=company)
    )
    with django_assert_max_num_queries(len(few)):
        response = member_client.get(reverse("leads:opportunity_list"))
    assert response.status_code == 200


# What the lead page reads: session, user, membership, the lead (with its opportunity and whether
# it has a wish list), the team tree, its wish list (only when it has one, as here), its customer link (once, for the next step and the panel), addresses and
# contacts (one query for both panels; was one each), the timeline's entries (with their
# subtypes), its history (read here: the timeline has no entries to carry the newest change's
# date). The wish form's products, the lost reasons and the users a task may be assigned to come
# from the cached lists. Its opportunity was read a second time by the next step before it was
# loaded with the lead. Its wish list is priced as the opportunity it becomes would be quoted:
# the customer type it would become gives the discount, one query (was 9 at catalog prices).
LEAD_DETAIL_QUERIES = 10


def test_the_lead_page_reads_its_opportunity_once_within_a_fixed_budget(
    member_client, company, django_assert_max_num_queries
):
    lead = LeadFactory(company=company)
    opportunity = OpportunityFactory(company=company, lead=lead, title="Boiler retrofit")
    for _ in range(3):
        WishListItem.objects.create(
            company=company, lead=lead, product=ProductFactory(company=company), quantity=1
        )
    url = reverse("leads:lead_detail", args=[lead.pk])
    member_client.get(url)  # sessions and caches warm
    with django_assert_max_num_queries(LEAD_DETAIL_QUERIES) as queries:
        response = member_client.get(url)
    page = response.content.decode()
    assert opportunity.get_absolute_url() in page  # in the details and in the next step
    assert "Open the opportunity" in page
    from_opportunities = [
        q["sql"] for q in queries.captured_queries if 'FROM "leads_opportunity"' in q["sql"]
    ]
    assert from_opportunities == []  # joined to the lead's own query


@pytest.mark.parametrize("kind", ["lead", "opportunity"])
def test_an_empty_wish_list_is_not_read_and_a_wish_list_is(member_client, company, kind):
    """The record's own query says whether it has a wish list: an empty one costs no query."""
    if kind == "lead":
        record = LeadFactory(company=company)
        url = reverse("leads:lead_detail", args=[record.pk])
    else:
        record = OpportunityFactory(company=company)
        url = reverse("leads:opportunity_detail", args=[record.pk])
    member_client.get(url)  # sessions and caches warm

    def wish_list_reads() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            page = member_client.get(url).content.decode()
        reads = [
            query["sql"]
            for query in captured.captured_queries
            if query["sql"].startswith('SELECT "leads_wishlistitem"')
        ]
        return len(reads), page

    reads, page = wish_list_reads()
    assert reads == 0
    assert "No products on the wish list yet." in page
    product = ProductFactory(company=company, name="Standing desk")
    WishListItem.objects.create(company=company, product=product, quantity=2, **{kind: record})
    reads, page = wish_list_reads()
    assert reads == 1
    assert "Standing desk" in page


def test_a_nameless_lead_is_refused_with_the_reason_said_once(member_client, company):
    response = member_client.post(reverse("leads:lead_create"), {"email": "ada@example.com"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors() == ["Give the lead a name or an organization."]
    assert response.content.decode().count("Give the lead a name or an organization.") == 1
    assert not Lead.objects.exists()


def test_lead_list_filters_and_searches(member_client, company):
    LeadFactory(company=company, first_name="Ada", organization_name="Engines Ltd")
    LeadFactory(company=company, first_name="Bob", organization_name="Other", status="contacted")
    response = member_client.get(reverse("leads:lead_list"), {"q": "engines"})
    assert [lead.first_name for lead in response.context["object_list"]] == ["Ada"]
    response = member_client.get(reverse("leads:lead_list"), {"status": "contacted"})
    assert [lead.first_name for lead in response.context["object_list"]] == ["Bob"]


def test_wish_list_add_and_remove(member_client, company):
    lead = LeadFactory(company=company)
    product = ProductFactory(company=company)
    response = member_client.post(
        reverse("leads:lead_wish_add", args=[lead.pk]), {"product": product.pk, "quantity": "2.5"}
    )
    assert response.status_code == 302
    item = WishListItem.objects.get()
    assert item.lead == lead and item.quantity == Decimal("2.5")
    member_client.post(reverse("leads:wish_remove", args=[item.pk]))
    assert not WishListItem.objects.exists()


def test_bad_wish_list_quantity_writes_nothing(member_client, company):
    lead = LeadFactory(company=company)
    product = ProductFactory(company=company)
    response = member_client.post(
        reverse("leads:lead_wish_add", args=[lead.pk]),
        {"product": product.pk, "quantity": "0"},
        follow=True,
    )
    assert response.status_code == 200
    assert not WishListItem.objects.exists()


def test_status_change_page(member_client, company):
    lead = LeadFactory(company=company)
    reason = LostReasonFactory(company=company)
    member_client.post(reverse("leads:lead_status", args=[lead.pk]), {"status": "lost"})
    lead.refresh_from_db()
    assert lead.status == "new"
    member_client.post(
        reverse("leads:lead_status", args=[lead.pk]), {"status": "lost", "lost_reason": reason.pk}
    )
    lead.refresh_from_db()
    assert lead.status == "lost"


def test_detail_pages_render(member_client, company):
    opportunity = OpportunityFactory(company=company, lead=LeadFactory(company=company))
    assert member_client.get(opportunity.lead.get_absolute_url()).status_code == 200
    assert member_client.get(opportunity.get_absolute_url()).status_code == 200
    assert (
        member_client.get(reverse("leads:opportunity_update", args=[opportunity.pk])).status_code
        == 200
    )


def test_company_lists_are_for_managers(client, company, salesperson_user, member_client):
    response = member_client.post(reverse("leads:source_create"), {"name": "Web"})
    assert response.status_code == 302
    assert member_client.get(reverse("leads:stage_list")).status_code == 200
    from tests.conftest import login_as

    login_as(client, salesperson_user, company)
    assert client.get(reverse("leads:source_list")).status_code == 403


def test_opportunity_stage_lost_needs_reason(member_client, company):
    # The edit form no longer has the stage; the stage move refuses lost without a reason.
    lost = OpportunityStageFactory(company=company, kind="lost")
    opportunity = OpportunityFactory(company=company)
    member_client.post(
        reverse("leads:opportunity_stage", args=[opportunity.pk]), {"stage": lost.pk}
    )
    assert Opportunity.objects.get().stage != lost


def test_opportunity_list_filters_by_close_date_partner_and_lead_search(member_client, company):
    from datetime import date

    from tests.factories import IndividualPartnerFactory

    partner = IndividualPartnerFactory(company=company)
    soon = OpportunityFactory(
        company=company,
        title="Soon",
        expected_close_date=date(2026, 12, 1),
        sales_partner=partner,
        lead=LeadFactory(company=company, organization_name="Krüger Bäckerei"),
    )
    OpportunityFactory(company=company, title="Later", expected_close_date=date(2027, 6, 1))
    url = reverse("leads:opportunity_list")

    def titles(**params):
        response = member_client.get(url, {"owner": "all", **params})
        return [o.title for o in response.context["object_list"]]

    assert titles(close_to="2026-12-31") == ["Soon"]
    assert titles(close_from="2027-01-01") == ["Later"]
    assert titles(sales_partner=partner.pk) == ["Soon"]
    assert titles(q="krüger") == [soon.title]
