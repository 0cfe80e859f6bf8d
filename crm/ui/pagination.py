"""Pagination that stays cheap on a million rows.

Django's paginator counts every matching row (``SELECT COUNT(*)``) on every page view, and lets
anyone ask for page 40,000, which makes the database walk and throw away two million rows. Here
the count stops at ``settings.LIST_COUNT_LIMIT`` rows and pages end there: past it the list says
"more than 10,000" and asks for a narrower filter or the other sort order instead.

Counting stops early because the count runs over ``LIMIT limit + 1`` rows of the same (indexed)
query, so it reads at most that many index entries however large the table is.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property


def bounded_count(queryset, limit: int | None = None) -> tuple[int, bool]:
    """How many rows match, exactly up to ``limit`` (default ``LIST_COUNT_LIMIT``), and whether
    there are more. One query: ``SELECT COUNT(*) FROM (SELECT id … LIMIT limit + 1)``; ordering
    and the selected columns do not change how many rows there are, so neither is kept."""
    limit = settings.LIST_COUNT_LIMIT if limit is None else limit
    found = queryset.values("pk").order_by()[: limit + 1].count()
    return min(found, limit), found > limit


class CappedPaginator(Paginator):
    """A paginator whose ``count`` is exact up to ``count_limit`` rows and capped past it.

    ``is_capped`` tells the template to say "more than"; ``num_pages`` then covers only the
    counted rows, so the deepest page reads at most ``count_limit`` rows (a bounded offset).
    """

    def __init__(self, object_list, per_page, *args, count_limit: int | None = None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.count_limit = count_limit if count_limit is not None else settings.LIST_COUNT_LIMIT

    @cached_property
    def _bounded_count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "values") and hasattr(rows, "order_by"):
            count, capped = bounded_count(rows, self.count_limit)
            return count + capped
        return min(len(rows), self.count_limit + 1)

    @cached_property
    def is_capped(self) -> bool:
        return self._bounded_count > self.count_limit

    @cached_property
    def count(self) -> int:
        return min(self._bounded_count, self.count_limit)
