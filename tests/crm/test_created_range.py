"""The lists' "Created from / up to" filter: whole days in the site's time zone, compared as a
range on ``created_at`` (which its index can serve), never as ``created_at__date``."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.ui.filters import start_of_day
from customers.filters import CustomerFilter
from customers.models import Customer
from leads.filters import LeadFilter, OpportunityFilter
from leads.models import Lead, Opportunity
from tests.factories import CustomerFactory, LeadFactory, OpportunityFactory

LISTS = {
    "leads": ("leads:lead_list", Lead, LeadFactory),
    "opportunities": ("leads:opportunity_list", Opportunity, OpportunityFactory),
    "customers": ("customers:customer_list", Customer, CustomerFactory),
}


def created_at_local(model, factory, company, moment: str):
    """A row whose ``created_at`` is ``moment`` (ISO, naive) in the current time zone."""
    row = factory(company=company)
    at = timezone.make_aware(datetime.fromisoformat(moment))
    model.objects.filter(pk=row.pk).update(created_at=at)
    return row


def listed(client, url_name, **params) -> set[int]:
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    return {row.pk for row in response.context["object_list"]}


# Far from UTC on both sides: the local date and the UTC date of 23:30 or 00:30 differ.
@pytest.fixture(params=["America/New_York", "Pacific/Auckland"])
def site_time_zone(request, settings):
    settings.TIME_ZONE = request.param
    return request.param


@pytest.mark.parametrize("kind", LISTS)
def test_created_up_to_includes_the_whole_last_day_in_local_time(
    member_client, company, site_time_zone, kind
):
    url_name, model, factory = LISTS[kind]
    late_on_the_day = created_at_local(model, factory, company, "2025-03-14T23:30")
    next_day = created_at_local(model, factory, company, "2025-03-15T00:00")
    assert listed(member_client, url_name, owner="all", created_to="2025-03-14") == {
        late_on_the_day.pk
    }
    assert next_day.pk in listed(member_client, url_name, owner="all", created_to="2025-03-15")


@pytest.mark.parametrize("kind", LISTS)
def test_created_from_starts_at_local_midnight(member_client, company, site_time_zone, kind):
    url_name, model, factory = LISTS[kind]
    day_before = created_at_local(model, factory, company, "2025-03-13T23:59:59.999999")
    first_moment = created_at_local(model, factory, company, "2025-03-14T00:00")
    early = created_at_local(model, factory, company, "2025-03-14T00:30")
    assert listed(member_client, url_name, owner="all", created_from="2025-03-14") == {
        first_moment.pk,
        early.pk,
    }
    assert listed(
        member_client, url_name, owner="all", created_from="2025-03-14", created_to="2025-03-14"
    ) == {first_moment.pk, early.pk}
    assert day_before.pk in listed(member_client, url_name, owner="all", created_to="2025-03-13")


@pytest.mark.parametrize("filterset", [LeadFilter, OpportunityFilter, CustomerFilter])
def test_the_filter_compares_the_column_not_a_date_cast_of_it(rf, company, filterset):
    """``created_at__date`` renders as a function of the column (``AT TIME ZONE ... ::date`` on
    PostgreSQL, ``django_datetime_cast_date`` on SQLite), which no index on it serves."""
    request = rf.get("/")
    request.company = company
    data = {"created_from": "2025-03-01", "created_to": "2025-03-31"}
    sql = str(filterset(data, request=request).qs.query)
    assert "AT TIME ZONE" not in sql and "cast_date" not in sql
    assert '"created_at" >= ' in sql and '"created_at" < ' in sql


def test_a_day_across_a_daylight_saving_change_is_a_whole_local_day(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    start = start_of_day(date(2025, 3, 30))  # clocks go forward at 02:00: a 23-hour day
    end = start_of_day(date(2025, 3, 31))
    # (Python subtracts times of one zone as wall-clock times: compare them in UTC.)
    assert (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 23 * 3600
    assert start.utcoffset().total_seconds() == 3600 and end.utcoffset().total_seconds() == 7200


@pytest.mark.parametrize("kind", LISTS)
@pytest.mark.parametrize("param", ["created_from", "created_to"])
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31"])
def test_the_ends_of_the_calendar_filter_without_an_error(
    member_client, company, site_time_zone, kind, param, value
):
    url_name, _model, factory = LISTS[kind]
    row = factory(company=company)
    shown = listed(member_client, url_name, owner="all", **{param: value})
    # Everything is from the first day on and up to the last; nothing is from the last day on
    # or up to the first.
    open_ended = (param, value) in {("created_from", "0001-01-01"), ("created_to", "9999-12-31")}
    assert shown == ({row.pk} if open_ended else set())
