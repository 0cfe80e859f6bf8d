"""The reference lists in filters and forms come from the cache, and never stale ones."""

import pytest
from django.db.models import Count
from django.urls import reverse
from django_scopes import scope

from crm.models import Company
from tests.crm.helpers import count_queries
from tests.factories import LeadSourceFactory, SalespersonFactory

pytestmark = pytest.mark.django_db


def _source_options(client) -> str:
    html = client.get(reverse("leads:lead_list")).content.decode()
    start = html.index('name="source"')
    return html[start : html.index("</select>", start)]


def test_a_list_page_reads_its_filter_choices_once(member_client, company):
    LeadSourceFactory(company=company, name="Trade fair")
    url = reverse("leads:lead_list")
    first = count_queries(member_client, url)
    again = count_queries(member_client, url)
    assert again < first
    # Session, user, membership with company and own salesperson, the count, the rows.
    assert again <= 6


def test_a_new_source_shows_on_the_next_page_view(member_client, company):
    LeadSourceFactory(company=company, name="Trade fair")
    assert "Trade fair" in _source_options(member_client)
    LeadSourceFactory(company=company, name="Web form")
    options = _source_options(member_client)
    assert "Trade fair" in options and "Web form" in options


def test_renamed_and_deleted_rows_leave_the_options(member_client, company):
    source = LeadSourceFactory(company=company, name="Trade fair")
    assert "Trade fair" in _source_options(member_client)
    source.name = "Fair"
    source.save()
    assert "Trade fair" not in _source_options(member_client)
    assert "Fair" in _source_options(member_client)
    source.delete()
    assert "Fair" not in _source_options(member_client)


def test_a_change_bumps_only_its_own_company(company, other_company):
    before = Company.objects.get(pk=other_company.pk).lists_version
    mine = Company.objects.get(pk=company.pk).lists_version
    SalespersonFactory(company=company)
    assert Company.objects.get(pk=company.pk).lists_version == mine + 1
    assert Company.objects.get(pk=other_company.pk).lists_version == before


def test_another_companys_options_never_show(member_client, company, other_company):
    LeadSourceFactory(company=company, name="Ours")
    LeadSourceFactory(company=other_company, name="Theirs")
    options = _source_options(member_client)
    assert "Ours" in options and "Theirs" not in options


def test_the_cache_key_tells_apart_what_decides_the_options(company, other_company):
    from crm.models import Salesperson
    from crm.ui.choices import query_key
    from leads.models import LeadSource

    ours = Salesperson.objects.filter(company=company)
    keys = [
        query_key(ours),
        query_key(ours.filter(is_active=True)),
        query_key(ours.filter(is_active=False)),
        # The same column reached through different relations joins different rows.
        query_key(ours.filter(manager__is_active=True)),
        query_key(ours.filter(user__is_active=True)),
        query_key(ours.order_by("-name")),
        query_key(ours.exclude(is_active=True)),
        query_key(ours.filter(pk__in=[1, 2])),
        query_key(LeadSource.objects.filter(company=company)),
    ]
    with scope(company=other_company):
        keys.append(query_key(Salesperson.objects.filter(company=other_company)))
    assert len(set(keys)) == len(keys)
    assert query_key(Salesperson.objects.filter(company=company)) == keys[0]


def test_a_query_the_key_cannot_read_is_keyed_by_its_sql(company):
    from crm.models import Salesperson
    from crm.ui.choices import query_key

    ours = Salesperson.objects.filter(company=company)
    inner = ours.filter(is_active=True).values("pk")
    assert query_key(ours.filter(pk__in=inner)).startswith("sql|")
    assert query_key(ours.annotate(n=Count("pk"))).startswith("sql|")
