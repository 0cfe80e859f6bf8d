"""SQLite, the default database, holds people clicking at once: write transactions take the lock
when they begin (IMMEDIATE), so a second writer waits its turn instead of failing half-way with
"database is locked" (a 500 page)."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_scopes import scope

from crm.models import Membership
from leads.models import Lead, Opportunity
from tests.conftest import login_as
from tests.factories import (
    CompanyFactory,
    LeadFactory,
    MembershipFactory,
    OpportunityStageFactory,
    WishListItemFactory,
)

THREADS = 16


@pytest.mark.django_db(transaction=True)
def test_sixteen_people_submitting_at_once_get_no_error_page():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's locking; PostgreSQL's row locks have their own tests")
    company = CompanyFactory()
    with scope(company=company):
        OpportunityStageFactory(company=company)
        contested = LeadFactory(company=company)
        WishListItemFactory(company=company, lead=contested)
        own_leads = [LeadFactory(company=company) for _ in range(THREADS // 2)]
        users = [
            MembershipFactory(company=company, role=Membership.Role.MANAGER).user
            for _ in range(THREADS)
        ]
    clients = [login_as(Client(), user, company) for user in users]
    barrier = threading.Barrier(THREADS)
    statuses, errors = [], []

    def submit(index: int) -> None:
        client = clients[index]
        try:
            barrier.wait()
            if index % 2:
                # Half of them click "Convert" on the same lead...
                response = client.post(reverse("leads:lead_convert", args=[contested.pk]))
            else:
                # ...while the other half change a lead's status each.
                lead = own_leads[index // 2]
                response = client.post(
                    reverse("leads:lead_status", args=[lead.pk]), {"status": "contacted"}
                )
            statuses.append(response.status_code)
        except Exception as error:  # the test client re-raises a view's error: a 500
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(statuses) == THREADS and all(status < 500 for status in statuses), statuses
    with scope(company=company):
        assert Opportunity.objects.filter(lead=contested).count() == 1
        assert set(
            Lead.objects.filter(pk__in=[lead.pk for lead in own_leads]).values_list(
                "status", flat=True
            )
        ) == {Lead.Status.CONTACTED}
