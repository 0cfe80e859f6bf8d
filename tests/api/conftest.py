"""API fixtures: a token for a member of company A, and a client that sends it."""

import pytest
from django_scopes import scope
from rest_framework.test import APIClient

from crm.api.tokens import api_token_create
from crm.models import Membership
from tests.factories import MembershipFactory


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def make_key(company, user, name: str = "test script") -> str:
    with scope(company=company):
        return api_token_create(company=company, user=user, name=name)[1]


@pytest.fixture
def api(company, member):
    """An admin of company A, through an API token."""
    return token_client(make_key(company, member))


@pytest.fixture
def salesperson_membership(company):
    return MembershipFactory(company=company, role=Membership.Role.SALESPERSON)


def errors_of(response) -> list[dict]:
    body = response.json()
    assert set(body) == {"errors"}, body
    for error in body["errors"]:
        assert set(error) == {"field", "code", "message"}, error
    return body["errors"]
