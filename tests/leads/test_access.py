"""Who may see and change which leads (crm.access), on a small team tree:

    M (manager) ── A, B (salespeople)        C (salesperson, outside M's team)

Each has a lead; one lead has no salesperson yet (it counts as everyone's at own and team).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from crm.access import Action, Level, access_filter, can
from crm.access.engine import team_salesperson_ids
from crm.access.services import role_access_levels_save
from crm.models import Company, Membership, Salesperson
from leads.models import Lead
from tests.conftest import login_as
from tests.crm.test_optimistic_locking import post_data
from tests.factories import (
    CompanyFactory,
    LeadFactory,
    MembershipFactory,
    SalespersonFactory,
)

Role = Membership.Role


@pytest.fixture
def team(company):
    """Users by name (M, A, B, C, admin, owner) and their leads by owner name."""
    users = {}
    for name, role in [
        ("M", Role.MANAGER),
        ("A", Role.SALESPERSON),
        ("B", Role.SALESPERSON),
        ("C", Role.SALESPERSON),
        ("admin", Role.ADMIN),
        ("owner", Role.OWNER),
    ]:
        users[name] = MembershipFactory(company=company, role=role, user__first_name=name).user
    m = SalespersonFactory(company=company, name="M", user=users["M"])
    sellers = {
        "M": m,
        "A": SalespersonFactory(company=company, name="A", user=users["A"], manager=m),
        "B": SalespersonFactory(company=company, name="B", user=users["B"], manager=m),
        "C": SalespersonFactory(company=company, name="C", user=users["C"]),
    }
    leads = {name: LeadFactory(company=company, salesperson=sp) for name, sp in sellers.items()}
    leads["nobody"] = LeadFactory(company=company, salesperson=None)
    return users, leads


def names(leads, queryset):
    by_pk = {lead.pk: name for name, lead in leads.items()}
    return {by_pk[pk] for pk in queryset.values_list("pk", flat=True)}


def reachable(company, user, leads, action):
    return names(leads, Lead.objects.filter(access_filter(user, company, Lead, action)))


ALL = {"M", "A", "B", "C", "nobody"}


@pytest.mark.parametrize(
    "who, editable",
    [
        ("M", {"M", "A", "B", "nobody"}),
        ("A", {"A", "nobody"}),
        ("C", {"C", "nobody"}),
        ("admin", ALL),
        ("owner", ALL),
    ],
)
def test_the_defaults_let_everyone_see_all_and_edit_their_teams(company, team, who, editable):
    users, leads = team
    assert reachable(company, users[who], leads, Action.VIEW) == ALL
    assert reachable(company, users[who], leads, Action.EDIT) == editable
    # can() agrees with the filter, row by row.
    assert {n for n, lead in leads.items() if can(users[who], company, lead, Action.EDIT)} == (
        editable
    )


@pytest.mark.parametrize(
    "who, role, level, expected",
    [
        ("M", Role.MANAGER, Level.COMPANY, ALL),
        ("M", Role.MANAGER, Level.TEAM, {"M", "A", "B", "nobody"}),
        ("M", Role.MANAGER, Level.OWN, {"M", "nobody"}),
        ("M", Role.MANAGER, Level.NONE, set()),
        ("A", Role.SALESPERSON, Level.COMPANY, ALL),
        ("A", Role.SALESPERSON, Level.TEAM, {"A", "nobody"}),
        ("A", Role.SALESPERSON, Level.OWN, {"A", "nobody"}),
        ("A", Role.SALESPERSON, Level.NONE, set()),
        ("admin", Role.ADMIN, Level.OWN, {"nobody"}),  # an admin with no salesperson row
    ],
)
@pytest.mark.parametrize("action", [Action.VIEW, Action.EDIT])
def test_a_company_sets_each_roles_level(company, team, who, role, level, expected, action):
    users, leads = team
    role_access_levels_save(
        company=company, levels={("leads.lead", action, role): level}, actor=users["owner"]
    )
    assert reachable(company, users[who], leads, action) == expected
    assert {n for n, lead in leads.items() if can(users[who], company, lead, action)} == expected


def test_the_owner_always_reaches_every_record(company, team):
    users, leads = team
    role_access_levels_save(
        company=company,
        levels={("leads.lead", Action.EDIT, Role.OWNER): Level.NONE},
        actor=users["owner"],
    )
    assert reachable(company, users["owner"], leads, Action.EDIT) == ALL


def test_another_companys_rows_are_never_within_a_level(company, team):
    users, _leads = team
    with scopes_disabled():
        foreign = LeadFactory(company=CompanyFactory())
    assert not can(users["owner"], company, foreign, Action.VIEW)


def test_the_team_tree_costs_one_query(company, team, django_assert_num_queries):
    users, leads = team
    manager = users["M"]
    with django_assert_num_queries(3):  # membership, salesperson row, the company's tree
        assert can(manager, company, leads["B"], Action.EDIT)
    with django_assert_num_queries(0):  # remembered for the rest of the request
        assert not can(manager, company, leads["C"], Action.EDIT)


# --- the pages ---------------------------------------------------------------------------


def test_sam_cannot_edit_danas_lead_but_can_edit_his_own(client, company, team):
    users, leads = team
    sam, danas, own = users["A"], leads["C"], leads["A"]
    login_as(client, sam, company)
    url = reverse("leads:lead_update", args=[danas.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"first_name": "Hacked", "last_name": "X"}).status_code == 404
    danas.refresh_from_db()
    assert danas.first_name != "Hacked"
    for name in ("lead_convert", "lead_status", "lead_delete"):
        assert client.post(reverse(f"leads:{name}", args=[danas.pk])).status_code == 404
    # Dana's page shows, without the buttons that would answer 404.
    page = client.get(danas.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert url not in body
    assert reverse("leads:lead_convert", args=[danas.pk]) not in body

    own_url = reverse("leads:lead_update", args=[own.pk])
    assert own_url in client.get(own.get_absolute_url()).content.decode()
    form = post_data(client.get(own_url).context["form"])
    form["phone"] = "+49 30 4242424"
    assert client.post(own_url, form).status_code == 302
    own.refresh_from_db()
    assert own.phone == "+49304242424"


def test_a_manager_edits_the_teams_leads_only(client, company, team):
    users, leads = team
    login_as(client, users["M"], company)
    for name in ("M", "A", "B", "nobody"):
        assert client.get(reverse("leads:lead_update", args=[leads[name].pk])).status_code == 200
    assert client.get(reverse("leads:lead_update", args=[leads["C"].pk])).status_code == 404
    assert client.get(reverse("leads:lead_delete", args=[leads["A"].pk])).status_code == 200
    assert client.get(reverse("leads:lead_delete", args=[leads["C"].pk])).status_code == 404


def _settings_form(client):
    return post_data(client.get(reverse("crm:access_settings")).context["form"])


def test_an_admin_widens_the_edit_level_and_it_applies_on_the_next_request(client, company, team):
    users, leads = team
    sam, danas = users["A"], leads["C"]
    edit_url = reverse("leads:lead_update", args=[danas.pk])
    login_as(client, sam, company)
    assert client.get(edit_url).status_code == 404

    login_as(client, users["admin"], company)
    form = _settings_form(client)
    form["leads__lead--edit--salesperson"] = Level.COMPANY
    response = client.post(reverse("crm:access_settings"), form)
    assert response.status_code == 302

    login_as(client, sam, company)
    assert client.get(edit_url).status_code == 200
    assert edit_url in client.get(danas.get_absolute_url()).content.decode()


def test_a_view_level_of_own_narrows_the_list_and_hides_the_rest(client, company, team):
    users, leads = team
    role_access_levels_save(
        company=company,
        levels={("leads.lead", Action.VIEW, Role.SALESPERSON): Level.OWN},
        actor=users["owner"],
    )
    login_as(client, users["A"], company)
    response = client.get(reverse("leads:lead_list"), {"owner": "all"})
    assert names(
        leads, Lead.objects.filter(pk__in=[r.pk for r in response.context["object_list"]])
    ) == {
        "A",
        "nobody",
    }
    assert client.get(leads["C"].get_absolute_url()).status_code == 404


def test_the_access_settings_page_is_for_admins_only(client, company, team):
    users, _leads = team
    for who in ("A", "M"):
        login_as(client, users[who], company)
        assert client.get(reverse("crm:access_settings")).status_code == 403
        assert client.post(reverse("crm:access_settings"), {}).status_code == 403
    for who in ("admin", "owner"):
        login_as(client, users[who], company)
        assert client.get(reverse("crm:access_settings")).status_code == 200


def test_the_access_settings_are_per_company(client, company, team, other_company):
    users, _leads = team
    login_as(client, users["admin"], company)
    form = _settings_form(client)
    form["leads__lead--edit--salesperson"] = Level.COMPANY
    client.post(reverse("crm:access_settings"), form)
    with scopes_disabled():
        other_admin = MembershipFactory(company=other_company, role=Role.ADMIN).user
    login_as(client, other_admin, other_company)
    shown = client.get(reverse("crm:access_settings")).context["form"]
    assert shown["leads__lead--edit--salesperson"].value() == Level.TEAM


def test_a_bulk_assign_skips_the_leads_that_are_not_yours(client, company, team):
    users, leads = team
    login_as(client, users["A"], company)
    target = leads["A"].salesperson
    response = client.post(
        reverse("leads:lead_list"),
        {
            "action": "assign_salesperson",
            "salesperson": target.pk,
            "ids": [leads["nobody"].pk, leads["C"].pk, leads["B"].pk],
        },
        follow=True,
    )
    text = " ".join(str(m) for m in response.context["messages"])
    assert "2 selected leads are not yours to change" in text
    assert "1 lead assigned" in text
    for name in ("nobody", "C", "B"):
        leads[name].refresh_from_db()
    assert leads["nobody"].salesperson == target
    assert leads["C"].salesperson.name == "C" and leads["B"].salesperson.name == "B"


def test_the_lead_list_costs_no_more_queries_for_a_salesperson(
    client, company, team, django_assert_max_num_queries
):
    users, _leads = team
    login_as(client, users["admin"], company)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as as_admin:
        client.get(reverse("leads:lead_list"))
    login_as(client, users["A"], company)
    with django_assert_max_num_queries(len(as_admin)):
        assert client.get(reverse("leads:lead_list"), {"owner": "all"}).status_code == 200


def test_a_customers_hold_follows_the_edit_level(client, company, team):
    """Putting on hold, releasing and deactivating change the customer: a salesperson does it
    for their own customers, not for a colleague's (a 404, and no button)."""
    from customers.models import Customer
    from customers.setup import customers_defaults_apply
    from tests.factories import CustomerFactory

    users, _leads = team
    customers_defaults_apply(company)
    sellers = {
        lead.salesperson.name: lead.salesperson for lead in _leads.values() if lead.salesperson
    }
    theirs = CustomerFactory(company=company, salesperson=sellers["C"], on_hold=True)
    own = CustomerFactory(company=company, salesperson=sellers["A"], on_hold=True)
    a_client = login_as(client, users["A"], company)

    page = a_client.get(theirs.get_absolute_url()).content.decode()
    assert "Release hold" not in page
    release = "customers:customer_release_hold"
    assert a_client.post(reverse(release, args=[theirs.pk])).status_code == 404
    assert (
        a_client.post(reverse("customers:customer_set_inactive", args=[theirs.pk])).status_code
        == 404
    )
    assert Customer.objects.get(pk=theirs.pk).status == Customer.Status.ON_HOLD

    assert "Release hold" in a_client.get(own.get_absolute_url()).content.decode()
    assert a_client.post(reverse(release, args=[own.pk])).status_code == 302
    assert Customer.objects.get(pk=own.pk).status == Customer.Status.ACTIVE


