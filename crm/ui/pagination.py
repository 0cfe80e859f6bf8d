"""Pagination that stays cheap on a million rows.

Django's paginator counts every matching row (``SELECT COUNT(*)``) on every page view, and lets
anyone ask for page 40,000, which makes the database walk and throw away two million rows. Here
the count stops at ``settings.LIST_COUNT_LIMIT`` rows and pages end there: past it the list says
"more than 10,000" and asks for a narrower filter or the other sort order instead.

Counting stops early because the count runs over ``LIMIT limit + 1`` rows of the same (indexed)
query, so it reads at most that many index entries however large the table is.

A searched list does not count at all (``LookaheadPaginator``): its page reads one row more than
it shows, which says whether there is a next page. Bounded as it is, the count of a search costs
every match up to the limit: a name fragment at a million leads ("eber": 18,254 leads hold it,
3,391 of them the salesperson's) built the trigram index's and the salesperson's bitmaps and
fetched every match (41 ms), four times the page's own query, which stops at the page's rows. A
search that fits one page is still counted exactly ("1-3 of 3"); a longer one says "more than"
the rows up to its page's end, and "Page 2 of 3+".

Where the database keeps a count of a model's rows per key (``register_kept_count``: the kept
figures of ``crm.kept_figures``, which triggers keep right on every write path), a list filtered
by nothing but those keys is counted from them instead: a sum over a few figure rows, the same
at ten thousand rows and at a million, where the bounded count reads up to 10,001 index entries.
What the list says is the same: the sum is exact, and past the limit it says "more than".

A page past the first reads its rows by their ids (``CappedPaginator.counted_page``): the ids
of the page, ``OFFSET`` and all, from the sort's index alone (an index-only scan on
PostgreSQL), then the page's rows and their names for those ids only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import IntegerField, Model, QuerySet, Subquery, Sum
from django.db.models.expressions import Col, Expression
from django.db.models.lookups import Exact
from django.db.models.query import ModelIterable
from django.db.models.sql.where import AND
from django.utils.functional import cached_property

from crm.ui.kept_markup import locale_key


def bounded_count(queryset, limit: int | None = None) -> tuple[int, bool]:
    """How many rows match, exactly up to ``limit`` (default ``LIST_COUNT_LIMIT``), and whether
    there are more. One query: ``SELECT COUNT(*) FROM (SELECT id … LIMIT limit + 1)``; ordering
    and the selected columns do not change how many rows there are, so neither is kept."""
    limit = settings.LIST_COUNT_LIMIT if limit is None else limit
    found = queryset.values("pk").order_by()[: limit + 1].count()
    return min(found, limit), found > limit


@dataclass(frozen=True)
class KeptCount:
    """Where a model's rows are counted per key: the figures model (``"app.Model"``), its count
    column, and the key columns, named on the figures as on the model (the company first)."""

    figures: str
    total: str
    keys: tuple[str, ...]


_KEPT_COUNTS: dict[type, KeptCount] = {}


def register_kept_count(model: type[Model], kept: KeptCount) -> None:
    """Count ``model``'s lists from ``kept`` where their filters allow (``kept_count_rows``)."""
    _KEPT_COUNTS[model] = kept


# The filter says no row can match (one key asked to equal two values).
_NO_ROWS: dict = {}


def _kept_values(queryset) -> tuple[KeptCount, dict] | None:
    """Where ``queryset``'s rows are counted and the key values its filter asks for (the
    company's among them; ``_NO_ROWS`` when it contradicts itself), or None when its filters
    are not only "key column = value": a search, a range, an OR of the access rules, a
    condition through a join, a slice or a distinct."""
    kept = _KEPT_COUNTS.get(getattr(queryset, "model", None))
    if kept is None or not isinstance(queryset, QuerySet):
        return None
    query = queryset.query
    if (
        query.is_sliced
        or query.distinct
        or query.combinator
        or query.extra
        or query.where.negated
        or query.where.connector != AND
    ):
        return None
    base = query.base_table
    values: dict[str, object] = {}
    for condition in query.where.children:
        if not (
            isinstance(condition, Exact)
            and isinstance(condition.lhs, Col)
            and condition.lhs.alias == base
            and condition.lhs.target.attname in kept.keys
        ):
            return None
        value = condition.rhs
        if isinstance(value, Model):
            value = value.pk
        if value is None or not isinstance(value, int | str):
            return None
        key = condition.lhs.target.attname
        if values.setdefault(key, value) != value:
            return kept, _NO_ROWS
    if kept.keys[0] not in values:
        return None
    return kept, values


