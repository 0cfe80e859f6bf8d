"""Stale or mistyped page numbers fall back to a page instead of a 404."""

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from crm.models import Product
from crm.ui.pagination import kept_count_rows
from crm.views.catalog import ProductListView
from crm.views.timeline import TaskListView
from leads.models import Opportunity
from leads.views.opportunities import OpportunityListView
from tests.factories import (
    OpportunityFactory,
    OpportunityStageFactory,
    ProductFactory,
    SalespersonFactory,
    TaskFactory,
)


@pytest.mark.parametrize(
    ("page", "expected"),
    [("abc", 1), ("", 1), ("0", 1), ("-3", 1), ("2", 2), ("99", 2), ("last", 2)],
)
def test_list_pages_fall_back_to_the_first_or_last_page(member_client, company, page, expected):
    ProductFactory.create_batch(settings.PAGE_SIZE + 1, company=company)
    response = member_client.get(reverse("crm:product_list"), {"page": page})
    assert response.status_code == 200
    assert response.context["page_obj"].number == expected


def test_an_empty_list_with_a_page_number_is_the_empty_first_page(member_client, company):
    response = member_client.get(reverse("crm:partner_list"), {"page": "7"})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1


@pytest.mark.parametrize(("page", "expected"), [("abc", 1), ("5", 2)])
def test_my_tasks_falls_back_too(member_client, company, member, monkeypatch, page, expected):
    monkeypatch.setattr(TaskListView, "paginate_by", 2)
    TaskFactory.create_batch(3, company=company, assigned_to=member)
    response = member_client.get(reverse("crm:task_list"), {"page": page})
    assert response.status_code == 200
    assert response.context["page_obj"].number == expected
    assert len(response.context["tasks"]) == (2 if expected == 1 else 1)


# --- the count stops at LIST_COUNT_LIMIT, and so do the pages -------------------------------------


def _count_queries(captured) -> list[str]:
    return [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]


def test_a_small_list_counts_exactly(member_client, company, settings):
    settings.LIST_COUNT_LIMIT = 10
    ProductFactory.create_batch(7, company=company)
    response = member_client.get(reverse("crm:product_list"))
    paginator = response.context["page_obj"].paginator
    assert (paginator.count, paginator.is_capped) == (7, False)
    assert "1–7 of 7" in response.text
    assert "more than" not in response.text


def test_a_list_past_the_limit_says_more_than_and_its_pages_stop_there(
    member_client, company, settings, monkeypatch
):
    settings.LIST_COUNT_LIMIT = 6
    monkeypatch.setattr(ProductListView, "paginate_by", 4)
    ProductFactory.create_batch(15, company=company)
    url = reverse("crm:product_list")

    first = member_client.get(url)
    paginator = first.context["page_obj"].paginator
    assert paginator.is_capped and paginator.count == 6
    assert paginator.num_pages == 2  # six counted rows, four a page
    assert "1–4 of more than 6" in first.text
    assert "Page 1 of 2+" in first.text
    assert "Pages stop after" not in first.text

    # Asking for a page past the counted rows gives the last counted page, with the hint.
    deep = member_client.get(url, {"page": "3"})
    assert deep.context["page_obj"].number == 2
    assert "Pages stop after the first 6 rows" in deep.text
    assert 'rel="next"' not in deep.text


def test_the_count_is_bounded_in_sql(member_client, company, settings):
    """The count query reads at most limit + 1 rows, never the whole table."""
    settings.LIST_COUNT_LIMIT = 5
    ProductFactory.create_batch(8, company=company)
    with CaptureQueriesContext(connection) as captured:
        member_client.get(reverse("crm:product_list"))
    counts = _count_queries(captured)
    assert len(counts) == 1
    assert "LIMIT 6" in counts[0].upper()


# --- a searched list pages without a count: its page reads one row more --------------------------


