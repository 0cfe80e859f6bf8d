"""PostgreSQL row-level security, the second wall: as the app's database role, with another
company set, raw SQL sees none of the first company's rows in any company-owned table (listed
from the models, so a new table cannot be forgotten), and cannot write into it."""

from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from crm import rls
from crm.models import GeneratedDataset, Membership, RoleAccessLevel
from crm.sample.demo import seed_company
from crm.tenancy import company_tables
from leads.models import Lead
from tests import test_isolation
from tests.conftest import login_as
from tests.factories import CompanyFactory, LeadFactory, MembershipFactory

pytestmark = pytest.mark.postgres
company_a_world = test_isolation.company_a_world  # the isolation crawl's world, a fixture
_company_a_world_built = test_isolation._company_a_world_built  # which it is built from


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("row-level security is PostgreSQL's: set DATABASE_URL to run these tests")


@contextmanager
def app_role(*, company=None, user=None):
    """Run the block as the web process's database role, for ``company`` (None: unset)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {connection.ops.quote_name(rls.app_role())}")
    connection.rls_enforced = True
    rls.activate(user_id=getattr(user, "pk", None), company_id=getattr(company, "pk", None))
    try:
        yield
    finally:
        connection.rls_enforced = False
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")
            cursor.execute("SELECT set_config(%s, '', false)", [rls.COMPANY_SETTING])
            cursor.execute("SELECT set_config(%s, '', false)", [rls.USER_SETTING])


def _count(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.fetchone()[0]


def _counts_of(company) -> dict:
    """Each table's rows that belong to ``company``, counted as the owner (no policy)."""
    with scopes_disabled():
        return {
            model: model._base_manager.filter(company=company).count() for model in company_tables()
        }


@pytest.fixture
def two_companies():
    first = CompanyFactory(name="Northwind Traders", slug="northwind")
    second = CompanyFactory(name="Globex Supplies", slug="globex")
    with scopes_disabled():
        MembershipFactory(company=first, role=Membership.Role.OWNER)
        GeneratedDataset.objects.create(company=first, seed=1, counts={})
        # The demo keeps the default access levels; one override fills that table too.
        RoleAccessLevel.objects.create(
            company=first,
            role="salesperson",
            record_type="leads.lead",
            action="edit",
            level="company",
        )
    seed_company(first)  # a row in every company-owned table
    with scope(company=second):
        LeadFactory(company=second, last_name="Globex lead")
    return first, second


def test_the_app_role_sees_only_the_active_companys_rows_in_every_table(two_companies):
    first, second = two_companies
    firsts, seconds = _counts_of(first), _counts_of(second)
    empty = [model._meta.label for model, count in firsts.items() if not count]
    assert not empty, f"the demo leaves these tables empty, so the test proves nothing: {empty}"

    with app_role(company=second):
        for model in company_tables():
            assert _count(model) == seconds[model], model._meta.label  # none of the first's
    with app_role(company=first):
        for model in company_tables():
            assert _count(model) == firsts[model], model._meta.label  # not a wall of nothing
    with app_role(company=None):  # no company set: fails closed
        for model in company_tables():
            assert _count(model) == 0, model._meta.label


def test_the_app_role_cannot_write_into_another_company(two_companies):
    first, second = two_companies
    lead_table = connection.ops.quote_name("leads_lead")
    with app_role(company=second):
        refused = pytest.raises(DatabaseError, match="row-level security")
        with refused, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {lead_table} (company_id, first_name, last_name, "
                "organization_name, email, phone, status, notes, created_at, updated_at, "
                "version) VALUES (%s, 'Eve', 'Intruder', '', '', '', 'new', '', now(), "
                "now(), 1)",
                [first.pk],
            )
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {lead_table} SET notes = 'x' WHERE company_id = %s", [first.pk])
            assert cursor.rowcount == 0


def test_pages_work_as_the_app_role_and_a_person_sees_their_companies(two_companies, client):
    first, second = two_companies
    with scopes_disabled():
        user = MembershipFactory(company=first, role=Membership.Role.MANAGER).user
        MembershipFactory(company=second, user=user, role=Membership.Role.SALESPERSON)
        globex_lead = Lead._base_manager.get(company=second)
    login_as(client, user, first)
    with app_role():  # the middleware sets the user and the company for each request
        response = client.get(reverse("leads:lead_list"))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Globex lead" not in page
        assert "Globex Supplies" in page  # the switcher: the person's own memberships
        assert client.get(reverse("leads:lead_detail", args=[globex_lead.pk])).status_code == 404


def test_every_company_table_has_its_policy(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_policies WHERE policyname = ANY(%s)", [rls.POLICY_NAMES]
        )
        with_policy = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT relname FROM pg_class WHERE relrowsecurity")
        enabled = {row[0] for row in cursor.fetchall()}
    tables = {model._meta.db_table for model in company_tables()}
    assert tables <= with_policy and tables <= enabled