def kept_count_rows(queryset) -> QuerySet | None:
    """The figure rows whose count adds up to how many rows ``queryset`` holds, or None when
    its filters are not only "key column = value" (``_kept_values``)."""
    found = _kept_values(queryset)
    if found is None:
        return None
    kept, values = found
    figures = apps.get_model(kept.figures).objects
    return figures.none() if values is _NO_ROWS else figures.filter(**values).order_by()


class KeptCountSum(Expression):
    """The sum of the figures ``kept_count_rows`` names, as a scalar subquery (0 without
    figure rows): what ``BoundedCount`` answers, exactly and past the limit too. Written as SQL
    rather than built as a queryset, which cost 0.4 ms of Python a page more than the bounded
    count's; the company is among the values (``_kept_values`` insists), so it reads the list's
    company's figures only."""

    output_field = IntegerField()

    def __init__(self, kept: KeptCount, values: dict):
        super().__init__()
        self.kept, self.values = kept, values

    def as_sql(self, compiler, connection):
        if self.values is _NO_ROWS:
            return "0", []
        figures = apps.get_model(self.kept.figures)._meta
        quote = connection.ops.quote_name
        where = " AND ".join(f"{quote(figures.get_field(key).column)} = %s" for key in self.values)
        total = quote(figures.get_field(self.kept.total).column)
        sql = f"COALESCE((SELECT SUM({total}) FROM {quote(figures.db_table)} WHERE {where}), 0)"
        return sql, list(self.values.values())