def test_a_searched_list_says_more_than_its_pages_so_far_without_counting(
    member_client, company, monkeypatch
):
    monkeypatch.setattr(ProductListView, "paginate_by", 4)
    ProductFactory.create_batch(10, company=company)
    ProductFactory.create_batch(3, company=company, name="Gadget")
    url = reverse("crm:product_list")

    with CaptureQueriesContext(connection) as captured:
        first = member_client.get(url, {"q": "product"})
    assert _count_queries(captured) == []
    paginator = first.context["page_obj"].paginator
    assert (paginator.count, paginator.is_capped, paginator.num_pages) == (4, True, 2)
    assert len(first.context["page_obj"].object_list) == 4
    assert "1–4 of more than 4" in first.text
    assert "Page 1 of 2+" in first.text
    assert 'rel="next"' in first.text
    assert "Pages stop after" not in first.text

    second = member_client.get(url, {"q": "product", "page": "2"})
    assert "5–8 of more than 8" in second.text
    assert "Page 2 of 3+" in second.text

    # The last page knows where the list ends: exact, no next page.
    last = member_client.get(url, {"q": "product", "page": "3"})
    assert (last.context["page_obj"].number, last.context["page_obj"].paginator.count) == (3, 10)
    assert "9–10 of 10" in last.text
    assert "more than" not in last.text
    assert 'rel="next"' not in last.text


def test_a_search_that_fits_one_page_is_counted_exactly(member_client, company, monkeypatch):
    monkeypatch.setattr(ProductListView, "paginate_by", 4)
    ProductFactory.create_batch(6, company=company)
    ProductFactory.create_batch(3, company=company, name="Gadget")
    response = member_client.get(reverse("crm:product_list"), {"q": "gadget"})
    paginator = response.context["page_obj"].paginator
    assert (paginator.count, paginator.is_capped, paginator.num_pages) == (3, False, 1)
    assert "1–3 of 3" in response.text
    assert "more than" not in response.text

    nothing = member_client.get(reverse("crm:product_list"), {"q": "nowhere"})
    assert nothing.context["page_obj"].paginator.count == 0


@pytest.mark.parametrize(("page", "expected"), [("9", 3), ("last", 3), ("abc", 1)])
def test_a_searched_list_past_its_end_falls_back_to_its_last_page(
    member_client, company, monkeypatch, page, expected
):
    monkeypatch.setattr(ProductListView, "paginate_by", 4)
    ProductFactory.create_batch(10, company=company)
    response = member_client.get(reverse("crm:product_list"), {"q": "product", "page": page})
    assert response.status_code == 200
    assert response.context["page_obj"].number == expected


# --- the count rides along with the page's rows ---------------------------------------------------


def test_a_page_brings_its_count_in_its_own_query(member_client, company, settings, monkeypatch):
    settings.LIST_COUNT_LIMIT = 6
    monkeypatch.setattr(ProductListView, "paginate_by", 4)
    ProductFactory.create_batch(9, company=company)
    url = reverse("crm:product_list")
    with CaptureQueriesContext(connection) as captured:
        second = member_client.get(url, {"page": "2"})
    counts = _count_queries(captured)
    assert len(counts) == 1
    assert 'FROM "crm_product"' in counts[0] and "LIMIT 4 OFFSET 4" in counts[0].upper()
    page = second.context["page_obj"]
    assert (page.number, page.paginator.count, page.paginator.is_capped) == (2, 6, True)
    assert len(page.object_list) == 2  # the counted rows end after six
    assert "5–6 of more than 6" in second.text


@pytest.mark.parametrize("sort", ["price", "-price", "name"])
def test_a_deeper_page_reads_the_rows_of_its_ids_in_the_sorted_order(
    member_client, company, monkeypatch, sort
):
    monkeypatch.setattr(ProductListView, "paginate_by", 4)
    for number in range(11):  # prices that tie, so the tiebreak decides
        ProductFactory(company=company, name=f"P{number % 5}", unit_price=number % 3)
    url = reverse("crm:product_list")
    with CaptureQueriesContext(connection) as captured:
        pages = [member_client.get(url, {"sort": sort, "page": n}) for n in (1, 2, 3)]
    shown = [row.pk for page in pages for row in page.context["page_obj"].object_list]
    view = ProductListView()
    field = view.sort_fields[sort.lstrip("-")]
    order = [f"{sort[:1] if sort.startswith('-') else ''}{column}" for column in (field, "pk")]
    rows = Product.objects.filter(company=company).order_by(*order)
    assert shown == list(rows.values_list("pk", flat=True))
    deeper = [q["sql"] for q in captured if "OFFSET 4" in q["sql"].upper()]
    assert len(deeper) == 1 and " IN (SELECT" in deeper[0].upper()


def test_an_empty_list_is_one_query_and_counts_nothing(member_client, company):
    url = reverse("crm:product_list")
    with CaptureQueriesContext(connection) as captured:
        response = member_client.get(url)
    assert len(_count_queries(captured)) == 1
    assert response.context["page_obj"].paginator.count == 0


