from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    CallFactory,
    IndividualPartnerFactory,
    NoteFactory,
    ProductFactory,
    SystemEventFactory,
    TaskFactory,
)


def _dashboard_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("crm:dashboard"))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _add_entries(company, member, count):
    for n in range(count):
        partner = IndividualPartnerFactory(company=company)
        NoteFactory(company=company, owner=partner, author=member, body=f"Note number {n}")
        CallFactory(company=company, owner=company, author=member)
        TaskFactory(company=company, owner=partner, author=member, title=f"Task {n}")


def test_dashboard_counts_records_and_shows_recent_activity_and_my_tasks(
    member_client, company, member
):
    ProductFactory.create_batch(3, company=company)
    partner = IndividualPartnerFactory(company=company, first_name="Hannah", last_name="Berg")
    NoteFactory(company=company, owner=partner, author=member, body="Asked for references")
    TaskFactory(company=company, owner=partner, author=member, title="Send the price list")
    SystemEventFactory(company=company, owner=partner, body="Partner created.")
    _, body = _dashboard_queries(member_client)
    assert "Asked for references" in body
    assert "Hannah Berg" in body
    assert "Partner created." in body
    assert "Send the price list" in body
    assert '<span class="record-count">3</span> <span class="record-label">Products</span>' in body


def test_dashboard_queries_do_not_grow_with_activity(member_client, company, member):
    _add_entries(company, member, 3)
    # One request first: content types are cached per process, so whether the first measured
    # request pays for their lookups would depend on which tests ran before in this worker.
    _dashboard_queries(member_client)
    few, _ = _dashboard_queries(member_client)
    _add_entries(company, member, 12)
    many, _ = _dashboard_queries(member_client)
    assert many == few


def test_the_period_select_keeps_its_choice_and_refuses_nonsense(member_client, company):
    response = member_client.get(reverse("crm:dashboard"), {"period": "quarter"})
    assert '<option value="quarter" selected>This quarter</option>' in response.content.decode()
    response = member_client.get(reverse("crm:dashboard"), {"period": "<script>"})
    assert '<option value="30d" selected>Last 30 days</option>' in response.content.decode()


def test_dashboard_never_shows_another_companys_activity(member_client, company, other_company):
    from django_scopes import scopes_disabled

    with scopes_disabled():
        NoteFactory(company=other_company, owner=other_company, body="Globex secret plan")
    _, body = _dashboard_queries(member_client)
    assert "Globex secret plan" not in body
