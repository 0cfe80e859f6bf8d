"""The floor: a benchmark-only page that production never routes, scoped like every page."""

from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from bench import settings as bench_settings
from bench.views import floor
from leads.models import Lead
from tests.conftest import login_as
from tests.factories import LeadFactory, SalespersonFactory


def test_production_urls_do_not_route_the_floor():
    with pytest.raises(Resolver404):
        resolve("/bench/floor/", urlconf="crm.urls")
    with pytest.raises(NoReverseMatch):
        reverse("bench_floor", urlconf="crm.urls")


def test_the_bench_settings_route_the_floor_and_serve_like_production():
    assert bench_settings.ROOT_URLCONF == "bench.urls"
    assert resolve("/bench/floor/", urlconf=bench_settings.ROOT_URLCONF).func is floor
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


def test_the_floor_needs_a_login(bench_urls, client, company):
    response = client.get("/bench/floor/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
