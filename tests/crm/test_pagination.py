"""Stale or mistyped page numbers fall back to a page instead of a 404."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.views.catalog import ProductListView
from crm.views.timeline import TaskListView
from tests.factories import ProductFactory, TaskFactory


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