def test_every_page_opens_as_the_app_role(client, company_a_world):
    """The whole app works as the policies' role: the lists, and every page that takes an id,
    with the member's own company's rows."""
    company, _other, _intruder = company_a_world
    with scopes_disabled():
        owner = MembershipFactory(company=company, role=Membership.Role.OWNER).user
    login_as(client, owner, company)
    urls = [
        reverse(name)
        for name in (
            "crm:dashboard",
            "crm:settings",
            "crm:task_list",
            "leads:lead_list",
            "leads:opportunity_list",
            "leads:opportunity_board",
            "customers:customer_list",
            "selling:quotation_list",
            "selling:order_list",
            "addressbook:address_list",
        )
    ]
    for name, pattern in test_isolation.walk():
        if not name.startswith(test_isolation.ADMIN_PREFIX):
            variants = test_isolation.kwargs_variants(name, pattern, company)
            urls += [reverse(name, kwargs=kwargs) for kwargs in variants]
    with app_role():
        for url in urls:
            response = client.get(url)
            assert response.status_code in (200, 302, 405), f"GET {url}: {response.status_code}"
    assert len(urls) > 50


def test_rows_one_may_read_elsewhere_cannot_be_changed(two_companies):
    """One's own membership in another company, and that company, are visible (the switcher)
    but not writable while working in this one."""
    first, second = two_companies
    with scopes_disabled():
        user = MembershipFactory(company=first, role=Membership.Role.ADMIN).user
        MembershipFactory(company=second, user=user, role=Membership.Role.SALESPERSON)
    with app_role(company=first, user=user), connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM crm_membership WHERE user_id = %s", [user.pk])
        assert cursor.fetchone()[0] == 2  # both of one's memberships are readable
        cursor.execute("DELETE FROM crm_membership WHERE company_id = %s", [second.pk])
        assert cursor.rowcount == 0
        cursor.execute(
            "UPDATE crm_membership SET role = 'owner' WHERE company_id = %s", [second.pk]
        )
        assert cursor.rowcount == 0
        cursor.execute("UPDATE crm_company SET name = 'pwned' WHERE id = %s", [second.pk])
        assert cursor.rowcount == 0
        cursor.execute("SELECT count(*) FROM crm_company")
        assert cursor.fetchone()[0] == 2  # the active one and the other of one's own
    second.refresh_from_db()
    assert second.name == "Globex Supplies"


def test_a_role_change_in_one_company_keeps_admin_access_earned_in_another(two_companies):
    from crm import services

    first, second = two_companies
    with scopes_disabled():
        owner = Membership.objects.get(company=first, role=Membership.Role.OWNER).user
        person = MembershipFactory(company=first, role=Membership.Role.ADMIN).user
        MembershipFactory(company=second, user=person, role=Membership.Role.ADMIN)
        services.staff_access_sync(user=person)
        in_first = Membership.objects.get(company=first, user=person)
    assert person.is_staff
    with app_role(company=first, user=owner), scope(company=first):
        services.membership_change_role(membership=in_first, role="salesperson", actor=owner)
    person.refresh_from_db()
    assert person.is_staff  # still an admin of Globex


def test_backups_refuse_the_app_role(two_companies, tmp_path):
    from django.core.management import CommandError, call_command

    first, _second = two_companies
    with app_role(company=first), pytest.raises(CommandError, match="tables' owner"):
        call_command("export_company", first.slug, str(tmp_path / "backup.jsonl"))


def test_the_portal_and_web_forms_work_as_the_app_role(two_companies, client):
    """Both come before any company is known: the database's lookups name it (a portal user's
    e-mail, a web form's key), and nothing of another company shows."""
    from customers.demo import PORTAL_PASSWORD
    from customers.models import CustomerUser
    from leads.models import WebForm

    first, _second = two_companies
    with scopes_disabled():
        buyer = CustomerUser.objects.get(company=first, email="ben@nordlicht.example")
        form = WebForm.objects.get(company=first)
        before = Lead._base_manager.filter(company=first).count()
    with app_role():
        signed_in = client.post(
            reverse("portal:login"), {"email": buyer.email, "password": PORTAL_PASSWORD}
        )
        assert signed_in.status_code == 302, signed_in.content.decode()[:500]
        home = client.get(reverse("portal:home"))
        assert home.status_code == 200
        assert "Nordlicht Retail GmbH" in home.content.decode()
        assert client.get(reverse("portal:quotation_list")).status_code == 200
        # The same browser (a customer user's) sends the company's public web form.
        sent = client.post(
            reverse("webforms:submit", args=[form.key]),
            {"last_name": "Wijaya", "email": "sari@app-role.example"},
        )
        assert sent.status_code == 200
    with scopes_disabled():
        assert Lead._base_manager.filter(company=first).count() == before + 1
