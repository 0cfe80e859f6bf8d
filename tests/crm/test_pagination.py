"""Stale or mistyped page numbers fall back to a page instead of a 404."""

import pytest
from django.conf import settings
from django.urls import reverse

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
