"""The one search box: every kind of record the apps register, searched for one term at once.

``crm`` knows no sales object, so each app registers its searchable record types in its
``ready()`` (``register_search_kind``): the model, its list's FilterSet (whose search this reuses,
so the box finds exactly what the list's own search finds), how to order and show a match, and
the list to see all of them.

Per kind one query: the company's rows the user may view (``crm.access``) that match every term
(``crm.ui.search``, answered by the trigram index on PostgreSQL), in the kind's order, at most
``COUNT_CAP + 1`` narrow rows. The first few are shown; the rest are only counted, so a common
term never costs a COUNT over a huge match set: past the cap the count reads "100+".

Plans on PostgreSQL (EXPLAIN ANALYZE on 25,000 generated leads, 6,000 customers, 3,000
opportunities, 2,000 quotations, 1,000 orders, 2026-12-03): a rare term is answered by the kind's
trigram index and a top-N sort; a common one by walking the company's ordering index until 101 rows
matched, which stops early. Kinds that also search related rows (opportunities by their lead,
documents by their customer) ask ``pk IN (own matches UNION ALL related matches)``: the list's
``own OR related IN (…)`` leaves PostgreSQL no index for the own part, so it walks every row of
the company's kind; in the union each part has its trigram (or foreign key) index. On tables of a
few thousand rows the planner still prefers a scan of the company's rows, which is cheaper there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.urls import reverse

from crm.access import viewable_rows
from crm.ui.search import (
    SEARCH_ANNOTATION,
    matching,
    phone_term,
    search_document,
    searchable_fields,
)

__all__ = [
    "COUNT_CAP",
    "MIN_LENGTH",
    "SearchGroup",
    "SearchKind",
    "register_search_kind",
    "search_everything",
    "search_kinds",
    "search_terms",
]

MIN_LENGTH = 2
COUNT_CAP = 100
# A search box is not a place for an essay: more terms or characters only cost the database.
MAX_TERMS = 6
MAX_LENGTH = 100


@dataclass(frozen=True)
class SearchKind:
    """One kind of record the search box finds.

    ``filterset`` is the list's ``SearchFilterSet`` subclass: its ``search_fields`` and
    ``search_related`` are searched. ``ordering`` should be served by an index that leads with
    the company. ``only`` names the columns ``describe`` and ``str()`` need (plus relations in
    ``select_related``). ``list_params`` are added to the list's link (``owner=all``: the list
    shows everyone's rows the user may see, as the search did).
    """

    key: str
    label: object  # a lazy translated plural ("Leads")
    model_label: str
    filterset: type
    list_url_name: str
    ordering: tuple[str, ...]
    order: int = 100
    select_related: tuple[str, ...] = ()
    only: tuple[str, ...] = ()
    describe: Callable[[models.Model], str] | None = None
    list_params: dict[str, str] = field(default_factory=dict)

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    def list_url(self, query: str) -> str:
        return f"{reverse(self.list_url_name)}?{urlencode({'q': query, **self.list_params})}"


_registry: dict[str, SearchKind] = {}


def register_search_kind(kind: SearchKind) -> SearchKind:
    """Make the search box find ``kind``; registering a key again replaces it."""
    _registry[kind.key] = kind
    return kind


def search_kinds() -> list[SearchKind]:
    """The registered kinds whose model is installed, in their order."""
    found = []
    for kind in _registry.values():
        try:
            kind.model  # noqa: B018 - a kind whose app is not installed is skipped
        except LookupError:
            continue
        found.append(kind)
    return sorted(found, key=lambda kind: (kind.order, kind.key))


def search_terms(query: str) -> list[str]:
    """The words of a search, or none while it is shorter than ``MIN_LENGTH`` characters."""
    query = (query or "").strip()[:MAX_LENGTH]
    if len(query) < MIN_LENGTH:
        return []
    return query.split()[:MAX_TERMS]


@dataclass
class SearchGroup:
    kind: SearchKind
    rows: list[dict]
    found: int  # at most COUNT_CAP + 1: more than the cap reads "100+"
    list_url: str

    @property
    def label(self) -> str:
        return str(self.kind.label)

    @property
    def more_than_cap(self) -> bool:
        return self.found > COUNT_CAP

    @property
    def count_label(self) -> str:
        """How many matched: the number, or "100+" past the cap."""
        return f"{COUNT_CAP}+" if self.more_than_cap else str(self.found)

    @property
    def has_more(self) -> bool:
        return self.more_than_cap or self.found > len(self.rows)


def _matches(kind: SearchKind, terms: Sequence[str], *, company, user, phone: str = ""):
    """The kind's rows that match every term, or (given ``phone``, see
    ``crm.ui.search.phone_term``) hold that number."""
    filterset = kind.filterset
    queryset = kind.model._default_manager.filter(company=company)
    queryset = viewable_rows(queryset, user, company)
    fields = getattr(filterset, "search_fields", None)
    related = getattr(filterset, "search_related", ())
    if related:
        found = _matching_through_union(
            queryset, terms, fields=fields, related=related, company=company
        )
        if phone:
            dialled = _matching_through_union(
                queryset, [phone], fields=fields, related=related, company=company
            )
            found = queryset.filter(
                Q(pk__in=found.order_by().values("pk")) | Q(pk__in=dialled.order_by().values("pk"))
            )
        queryset = found
    else:
        queryset = matching(queryset, terms, fields=fields, company=company, phone=phone)
    if kind.select_related:
        queryset = queryset.select_related(*kind.select_related)
    if kind.only:
        queryset = queryset.only(*kind.only)
    return queryset.order_by(*kind.ordering)


def _matching_through_union(
    queryset, terms: Sequence[str], *, fields, related: Sequence[str], company
):
    """What ``matching`` finds, asked as ``pk IN (own matches UNION each related path's)`` per
    term instead of ``own OR related IN (…)``: each part can use its own trigram (or foreign
    key) index, where the OR makes PostgreSQL walk every row of the company's kind."""
    base = queryset.model._default_manager.filter(company=company)
    own_document = search_document(tuple(fields) if fields else searchable_fields(base.model))
    for term in terms:
        contains = {f"{SEARCH_ANNOTATION}__icontains": term}
        parts = [base.alias(**{SEARCH_ANNOTATION: own_document}).filter(**contains)]
        for path in related:
            target = _related_model(base.model, path)
            matches = (
                target._default_manager.filter(company=company)
                .alias(**{SEARCH_ANNOTATION: search_document(searchable_fields(target))})
                .filter(**contains)
                .values("pk")
            )
            parts.append(base.filter(**{f"{path}__in": matches}))
        ids = [part.order_by().values("pk") for part in parts]
        queryset = queryset.filter(pk__in=ids[0].union(*ids[1:], all=True))
    return queryset


def _related_model(model, path: str):
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


def search_everything(query: str, *, company, user, per_group: int) -> list[SearchGroup]:
    """The groups that found something for ``query``, in the kinds' order: one query each."""
    terms = search_terms(query)
    if not terms:
        return []
    phone = phone_term(" ".join(terms), region=company.dialing_region)
    groups = []
    for kind in search_kinds():
        found = list(
            _matches(kind, terms, company=company, user=user, phone=phone)[: COUNT_CAP + 1]
        )
        if not found:
            continue
        rows = [
            {
                "title": str(obj),
                "detail": kind.describe(obj) if kind.describe else "",
                "url": obj.get_absolute_url(),
            }
            for obj in found[: min(per_group, COUNT_CAP)]
        ]
        groups.append(
            SearchGroup(
                kind=kind, rows=rows, found=len(found), list_url=kind.list_url(" ".join(terms))
            )
        )
    return groups
