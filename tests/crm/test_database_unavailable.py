"""While the database does not answer, every page is a 503 that says nothing was saved, not a
bare 500; and nothing was half written."""

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from crm.models import Membership
from leads.models import Lead, Opportunity
from tests.conftest import login_as
from tests.factories import CompanyFactory, MembershipFactory


@pytest.fixture
def unreachable_database():
    """Point the connection somewhere no database answers, for the block's requests."""
    saved = dict(connection.settings_dict)

    def cut():
        connection.close()
        if connection.vendor == "sqlite":
            connection.settings_dict["NAME"] = "/nonexistent-directory/crm.sqlite3"
        else:
            connection.settings_dict["PORT"] = "1"

    yield cut
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_pages_and_saves_answer_503_while_the_database_is_down(unreachable_database):
    company = CompanyFactory()
    user = MembershipFactory(company=company, role=Membership.Role.MANAGER).user
    client = login_as(Client(raise_request_exception=False), user, company)

    unreachable_database()
    for response in (
        client.get(reverse("leads:lead_list")),
        client.post(reverse("leads:lead_create"), {"first_name": "Ada", "last_name": "Byron"}),
        client.get(reverse("login")),
    ):
        assert response.status_code == 503
        page = response.content.decode()
        assert "The CRM cannot reach its database" in page
        assert "check whether it is there" in page
        assert response["Retry-After"] == "30"
        assert "Content-Security-Policy" in response  # still the app's headers


@pytest.mark.django_db
def test_other_errors_stay_a_500(member_client, monkeypatch):
    from crm import views

    def broken(*args, **kwargs):
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(views, "render_widgets", broken)
    member_client.raise_request_exception = False
    response = member_client.get(reverse("crm:dashboard"))
    assert response.status_code == 500
    assert "cannot reach its database" not in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_failure_inside_a_save_leaves_nothing_half_written(monkeypatch):
    """The database goes away in the middle of a conversion: its transaction rolls back."""
    from django.db import OperationalError

    from leads import services
    from tests.factories import LeadFactory, OpportunityStageFactory, WishListItemFactory

    company = CompanyFactory()
    user = MembershipFactory(company=company, role=Membership.Role.MANAGER).user
    with scope(company=company):
        OpportunityStageFactory(company=company)
        lead = LeadFactory(company=company)
        WishListItemFactory(company=company, lead=lead)
    client = login_as(Client(raise_request_exception=False), user, company)

    def copy_then_fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    # The opportunity row is written first; then copying the address links fails.
    monkeypatch.setattr(services.addressbook_services, "links_copy", copy_then_fail)
    response = client.post(reverse("leads:lead_convert", args=[lead.pk]))
    assert response.status_code == 503
    with scope(company=company):
        lead.refresh_from_db()
        assert lead.status != Lead.Status.CONVERTED
        assert not Opportunity.objects.filter(lead=lead).exists()
