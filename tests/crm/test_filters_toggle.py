"""The lists' filters sit behind a "Filters" toggle that says how many are in use."""

import re

from django.urls import reverse


def toggle(response) -> str:
    content = response.content.decode()
    return re.search(r"<summary class=\"filters-summary\">(.*?)</summary>", content, re.S).group(1)


def test_the_toggle_counts_the_filters_in_use(member_client, company):
    lead_list = reverse("leads:lead_list")
    response = member_client.get(lead_list)
    assert response.context["active_filter_count"] == 0
    assert '<span class="filters-count" hidden>' in toggle(response)

    response = member_client.get(
        lead_list,
        {"q": "ada", "status": "new", "created_from": "2026-01-01", "source": "", "page": "2"},
    )
    # Empty values, the page, the sort and the owner toggle are not filters.
    assert response.context["active_filter_count"] == 3
    assert '<span data-filter-count>3</span><span class="visually-hidden"> active</span>' in (
        toggle(response)
    )


def test_the_toggle_is_a_closed_disclosure_around_the_form(member_client, company):
    content = member_client.get(reverse("customers:customer_list")).content.decode()
    details = content.index('<details class="filters-disclosure" data-filters>')
    form = content.index('<form class="filters"', details)
    assert form < content.index("</details>", details)