def test_a_save_over_someone_elses_is_refused_and_says_what_to_choose_again(client, company, team):
    users, leads = team
    login_as(client, users["admin"], company)
    mine = _settings_form(client)
    mine["leads__lead--edit--salesperson"] = Level.COMPANY
    # Meanwhile the owner saves another level.
    role_access_levels_save(
        company=company,
        levels={("leads.lead", Action.VIEW, Role.SALESPERSON): Level.OWN},
        actor=users["owner"],
    )
    response = client.post(reverse("crm:access_settings"), mine)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else saved the access levels" in page
    assert "for “Salesperson may edit leads”; it is “Team” now." in page
    # The page shows the levels in force, and nothing of the refused save was kept.
    shown = response.context["form"]
    assert shown["leads__lead--view--salesperson"].value() == Level.OWN
    assert shown["leads__lead--edit--salesperson"].value() == Level.TEAM
    login_as(client, users["A"], company)
    assert client.get(reverse("leads:lead_update", args=[leads["C"].pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_team_tree_is_read_once_and_again_after_a_salesperson_changes():
    """Cached under the company's lists version (outside a transaction only): a manager's
    reach follows every save and delete of a salesperson."""
    company = CompanyFactory()
    with scope(company=company):
        m = SalespersonFactory(company=company, name="M")
        a = SalespersonFactory(company=company, name="A", manager=m)
        c = SalespersonFactory(company=company, name="C")

        def team_of(salesperson):
            fresh = Company.objects.get(pk=company.pk)  # as each request reads it
            with CaptureQueriesContext(connection) as queries:
                ids = team_salesperson_ids(fresh, salesperson.pk)
            return ids, len(queries)

        assert team_of(m) == ({m.pk, a.pk}, 1)
        assert team_of(m) == ({m.pk, a.pk}, 0)  # from the cache
        c.manager = m
        c.save()
        assert team_of(m) == ({m.pk, a.pk, c.pk}, 1)
        Salesperson.objects.filter(pk=a.pk).delete()
        assert team_of(m) == ({m.pk, c.pk}, 1)
        other = CompanyFactory()
        with scope(company=other):
            assert team_salesperson_ids(other, m.pk) == {m.pk}  # never another company's tree
