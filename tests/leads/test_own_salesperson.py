"""A salesperson's new lead or customer starts as theirs, so it shows under "Mine"."""

import pytest
from django.urls import reverse

from tests.conftest import login_as
from tests.factories import SalespersonFactory


@pytest.mark.parametrize("url_name", ["leads:lead_create", "customers:customer_create"])
def test_new_records_start_with_the_users_own_salesperson(
    client, company, salesperson_user, url_name
):
    own = SalespersonFactory(company=company, user=salesperson_user)
    SalespersonFactory(company=company)
    login_as(client, salesperson_user, company)

    form = client.get(reverse(url_name)).context["form"]

    assert form.initial["salesperson"] == own.pk


def test_a_user_without_a_salesperson_row_starts_with_none(member_client, company):
    SalespersonFactory(company=company)
    form = member_client.get(reverse("leads:lead_create")).context["form"]
    assert "salesperson" not in form.initial
