"""The floors: benchmark-only pages that production never routes, scoped like every page."""

from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from bench import settings as bench_settings
from bench.views import detail_floor, document_floor, floor
from leads.models import Lead
from tests.conftest import login_as
from tests.factories import (
    AddressFactory,
    AddressLinkFactory,
    LeadFactory,
    NoteFactory,
    SalespersonFactory,
)

FLOOR_PATHS = {
    "/bench/floor/": (floor, "bench_floor", ()),
    "/bench/floor/detail/7/": (detail_floor, "bench_detail_floor", (7,)),
    "/bench/floor/document/7/": (document_floor, "bench_document_floor", (7,)),
}


def test_production_urls_do_not_route_the_floors():
    for path, (_view, name, args) in FLOOR_PATHS.items():
        with pytest.raises(Resolver404):
            resolve(path, urlconf="crm.urls")
        with pytest.raises(NoReverseMatch):
            reverse(name, args=args, urlconf="crm.urls")


def test_the_bench_settings_route_the_floors_and_serve_like_production():
    assert bench_settings.ROOT_URLCONF == "bench.urls"
    for path, (view, _name, _args) in FLOOR_PATHS.items():
        assert resolve(path, urlconf=bench_settings.ROOT_URLCONF).func is view
    assert bench_settings.DEBUG is False
    assert bench_settings.PAGE_SIZE == 50


def test_the_bench_database_is_never_the_one_database_url_names():
    assert bench_settings.bench_database_name("crm") == "crm_bench"


@pytest.fixture
def bench_urls(settings):
    settings.ROOT_URLCONF = "bench.urls"
    settings.TEMPLATES = bench_settings.TEMPLATES


def _lead(company, salesperson, name, days_ago):
    lead = LeadFactory(company=company, salesperson=salesperson, last_name=name)
    # created_at is auto_now_add: set the age afterwards.
    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return lead


def test_the_floor_shows_the_rows_of_the_default_lead_list_and_no_other_companys(
    bench_urls, client, company, other_company, salesperson_user
):
    mine = SalespersonFactory(company=company, user=salesperson_user)
    colleague = SalespersonFactory(company=company)
    newest = _lead(company, mine, "Newest", 1)
    older = _lead(company, mine, "Older", 5)
    _lead(company, colleague, "Colleagues", 2)
    with scopes_disabled():  # B's rows, made from inside A's scope
        stranger = SalespersonFactory(company=other_company, user=salesperson_user)
        _lead(other_company, stranger, "Stranger", 0)
    login_as(client, salesperson_user, company)

    response = client.get("/bench/floor/")

    assert response.status_code == 200
    assert [row["id"] for row in response.context["rows"]] == [newest.pk, older.pk]
    assert b"Stranger" not in response.content
    assert b"Colleagues" not in response.content
    # The same rows, in the same order, as the lead list a salesperson opens ("Mine").
    listed = client.get(reverse("leads:lead_list")).context["object_list"]
    assert [lead.pk for lead in listed] == [newest.pk, older.pk]


def test_the_floors_need_a_login(bench_urls, client, company):
    for path in FLOOR_PATHS:
        response = client.get(path)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_the_detail_floor_shows_its_leads_rows_and_no_other_companys(
    bench_urls, client, company, other_company, salesperson_user
):
    mine = SalespersonFactory(company=company, user=salesperson_user)
    lead = LeadFactory(company=company, salesperson=mine, last_name="Floorova")
    AddressLinkFactory(
        company=company, owner=lead, address=AddressFactory(company=company, label="Depot")
    )
    for index in range(3):
        NoteFactory(company=company, owner=lead, body=f"Note {index}")
    with scopes_disabled():  # B's lead, made from inside A's scope
        stranger = LeadFactory(company=other_company, last_name="Stranger")
        NoteFactory(company=other_company, owner=stranger, body="Not yours")
    login_as(client, salesperson_user, company)

    response = client.get(f"/bench/floor/detail/{lead.pk}/")

    assert response.status_code == 200
    assert response.context["record"]["last_name"] == "Floorova"
    assert [row["label"] for row in response.context["addresses"]] == ["Depot"]
    assert response.context["contacts"] == []
    assert [entry["body"] for entry in response.context["entries"]] == [
        "Note 2",
        "Note 1",
        "Note 0",
    ]
    assert not response.context["older"]
    assert client.get(f"/bench/floor/detail/{stranger.pk}/").status_code == 404
