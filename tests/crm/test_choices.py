"""The reference lists in filters and forms come from the cache, and never stale ones."""

import pytest
from django.urls import reverse

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
