"""Portal fixtures: a customer with a buyer who signs in through the portal's own login."""

import pytest
from django.urls import reverse

from tests.factories import PORTAL_PASSWORD, CustomerFactory, CustomerUserFactory


def portal_sign_in(client, user, password: str = PORTAL_PASSWORD):
    response = client.post(reverse("portal:login"), {"email": user.email, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


@pytest.fixture
def customer(company):
    return CustomerFactory(company=company, name="Kopi Nusantara")


@pytest.fixture
def buyer(customer):
    return CustomerUserFactory(customer=customer, email="bea@kopi.example")


@pytest.fixture
def buyer_client(client, buyer):
    return portal_sign_in(client, buyer)