def test_a_page_past_the_end_counts_alone_and_shows_the_last_page(
    member_client, company, monkeypatch
):
    monkeypatch.setattr(ProductListView, "paginate_by", 4)
    ProductFactory.create_batch(6, company=company)
    response = member_client.get(reverse("crm:product_list"), {"page": "5"})
    page = response.context["page_obj"]
    assert (page.number, page.paginator.count, len(page.object_list)) == (2, 6, 2)


# --- a list filtered by the keys of kept figures is counted from them -----------------------------


def _opportunity_page(client, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("leads:opportunity_list"), params)
    assert response.status_code == 200
    return response, [q["sql"] for q in captured]


@pytest.fixture
def opportunities(company, other_company):
    """Seven opportunities in two stages and for two salespeople, and another company's in
    the same numbers, which its figures count apart."""
    first, second = OpportunityStageFactory.create_batch(2, company=company)
    ann, bob = SalespersonFactory.create_batch(2, company=company)
    OpportunityFactory.create_batch(3, company=company, stage=first, salesperson=ann)
    OpportunityFactory.create_batch(2, company=company, stage=second, salesperson=ann)
    OpportunityFactory.create_batch(2, company=company, stage=second, salesperson=None)
    with scopes_disabled():
        theirs = OpportunityStageFactory(company=other_company)
        OpportunityFactory.create_batch(4, company=other_company, stage=theirs)
    return {"first": first, "second": second, "ann": ann, "bob": bob}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [({}, 7), ({"stage": "first"}, 3), ({"salesperson": "ann"}, 5), ({"salesperson": "bob"}, 0)],
)
def test_the_opportunity_list_is_counted_from_the_pipeline_figures(
    member_client, opportunities, filters, expected
):
    params = {key: opportunities[name].pk for key, name in filters.items()}
    response, queries = _opportunity_page(member_client, **params)
    paginator = response.context["page_obj"].paginator
    assert (paginator.count, paginator.is_capped) == (expected, False)
    assert len(response.context["object_list"]) == expected
    page_query = next(sql for sql in queries if 'FROM "leads_opportunity"' in sql)
    assert "leads_pipelinefigure" in page_query
    assert "bounded_rows" not in page_query


def test_a_list_counted_from_figures_past_the_limit_says_more_than(
    member_client, opportunities, settings, monkeypatch
):
    settings.LIST_COUNT_LIMIT = 4
    monkeypatch.setattr(OpportunityListView, "paginate_by", 3)
    first, queries = _opportunity_page(member_client)
    paginator = first.context["page_obj"].paginator
    assert (paginator.count, paginator.is_capped, paginator.num_pages) == (4, True, 2)
    assert "1–3 of more than 4" in first.text
    # Past the counted rows and "last": the last counted page, as with the bounded count.
    for page in ("3", "last"):
        deep, _queries = _opportunity_page(member_client, page=page)
        assert deep.context["page_obj"].number == 2
        assert len(deep.context["page_obj"].object_list) == 1
        assert "Pages stop after the first 4 rows" in deep.text


def test_a_filter_the_figures_do_not_key_counts_the_rows(member_client, opportunities):
    response, queries = _opportunity_page(member_client, close_from="2020-01-01")
    assert response.context["page_obj"].paginator.count == 0
    page_query = next(sql for sql in queries if 'FROM "leads_opportunity"' in sql)
    assert "bounded_rows" in page_query and "leads_pipelinefigure" not in page_query


def test_only_key_equalities_with_the_company_are_counted_from_figures(company, opportunities):
    rows = Opportunity.objects.filter(company=company)
    ann = opportunities["ann"]
    assert kept_count_rows(rows.filter(salesperson=ann)) is not None
    # Without the company, through a join, an OR (the access rules' reach), a negation, a range.
    with scopes_disabled():
        assert kept_count_rows(Opportunity.objects.filter(salesperson=ann)) is None
    assert kept_count_rows(rows.filter(stage__name="x")) is None
    assert kept_count_rows(rows.filter(Q(salesperson=ann) | Q(salesperson=None))) is None
    assert kept_count_rows(rows.exclude(salesperson=ann)) is None
    assert kept_count_rows(rows.filter(probability__gte=10)) is None
    assert kept_count_rows(rows.filter(salesperson=None)) is None
    assert kept_count_rows(rows.distinct()) is None
    # Two different values of one key: nothing.
    both = rows.filter(stage=opportunities["first"]).filter(stage=opportunities["second"])
    assert not kept_count_rows(both).exists()
