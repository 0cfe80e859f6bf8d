"""API tokens: made on the token page (the key shown once), acting as their user in their
company, refused once revoked or once the user left the company."""

import pytest
from django.urls import reverse
from django_scopes import scope

from crm.models import ApiToken, Membership
from tests.api.conftest import errors_of, make_key, token_client
from tests.conftest import login_as
from tests.factories import LeadFactory

LEADS = "/api/v1/leads/"


def test_the_token_page_shows_the_key_once_and_stores_only_its_hash(client, company, member):
    login_as(client, member, company)
    made = client.post(reverse("crm:api_tokens"), {"name": "Website sync"})
    assert made.status_code == 302
    response = client.get(made["Location"])
    key = response.context["new_key"]
    assert key.startswith("crm_") and key in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(company=company, user=member)
    assert token.name == "Website sync"
    assert key not in (token.key_hash, token.prefix) and token.prefix in key
    again = client.get(reverse("crm:api_tokens"))
    assert "Website sync" in again.content.decode()
    assert key not in again.content.decode()
    # And the key works.
    assert token_client(key).get(LEADS).status_code == 200


def test_a_token_without_a_name_is_refused(client, company, member):
    login_as(client, member, company)
    response = client.post(reverse("crm:api_tokens"), {"name": "  "})
    assert response.status_code == 400
    assert not ApiToken.objects.filter(company=company).exists()


def test_a_revoked_token_stops_working(client, company, member):
    key = make_key(company, member)
    api = token_client(key)
    assert api.get(LEADS).status_code == 200
    login_as(client, member, company)
    token = ApiToken.objects.get(company=company, user=member)
    response = client.post(reverse("crm:api_token_revoke"), {"token": token.pk})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    refused = api.get(LEADS)
    assert refused.status_code == 401
    assert errors_of(refused)[0]["code"] == "authentication_failed"
    assert refused["WWW-Authenticate"].startswith("Bearer")


def test_nobody_revokes_someone_elses_token(client, company, member, salesperson_user):
    make_key(company, member)
    token = ApiToken.objects.get(company=company, user=member)
    login_as(client, salesperson_user, company)
    assert client.post(reverse("crm:api_token_revoke"), {"token": token.pk}).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_removed_members_token_stops_working(company, member):
    key = make_key(company, member)
    assert token_client(key).get(LEADS).status_code == 200
    Membership.objects.filter(company=company, user=member).delete()
    assert token_client(key).get(LEADS).status_code == 401


def test_a_deactivated_users_token_stops_working(company, member):
    key = make_key(company, member)
    member.is_active = False
    member.save()
    assert token_client(key).get(LEADS).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer crm_nope", "Bearer a b", "Token crm_0123456789ab_wrong", "Bearer \u00e9"],
)
def test_bad_keys_answer_401_in_the_error_shape(db, header):
    from rest_framework.test import APIClient

    client = APIClient()
    response = client.get(LEADS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert errors_of(response)[0]["field"] is None


def test_no_credentials_is_401(db):
    from rest_framework.test import APIClient

    response = APIClient().get(LEADS)
    assert response.status_code == 401
    assert errors_of(response)[0]["code"] == "not_authenticated"


def test_a_token_acts_in_its_own_company_only(company, member, other_company):
    with scope(company=company):
        mine = LeadFactory(company=company, last_name="Mine")
    with scope(company=other_company):
        LeadFactory(company=other_company, last_name="Theirs")
    response = token_client(make_key(company, member)).get(LEADS)
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_a_token_works_with_a_session_of_another_company_alongside(
    client, company, member, other_company
):
    """The token decides the company, whatever the browser's session says."""
    from tests.factories import MembershipFactory

    MembershipFactory(company=other_company, user=member)
    with scope(company=other_company):
        LeadFactory(company=other_company)
    key = make_key(company, member)
    login_as(client, member, other_company)
    response = client.get(LEADS, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_session_writes_need_the_csrf_token(company, member):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    login_as(browser, member, company)
    assert browser.get(LEADS).status_code == 200
    response = browser.post(LEADS, {"last_name": "X"}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in errors_of(response)[0]["message"]
