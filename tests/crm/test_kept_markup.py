"""The pieces of a list page kept per process (crm.ui.kept_markup): the column picker, the bulk
bar and the pages come out exactly as rendered afresh, and follow what they show."""

import re

import pytest
from django.urls import reverse

from crm.ui import kept_markup
from leads.views.leads import LeadListView
from tests.factories import LeadFactory, SalespersonFactory

LEADS = reverse("leads:lead_list")
CSRF = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


@pytest.fixture(autouse=True)
def empty_memory():
    kept_markup.forget()
    yield
    kept_markup.forget()


def page(client, url: str) -> str:
    return CSRF.sub(r"\1-", client.get(url).content.decode())


@pytest.mark.parametrize(
    "query",
    ["", "?status=contacted&sort=name", "?page=2&cols=name,email", "?q=smith&owner=all"],
)
def test_a_kept_page_is_the_page_rendered_afresh(member_client, company, query, monkeypatch):
    monkeypatch.setattr(LeadListView, "paginate_by", 5)
    LeadFactory.create_batch(7, company=company, last_name="Smith", status="contacted")

    fresh = page(member_client, LEADS + query)
    assert kept_markup._KEPT  # the picker, the bar and the pages were kept
    kept = page(member_client, LEADS + query)
    kept_markup.forget()

    assert page(member_client, LEADS + query) == fresh == kept


def test_the_pages_follow_the_rows(member_client, company):
    LeadFactory.create_batch(3, company=company)
    member_client.get(LEADS)
    LeadFactory(company=company)

    html = member_client.get(LEADS).content.decode()

    assert "1–4 of 4" in html


def test_the_bulk_bar_offers_a_salesperson_added_since(member_client, company):
    LeadFactory(company=company)
    member_client.get(LEADS)
    SalespersonFactory(company=company, name="Nadia Newcomer")

    html = member_client.get(LEADS).content.decode()

    assert html.count("Nadia Newcomer") >= 1
    assert 'data-bulk-for="assign_salesperson"' in html


def test_the_kept_pieces_are_in_the_page_language(member_client, company):
    LeadFactory(company=company)
    english = member_client.get(LEADS).content.decode()

    indonesian = member_client.get(LEADS, headers={"accept-language": "id"}).content.decode()

    assert "Show columns" in english
    assert "Show columns" not in indonesian
    assert "Apply to selected" not in indonesian