class BoundedCount(Subquery):
    """``bounded_count``'s query as a scalar subquery: ``(SELECT COUNT(*) FROM (SELECT id …
    LIMIT limit + 1))``, so a page's own query brings its list's count along. It does not refer
    to the outer row, so the database runs it once per query, not once per row."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS bounded_rows)"
    output_field = IntegerField()

    def __init__(self, queryset, limit: int):
        super().__init__(queryset.values("pk").order_by()[: limit + 1])


class CappedPaginator(Paginator):
    """A paginator whose ``count`` is exact up to ``count_limit`` rows and capped past it.

    ``is_capped`` tells the template to say "more than"; ``num_pages`` then covers only the
    counted rows, so the deepest page reads at most ``count_limit`` rows (a bounded offset).

    ``count_rows``, when given, is what is counted instead of ``object_list``: the same rows
    without what only the shown page needs (the joins of its names), which a count would pay
    for on every row it counts. ``counted_page(n)`` reads page ``n`` and the count in one query.
    """

    # The annotation that carries the count on a counted page's rows.
    count_annotation = "_bounded_count_of_list"

    def __init__(
        self,
        object_list,
        per_page,
        *args,
        count_limit: int | None = None,
        count_rows=None,
        **kwargs,
    ):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.count_limit = count_limit if count_limit is not None else settings.LIST_COUNT_LIMIT
        self.count_rows = object_list if count_rows is None else count_rows

    def _count_expression(self):
        found = _kept_values(self.count_rows)
        if found is not None:
            return KeptCountSum(*found)
        return BoundedCount(self.count_rows, self.count_limit)

    @cached_property
    def _bounded_count(self) -> int:
        rows = self.count_rows
        if hasattr(rows, "values") and hasattr(rows, "order_by"):
            figures = kept_count_rows(rows)
            if figures is not None:
                kept = _KEPT_COUNTS[rows.model]
                total = figures.aggregate(total=Sum(kept.total))["total"] or 0
                return min(total, self.count_limit + 1)
            count, capped = bounded_count(rows, self.count_limit)
            return count + capped
        return min(len(rows), self.count_limit + 1)

    def counted_page(self, number: int):
        """Page ``number`` (at least 1), its rows and the list's bounded count read by one query
        (``BoundedCount``). A page with no rows carries no count: the first is the empty list's
        (count 0); past the end, the count is asked for alone and the last page read instead,
        as a page past the counted rows is."""
        number = max(1, number)
        if (
            not isinstance(self.object_list, QuerySet)
            or self.object_list._iterable_class is not ModelIterable
            or not isinstance(self.count_rows, QuerySet)
            or self.orphans
            or "_bounded_count" in self.__dict__
        ):
            return self.page(min(number, self.num_pages))
        bottom = (number - 1) * self.per_page
        counted = self.object_list.annotate(**{self.count_annotation: self._count_expression()})
        if bottom and not self.object_list.query.distinct:
            # A deeper page finds its rows' ids first, walking the sort's index alone, then
            # reads only those rows: the offset's rows are skipped in the index instead of each
            # being fetched and joined to its names (page 150 of a million leads: 11 -> 1.3 ms).
            shown = self.object_list.values("pk")[bottom : bottom + self.per_page]
            rows = list(counted.filter(pk__in=shown)[: self.per_page])
        else:
            rows = list(counted[bottom : bottom + self.per_page])
        if rows:
            found = getattr(rows[0], self.count_annotation)
            self.__dict__["_bounded_count"] = min(found, self.count_limit + 1)
        elif number == 1:
            self.__dict__["_bounded_count"] = 0
        if not rows or number > self.num_pages:
            return self.page(min(number, self.num_pages))
        # The last page ends where the counted rows do, as ``page()`` ends it.
        return self._get_page(rows[: self.count - bottom], number, self)

    @cached_property
    def is_capped(self) -> bool:
        return self._bounded_count > self.count_limit

    @cached_property
    def count(self) -> int:
        return min(self._bounded_count, self.count_limit)


class LookaheadPaginator(CappedPaginator):
    """A paginator that does not count: ``look_at(n)`` reads page ``n``'s rows and one more, so
    the count is exact when the list ends on that page and "more than" the rows so far otherwise
    (``is_capped``; ``num_pages`` then reaches the next page). Only a page past the end (a stale
    link) needs the bounded count of ``CappedPaginator``, and asks for it.
    """

    _seen: tuple[int, int] | None = None  # (rows before the page, rows read on it)

    def look_at(self, number: int):
        number = max(1, number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and bottom:
            # Past the end: the bounded count says where the end is.
            return self.page(min(number, self.num_pages))
        self._seen = (bottom, len(rows))
        return self._get_page(rows[: self.per_page], number, self)

    @property
    def is_capped(self) -> bool:
        if self._seen is None:
            return super().is_capped
        return self._seen[1] > self.per_page

    @property
    def count(self) -> int:
        if self._seen is None:
            return super().count
        bottom, read = self._seen
        return bottom + min(read, self.per_page)

    @property
    def num_pages(self) -> int:
        if self._seen is None:
            return super().num_pages
        bottom, read = self._seen
        return bottom // self.per_page + (2 if read > self.per_page else 1)


def pagination_key(request, page) -> tuple | None:
    """Everything ``crm/partials/_pagination.html`` writes a page's links from, as a key for
    ``{% kept_include %}`` (``crm.ui.kept_markup``): the language, the query its links keep, and
    the page's figures. None without a page."""
    if page is None:
        return None
    paginator = page.paginator
    return (
        locale_key(),
        tuple((key, tuple(values)) for key, values in request.GET.lists()),
        bool(page),
        page.number,
        page.start_index(),
        page.end_index(),
        page.has_previous(),
        page.has_next(),
        paginator.count,
        paginator.num_pages,
        bool(getattr(paginator, "is_capped", False)),
    )
