"""The pieces of a list page kept per process (crm.ui.kept_markup): the column picker, the bulk
bar and the pages come out exactly as rendered afresh, and follow what they show; the filter
form's class (crm.ui.filters.SearchFilterSet) is kept per company and lists version."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.access import Action, Level
from crm.access.services import role_access_levels_save
from crm.models import Membership
from crm.ui import kept_markup
from leads.filters import LeadFilter
from leads.views.leads import LeadListView
from selling.filters import QuotationFilter
from tests.conftest import login_as
from tests.factories import (
    CustomerFactory,
    LeadFactory,
    LeadSourceFactory,
    MembershipFactory,
    SalespersonFactory,
)

LEADS = reverse("leads:lead_list")
CSRF = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


@pytest.fixture(autouse=True)
def empty_memory():
    kept_markup.forget()
    yield
    kept_markup.forget()


def page(client, url: str) -> str:
    return CSRF.sub(r"\1-", client.get(url).content.decode())


@pytest.mark.parametrize(
    "query",
    ["", "?status=contacted&sort=name", "?page=2&cols=name,email", "?q=smith&owner=all"],
)
def test_a_kept_page_is_the_page_rendered_afresh(member_client, company, query, monkeypatch):
    monkeypatch.setattr(LeadListView, "paginate_by", 5)
    LeadFactory.create_batch(7, company=company, last_name="Smith", status="contacted")

    fresh = page(member_client, LEADS + query)
    assert kept_markup._KEPT  # the picker, the bar and the pages were kept
    kept = page(member_client, LEADS + query)
    kept_markup.forget()

    assert page(member_client, LEADS + query) == fresh == kept


def test_the_pages_follow_the_rows(member_client, company):
    LeadFactory.create_batch(3, company=company)
    member_client.get(LEADS)
    LeadFactory(company=company)

    html = member_client.get(LEADS).content.decode()

    assert "1–4 of 4" in html


def test_the_bulk_bar_offers_a_salesperson_added_since(member_client, company):
    LeadFactory(company=company)
    member_client.get(LEADS)
    SalespersonFactory(company=company, name="Nadia Newcomer")

    html = member_client.get(LEADS).content.decode()

    assert html.count("Nadia Newcomer") >= 1
    assert 'data-bulk-for="assign_salesperson"' in html


def test_the_kept_pieces_are_in_the_page_language(member_client, company):
    LeadFactory(company=company)
    english = member_client.get(LEADS).content.decode()

    indonesian = member_client.get(LEADS, headers={"accept-language": "id"}).content.decode()

    assert "Show columns" in english
    assert "Show columns" not in indonesian
    assert "Apply to selected" not in indonesian


# --- the filter form's class, kept per company and lists version ---------------------------------


def test_the_filters_offer_a_source_added_since(member_client, company):
    member_client.get(LEADS)
    LeadSourceFactory(company=company, name="Trade fair 2027")

    assert "Trade fair 2027" in member_client.get(LEADS).content.decode()


def test_another_company_never_gets_the_kept_filters(
    member_client, company, other_member, other_company
):
    ours = LeadSourceFactory(company=company, name="Acme only source")
    with scopes_disabled():
        LeadSourceFactory(company=other_company, name="Their source")
    assert "Acme only source" in member_client.get(LEADS).content.decode()

    other = login_as(Client(), other_member, other_company)
    html = other.get(LEADS).content.decode()
    # Picking the first company's source by its id is no choice of theirs either.
    picked = other.get(f"{LEADS}?source={ours.pk}").content.decode()

    assert "Their source" in html
    assert "Acme only source" not in html
    assert "Acme only source" not in picked


def test_a_select_the_access_engine_narrows_is_kept_per_reach(rf, company, member):
    request = rf.get("/")
    request.company, request.user = company, member
    quotations = QuotationFilter(data=None, request=request)
    leads = LeadFilter(data=None, request=request)

    # Its customers depend on who asks: the key holds the access engine's filter of them.
    assert quotations.form_class_key() is not None
    assert leads.form_class_key() is not None
    assert leads.get_form_class() is LeadFilter(data=None, request=request).get_form_class()
    again = QuotationFilter(data=None, request=request)
    assert quotations.get_form_class() is again.get_form_class()


def test_a_customer_the_user_may_not_see_is_never_among_the_kept_filters_choices(
    client, member_client, company
):
    owner = MembershipFactory(company=company, role=Membership.Role.OWNER).user
    seller = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    mine = SalespersonFactory(company=company, user=seller)
    theirs = CustomerFactory(
        company=company, name="Zanzibar Theirs", salesperson=SalespersonFactory(company=company)
    )
    own = CustomerFactory(company=company, name="Zanzibar Mine", salesperson=mine)
    role_access_levels_save(
        company=company,
        levels={("customers.customer", Action.VIEW, Membership.Role.SALESPERSON): Level.OWN},
        actor=owner,
    )
    quotations = reverse("selling:quotation_list")
    # The admin's visit keeps a form that reaches every customer.
    assert "Zanzibar Theirs" in member_client.get(quotations, {"customer": theirs.pk}).text

    seller_client = login_as(Client(), seller, company)
    refused = seller_client.get(quotations, {"customer": theirs.pk})
    field = refused.context["filter"].form.fields["customer"]
    assert theirs not in field.queryset and own in field.queryset
    assert "Zanzibar Theirs" not in refused.text
    assert "Zanzibar Mine" in seller_client.get(quotations, {"customer": own.pk}).text
    # And the admin's kept form still reaches every customer.
    assert "Zanzibar Theirs" in member_client.get(quotations, {"customer": theirs.pk}).text


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("", "?sort=name"),
        ("?sort=name", "?sort=-name"),
        ("", "?cols=name,phone"),
        ("?cols=name,phone", "?cols=name,phone&status=new"),
        ("?status=new", "?status=lost"),
        ("?sort=name", "?sort=name&page=2"),
        ("?sort=name&page=2", "?sort=name&page=2&cols=name,email"),
    ],
)
def test_the_column_picker_and_sort_follow_the_query(
    member_client, company, first, then, monkeypatch
):
    monkeypatch.setattr(LeadListView, "paginate_by", 1)
    LeadFactory.create_batch(3, company=company)
    page(member_client, LEADS + first)

    kept = page(member_client, LEADS + then)
    kept_markup.forget()

    assert page(member_client, LEADS + then) == kept


@pytest.mark.parametrize(
    "url",
    ["customers:customer_list", "selling:quotation_list", "addressbook:address_list"],
)
def test_every_list_keeps_its_own_column_picker(member_client, company, url):
    CustomerFactory(company=company)
    page(member_client, LEADS + "?sort=name")

    kept = page(member_client, reverse(url) + "?sort=name")
    kept_markup.forget()

    assert page(member_client, reverse(url) + "?sort=name") == kept


def test_kept_saved_views_and_filters_are_each_persons_own(client, company):
    """The saved views and the filters are kept per what they show: the owner's page (their
    view marked active, an edit link back to the page) and a colleague's (the shared view "by"
    its owner, no edit link, no private view) come out as rendered afresh, each visit."""
    from tests.factories import SavedViewFactory

    with scopes_disabled():
        owner = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
        colleague = MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user
    owner.first_name, owner.last_name = "Olga", "Owner"
    owner.save()
    SavedViewFactory(company=company, owner=owner, name="Hot", shared=True, query="status=new")
    SavedViewFactory(
        company=company, owner=owner, name="Mine alone", shared=False, query="status=lost"
    )
    LeadFactory.create_batch(2, company=company, status="new")
    pages = {}
    for user in (owner, colleague, owner):
        session = Client()
        login_as(session, user, company)
        for query in ("", "?status=new", "?status=new&q=x%3C"):
            fresh = page(session, LEADS + query)
            kept_once = page(session, LEADS + query)
            assert kept_once == fresh
            pages[user.pk, query] = fresh
    mine, theirs = pages[owner.pk, "?status=new"], pages[colleague.pk, "?status=new"]
    assert "Mine alone" in mine and "Mine alone" not in theirs
    assert "saved-view-edit" in mine and "saved-view-edit" not in theirs
    assert "by Olga Owner" in theirs and "by Olga Owner" not in mine
    assert 'aria-current="true">Hot</a>' in mine
    assert 'aria-current="true"' not in pages[owner.pk, ""]
    assert 'value="status=new&amp;q=x%3C"' in pages[colleague.pk, "?status=new&q=x%3C"]
    kept_markup.forget()
    assert page(client_for(colleague, company), LEADS + "?status=new") == theirs


def client_for(user, company) -> Client:
    session = Client()
    login_as(session, user, company)
    return session


def test_forget_empties_every_memory_a_page_fills(member_client, company):
    """Between tests the company's id, creation time and lists version can come again (a
    rolled-back test database): none of the per-process memories may answer the next test's
    page with what this one kept (the filter fields' markup once did, two queries short)."""
    from crm.ui import fast_forms, filters

    LeadSourceFactory(company=company)
    SalespersonFactory(company=company)
    member_client.get(LEADS)
    memories = (kept_markup._KEPT, fast_forms._RENDERED, filters._FORM_CLASSES)
    assert all(len(memory) for memory in memories)

    kept_markup.forget()

    assert not any(len(memory) for memory in memories)
