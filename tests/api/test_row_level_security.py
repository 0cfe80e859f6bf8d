"""The API as the app's database role (PostgreSQL row-level security): a token names its
company to the database before anything is read, so its requests see that company's rows, and
nothing of another company's."""

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from crm.models import Membership
from leads.models import Lead
from tests.api.conftest import errors_of, make_key, token_client
from tests.crm.test_row_level_security import app_role
from tests.factories import CompanyFactory, LeadFactory, MembershipFactory

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("row-level security is PostgreSQL's: set DATABASE_URL to run these tests")


def test_token_requests_work_as_the_app_role_inside_their_company():
    first = CompanyFactory(name="Northwind", slug="northwind")
    second = CompanyFactory(name="Globex", slug="globex")
    with scopes_disabled():
        user = MembershipFactory(company=first, role=Membership.Role.ADMIN).user
        intruder = MembershipFactory(company=second, role=Membership.Role.ADMIN).user
    with scope(company=first):
        mine = LeadFactory(company=first, last_name="Northwind lead")
    with scope(company=second):
        LeadFactory(company=second, last_name="Globex lead")
    key, their_key = make_key(first, user), make_key(second, intruder)
    with app_role():  # nothing set: the token's lookup names the company
        api = token_client(key)
        listed = api.get("/api/v1/leads/")
        assert listed.status_code == 200
        assert [row["last_name"] for row in listed.json()["results"]] == ["Northwind lead"]
        created = api.post("/api/v1/leads/", {"last_name": "New"}, format="json")
        assert created.status_code == 201, created.json()
        refused = token_client(their_key).get(f"/api/v1/leads/{mine.pk}/")
        assert refused.status_code == 404
        assert errors_of(refused)[0]["code"] == "not_found"
        assert token_client("crm_000000000000_nope").get("/api/v1/leads/").status_code == 401
    with scope(company=first):
        assert Lead.objects.filter(company=first, last_name="New").exists()
