"""Saved views: a list's filters, search and sort kept under a name, personal or shared with
the company, one click from the list (crm.saved_views)."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from crm.errors import DomainError
from crm.models import Membership, SavedView
from crm.saved_views import saved_query, saved_view_create, saved_view_delete, saved_view_update
from tests.conftest import login_as
from tests.crm.helpers import count_queries
from tests.factories import LeadFactory, MembershipFactory, ProductFactory, SavedViewFactory

LEADS = "leads:lead_list"


@pytest.fixture
def seller(company):
    return MembershipFactory(company=company, role=Membership.Role.SALESPERSON).user


@pytest.fixture
def colleague(company):
    return MembershipFactory(company=company, role=Membership.Role.MANAGER).user


def test_the_same_name_twice_on_one_list_is_refused_by_the_database(company, seller):
    SavedViewFactory(company=company, owner=seller, name="Hot")
    with pytest.raises(IntegrityError), transaction.atomic():
        SavedViewFactory(company=company, owner=seller, name="Hot")


def test_the_same_name_is_fine_on_another_list_or_for_another_person(company, seller, colleague):
    SavedViewFactory(company=company, owner=seller, name="Hot")
    SavedViewFactory(company=company, owner=seller, name="Hot", list_key="customers:customer_list")
    SavedViewFactory(company=company, owner=colleague, name="Hot")
    assert SavedView.objects.filter(name="Hot").count() == 3


def test_the_saved_query_drops_paging_and_empty_filters_and_keeps_a_fixed_order():
    assert saved_query("sort=name&page=3&q=&status=new&export=csv") == "sort=name&status=new"
    assert saved_query("status=new&q=ada") == saved_query("q=ada&status=new")


def test_save_keeps_the_lists_query_under_a_name(company, seller):
    view = saved_view_create(
        company=company,
        owner=seller,
        list_key=LEADS,
        name="  Qualified   leads ",
        query="status=qualified&page=2&sort=-created",
        shared=True,
    )
    assert (view.name, view.query, view.shared) == (
        "Qualified leads",
        "sort=-created&status=qualified",
        True,
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "   "}, "Give the view a name."),
        ({"name": "x" * 81}, "too long"),
        ({"list_key": "crm:dashboard"}, "only be saved on a list page"),
        ({"list_key": "no:such_list"}, "only be saved on a list page"),
        ({"query": "q=" + "a" * 2100}, "too long to save"),
    ],
)
def test_save_refuses_bad_input_with_a_message(company, seller, kwargs, message):
    arguments = {"company": company, "owner": seller, "list_key": LEADS, "name": "A", "query": ""}
    with pytest.raises(DomainError, match=message):
        saved_view_create(**{**arguments, **kwargs})
    assert not SavedView.objects.exists()


def test_save_refuses_a_name_the_person_already_uses_on_the_list(company, seller):
    SavedViewFactory(company=company, owner=seller, name="Hot")
    with pytest.raises(DomainError, match="already a view called “hot”"):
        saved_view_create(company=company, owner=seller, list_key=LEADS, name="hot", query="")


def test_save_refuses_someone_who_is_not_a_member(company, other_member):
    with pytest.raises(DomainError, match="Only members"):
        saved_view_create(company=company, owner=other_member, list_key=LEADS, name="A", query="")


def test_owner_renames_and_unshares_a_colleague_may_not(company, seller, colleague):
    view = SavedViewFactory(company=company, owner=seller, name="Old", shared=True)
    with pytest.raises(DomainError, match="owner"):
        saved_view_update(view=view, actor=colleague, name="Mine now", shared=True)
    with pytest.raises(DomainError, match="owner"):
        saved_view_delete(view=view, actor=colleague)
    view = saved_view_update(view=view, actor=seller, name="New", shared=False)
    view.refresh_from_db()
    assert (view.name, view.shared) == ("New", False)


def test_an_admin_renames_and_deletes_a_shared_view_but_not_a_private_one(company, seller, member):
    shared = SavedViewFactory(company=company, owner=seller, name="Team", shared=True)
    private = SavedViewFactory(company=company, owner=seller, name="Mine", shared=False)
    saved_view_update(view=shared, actor=member, name="Team view", shared=False)
    shared.refresh_from_db()
    # The admin renames; whether it is shared stays the owner's choice.
    assert (shared.name, shared.shared) == ("Team view", True)
    with pytest.raises(DomainError):
        saved_view_delete(view=private, actor=member)
    saved_view_delete(view=shared, actor=member)
    assert list(SavedView.objects.values_list("name", flat=True)) == ["Mine"]


def test_the_list_page_saves_a_view_and_opens_it_with_one_click(client, company, seller):
    LeadFactory(company=company, first_name="Ada", status="qualified")
    LeadFactory(company=company, first_name="Bob", status="new")
    login_as(client, seller, company)
    url = reverse(LEADS)
    page = client.get(url, {"status": "qualified"}).content.decode()
    assert "Save this view" in page
    response = client.post(
        reverse("crm:saved_view_create"),
        {
            "list_key": LEADS,
            "query": "status=qualified&page=1",
            "name": "Qualified",
            "shared": "on",
        },
    )
    view = SavedView.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url}?status=qualified"
    assert (view.owner, view.company, view.shared) == (seller, company, True)
    response = client.get(response["Location"])
    assert [lead.first_name for lead in response.context["object_list"]] == ["Ada"]
    page = response.content.decode()
    assert f'href="{url}?status=qualified" aria-current="true">Qualified</a>' in page


def test_an_invalid_save_says_what_to_fix_and_keeps_the_filters(client, company, seller):
    SavedViewFactory(company=company, owner=seller, name="Hot")
    login_as(client, seller, company)
    response = client.post(
        reverse("crm:saved_view_create"),
        {"list_key": LEADS, "query": "status=new", "name": ""},
    )
    assert response.status_code == 400
    assert "Give the view a name." in response.content.decode()
    assert 'value="status=new"' in response.content.decode()
    response = client.post(
        reverse("crm:saved_view_create"),
        {"list_key": LEADS, "query": "status=new", "name": "Hot"},
    )
    assert response.status_code == 400
    assert "There is already a view called “Hot”" in response.content.decode()
    assert SavedView.objects.count() == 1


def test_a_colleague_sees_shared_views_but_not_private_ones(client, company, seller, colleague):
    SavedViewFactory(company=company, owner=seller, name="Shared one", shared=True)
    SavedViewFactory(company=company, owner=seller, name="Private one", shared=False)
    login_as(client, colleague, company)
    page = client.get(reverse(LEADS)).content.decode()
    assert "Shared one" in page
    assert "Private one" not in page
    manage = client.get(reverse("crm:saved_view_list")).content.decode()
    assert "Shared one" in manage
    assert "Private one" not in manage


def test_a_colleague_cannot_edit_or_delete_a_shared_view(client, company, seller, colleague):
    view = SavedViewFactory(company=company, owner=seller, name="Shared", shared=True)
    login_as(client, colleague, company)
    page = client.get(reverse(LEADS)).content.decode()
    assert reverse("crm:saved_view_update", args=[view.pk]) not in page
    assert client.get(reverse("crm:saved_view_update", args=[view.pk])).status_code == 403
    edit = client.post(reverse("crm:saved_view_update", args=[view.pk]), {"name": "Mine"})
    assert edit.status_code == 403
    assert client.post(reverse("crm:saved_view_delete", args=[view.pk])).status_code == 403
    view.refresh_from_db()
    assert view.name == "Shared"


def test_someone_elses_private_view_is_a_404(client, company, seller, colleague):
    view = SavedViewFactory(company=company, owner=seller, shared=False)
    login_as(client, colleague, company)
    assert client.get(reverse("crm:saved_view_update", args=[view.pk])).status_code == 404
    assert client.post(reverse("crm:saved_view_delete", args=[view.pk])).status_code == 404


def test_the_owner_renames_and_deletes_on_the_pages(client, company, seller):
    view = SavedViewFactory(company=company, owner=seller, name="Old", shared=False)
    login_as(client, seller, company)
    edit_url = reverse("crm:saved_view_update", args=[view.pk])
    response = client.post(edit_url, {"name": "New", "shared": "on", "next": reverse(LEADS)})
    assert response.status_code == 302
    assert response["Location"] == reverse(LEADS)
    view.refresh_from_db()
    assert (view.name, view.shared) == ("New", True)
    response = client.post(edit_url, {"name": ""})
    assert response.status_code == 400
    assert "Give the view a name." in response.content.decode()
    response = client.post(reverse("crm:saved_view_delete", args=[view.pk]))
    assert response["Location"] == reverse("crm:saved_view_list")
    assert not SavedView.objects.exists()


def test_an_admin_may_edit_a_shared_view_on_the_pages(member_client, company, seller):
    view = SavedViewFactory(company=company, owner=seller, name="Team", shared=True)
    page = member_client.get(reverse(LEADS)).content.decode()
    assert reverse("crm:saved_view_update", args=[view.pk]) in page
    response = member_client.post(
        reverse("crm:saved_view_update", args=[view.pk]), {"name": "Team leads"}
    )
    assert response.status_code == 302
    view.refresh_from_db()
    assert (view.name, view.shared) == ("Team leads", True)


def test_another_companys_views_never_appear_and_their_ids_are_404(
    client, company, other_company, other_member, seller
):
    view = SavedViewFactory(company=company, owner=seller, name="Acme only", shared=True)
    login_as(client, other_member, other_company)
    with scope(company=other_company):
        assert "Acme only" not in client.get(reverse(LEADS)).content.decode()
        assert "Acme only" not in client.get(reverse("crm:saved_view_list")).content.decode()
    assert client.get(reverse("crm:saved_view_update", args=[view.pk])).status_code == 404
    assert client.post(reverse("crm:saved_view_delete", args=[view.pk])).status_code == 404
    with scopes_disabled():
        assert SavedView.objects.filter(pk=view.pk).exists()


def test_a_view_saved_in_one_company_stays_there(client, company, other_company, member):
    with scopes_disabled():
        MembershipFactory(company=other_company, user=member, role=Membership.Role.ADMIN)
    SavedViewFactory(company=company, owner=member, name="Acme leads", shared=False)
    login_as(client, member, other_company)
    assert "Acme leads" not in client.get(reverse(LEADS)).content.decode()


@pytest.mark.parametrize(
    "list_name",
    [
        "leads:lead_list",
        "leads:opportunity_list",
        "customers:customer_list",
        "selling:quotation_list",
        "selling:order_list",
        "addressbook:address_list",
        "addressbook:contact_list",
        "crm:partner_list",
        "crm:product_list",
        "crm:salesperson_list",
    ],
)
def test_every_list_with_filters_offers_saved_views(member_client, company, member, list_name):
    SavedViewFactory(company=company, owner=member, list_key=list_name, name="Here", query="")
    page = member_client.get(reverse(list_name)).content.decode()
    assert f'name="list_key" value="{list_name}"' in page
    assert ">Here</a>" in page


def test_the_views_cost_one_query_however_many_there_are(member_client, company, member, seller):
    url = reverse("crm:product_list")
    ProductFactory.create_batch(3, company=company)
    no_views = count_queries(member_client, url)
    SavedViewFactory(company=company, owner=member, list_key="crm:product_list", query="")
    one = count_queries(member_client, url)
    SavedViewFactory.create_batch(
        20, company=company, owner=seller, list_key="crm:product_list", shared=True
    )
    ProductFactory.create_batch(20, company=company)
    assert count_queries(member_client, url) == one <= no_views + 1


def test_the_table_alone_costs_no_query_for_views(member_client, company, member):
    url = reverse("crm:product_list")
    SavedViewFactory(company=company, owner=member, list_key="crm:product_list", query="")
    full = count_queries(member_client, url)
    with_htmx = member_client.get(url, headers={"HX-Request": "true"})
    assert "Save this view" not in with_htmx.content.decode()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        member_client.get(url, headers={"HX-Request": "true"})
    assert len(queries) < full
    assert not any("crm_savedview" in query["sql"] for query in queries.captured_queries)


def test_the_demo_shares_views_once_and_they_open_their_lists(company, seller, member):
    from crm.sample.demo_saved_views import seed_saved_views
    from crm.saved_views import list_url

    seed_saved_views(company, None)
    seed_saved_views(company, None)  # re-running adds nothing
    views = list(SavedView.objects.all())
    assert len(views) == 3
    # Shared by the company's admin, not by the first salesperson.
    assert {(view.owner, view.shared) for view in views} == {(member, True)}
    assert all(list_url(view.list_key) for view in views)


def test_the_views_are_read_once_and_a_change_shows_at_once(client, company, seller, colleague):
    """The views above a list are cached under the company's lists version: a second visit
    reads none, and a new view, a rename or the owner's new name show on the next one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seller.first_name, seller.last_name = "Sam", "Seller"
    seller.save()
    view = SavedViewFactory(company=company, owner=seller, name="Hot", shared=True, query="")
    login_as(client, colleague, company)
    url = reverse(LEADS)
    assert "by Sam Seller" in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    assert not any("crm_savedview" in query["sql"] for query in queries.captured_queries)

    SavedViewFactory(company=company, owner=seller, name="Cold", shared=True, query="")
    with scope(company=company):
        saved_view_update(view=view, actor=seller, name="Warm", shared=True)
    seller.first_name = "Samantha"
    seller.save()
    page = client.get(url).content.decode()
    assert ">Cold</a>" in page
    assert ">Warm</a>" in page
    assert ">Hot</a>" not in page
    assert "by Samantha Seller" in page
