"""The one search box: every kind of record the apps register, searched for one term at once.

``crm`` knows no sales object, so each app registers its searchable record types in its
``ready()`` (``register_search_kind``): the model, its list's FilterSet (whose search this reuses,
so the box finds exactly what the list's own search finds), how to order and show a match, and
the list to see all of them.

Per kind one query, bounded however large the company grows: the company's rows the user may
view (``crm.access``) that match every term (``crm.ui.search``, answered by the trigram index on
PostgreSQL), at most ``COUNT_CAP + 1`` of them. Only the few shown are fetched (10 on the page,
5 in the panel); the rest are only counted, in the same query (``COUNT(*) OVER ()``), so a common
term never costs a COUNT over a huge match set, nor a hundred rows built to be dropped: past the
cap the count reads "100+".

The cap is applied before the ordering, inside the query: ``pk IN (SELECT pk … LIMIT 101)``, the
kind's order is then a sort of at most 101 rows (per part: see below). A term that matches a few
rows finds them all, so the group shows exactly the rows the kind's order puts first; a term that
matches more than the cap shows the first few in the kind's order of the 101 the index delivered
first, and its "See all" link opens the list, whose own search orders the whole match set.
Ordering first (walking the company's ordering index until 101 rows matched) was the earlier plan:
it reads the whole company when the matches sort late (contacts by name for a fragment of a "W"
surname: 30,770 rows walked at 100,000 leads), and a bitmap of every match then a top-N sort grows
with the matches, that is with the company.

Kinds that also search related rows (opportunities by their lead, documents by their customer)
ask, for a one-word search, each part separately, each capped: the kind's own matches (its trigram
index), and per related path the rows whose related row matches (the related model's trigram
index, then the kind's foreign-key index), as ``pk IN (part1) OR pk IN (part2) …``. A part that
reaches the cap alone proves "100+"; parts below it are complete, so their union is the whole
match set. The list's ``own OR related IN (…)`` would leave PostgreSQL no index for the own part;
an uncapped union hashes every match of every part (the opportunity part read every opportunity of
the company, a sequential scan). A search of several words (a row may match one by its own
columns and another by its lead's) is led by its longest word, whose parts pick the rows; each
other word is checked row by row, in the row's document or its related row's, looked up by key
(``_driven_parts``). Kinds with a related path of several hops (quotations through the
opportunity's customer) keep the exact intersection of the per-word unions, capped as a whole;
for one word such a path is asked hop by hop, without joining the tables in between
(``_related_part``).

Quotations and orders no longer search through relations: the names of whoever they are for
are stored on them (``selling.party_names``), so their own trigram index answers, 1 ms at ten
thousand leads and at a million (the path through the opportunity walked the company's 45,000
quotations, 39 ms, and the one through its customer hashed the 66,000 customer links, 15 ms).

Opportunities likewise store their lead's names (``leads.lead_names``): through the lead, a
bitmap scan of the leads' trigram index read every lead of every company holding the term ("eber"
at a million leads: 18,254 index entries and 536 lead look-ups, 29 ms, for the 101 opportunities
wanted; "ange" 75 ms); on their own index 3,602 entries and 101 rows, 1-2 ms. No registered kind
searches through a relation any more; the related parts below stay for a kind that would.

What still grows with the company: a bitmap scan of a trigram index reads every match of the term
in the table (all companies) before the first row. Asking the related keys first
(``= ANY(ARRAY(…))``) cut a rare term's part threefold and made a common one's 300 times slower
("an": 0.5 ms to 170 ms); fetching up to 5,000 of them first cost 0.5 s at a million leads.

On PostgreSQL the capped rows are asked as ``ctid = ANY(ARRAY(…))`` (``_among``): given ``IN``,
the planner hashed them and scanned every row of the company's kind against them; given their keys
(``pk = ANY(ARRAY(…))``, until 2026-12-04), it looked up each of up to 101 keys in the primary key
(300 to 550 buffers) to read rows the capped part had just read: by their addresses (a TID scan) a
full group's query is 7-9% faster at a million leads (quotations 0.99 to 0.90 ms, orders 0.74 to
0.68 ms).

The capped parts are asked of the trigram indexes (``_index_driven``): left to itself, the planner
walked the company's rows until 101 matched whenever it expected many matches, pricing the
search document's test far below its cost (the opportunities' "eber" at a million leads: 6,300
rows, 18 ms; by the index 1.7 ms). What stays is the index's own cost, the same at both sizes
since it reads every company's matches: "eber" is 18,254 lead and 20,827 contact entries, 3-9 ms
each on a quiet machine (``bench/results/2026-12-03-global-search-index-driven-explain-*.txt``).
What grows is after the index (2026-12-04, in the page's transaction): at ten thousand leads the
planner ANDs the trigram bitmap with the company's index, leaving a few hundred entries; at a
million the company is most of the table, so the bitmap keeps the company's every match and
sorting its pages before the first row costs 1.2-1.3 ms each for leads and contacts (2.3-2.5 ms
of index scan at both sizes); and the other groups fill their cap of 101 rows where the small
company's found 2 to 34. Both come with the set of rows the page shows (the first 101 matches
in the table's order): an index scan that stops early (GiST) would pick other rows.

Plans before and after, EXPLAIN ANALYZE at the quick benchmark's 100,000 leads:
``bench/results/2026-12-03-quick-global-search-explain-{before,after}.txt``; the opportunities'
stored names at a million: ``bench/results/2026-12-03-global-search-lead-names-explain-*.txt``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from urllib.parse import urlencode

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Count, ExpressionWrapper, F, Func, OuterRef, Q, Subquery, Window
from django.urls import reverse

from crm.access import viewable_rows
from crm.ui.search import document_alias, holds, matching, phone_term

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

MIN_LENGTH = 3
COUNT_CAP = 100
# A search box is not a place for an essay: more terms or characters only cost the database.
MAX_TERMS = 6
MAX_LENGTH = 100
# The annotation on each row ``_shown`` returns: how many rows the search found in all.
FOUND = "search_found"


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
    """The words of a search, or none while no word has ``MIN_LENGTH`` characters.

    The trigram indexes serve a word of three characters or more; a search made only of
    shorter words would read every row of the company (seconds at a million leads) for each
    keystroke. A short word beside a longer one is fine: the longer one leads ("li wei").
    """
    words = (query or "").strip()[:MAX_LENGTH].split()[:MAX_TERMS]
    if not any(len(word) >= MIN_LENGTH for word in words):
        return []
    return words


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
    for term in terms:
        parts = [
            base.alias(**document_alias(base.model, fields)).filter(holds(base.model, term, fields))
        ]
        for path in related:
            target = _related_model(base.model, path)
            matches = (
                target._default_manager.filter(company=company)
                .alias(**document_alias(target))
                .filter(holds(target, term))
                .values("pk")
            )
            parts.append(base.filter(**{f"{path}__in": matches}))
        ids = [part.order_by().values("pk") for part in parts]
        queryset = queryset.filter(pk__in=ids[0].union(*ids[1:], all=True))
    return queryset


def _capped_parts(kind: SearchKind, terms: Sequence[str], *, company, user, phone: str = ""):
    """Querysets of the kind's viewable rows whose union is exactly ``_matches``, each one
    answered by an index without reading the other parts' matches (see the module's docstring).
    """
    queryset = viewable_rows(kind.model._default_manager.filter(company=company), user, company)
    fields = getattr(kind.filterset, "search_fields", None)
    related = getattr(kind.filterset, "search_related", ())
    if not related:
        return [matching(queryset, terms, fields=fields, company=company, phone=phone)]
    parts = []
    for words in ([*terms], [phone]) if phone else ([*terms],):
        if len(words) == 1:
            parts.extend(
                _one_word_parts(queryset, words[0], fields=fields, related=related, company=company)
            )
        elif all("__" not in path for path in related):
            parts.extend(
                _driven_parts(queryset, words, fields=fields, related=related, company=company)
            )
        else:
            parts.append(
                _matching_through_union(
                    queryset, words, fields=fields, related=related, company=company
                )
            )
    return parts


def _driven_parts(queryset, terms: Sequence[str], *, fields, related: Sequence[str], company):
    """Several words, each related path one foreign key: the longest word (the likeliest to be
    rare) picks the rows as ``_one_word_parts`` does, and every other word is checked on each of
    them, in the row's own document or, through a look-up of its related row by key, in that
    row's. A row matching every word is found by one of the longest word's parts, so the parts'
    union is exactly ``_matches``; none reads every match of a common word."""
    driving = max(terms, key=len)
    rest = list(terms)
    rest.remove(driving)

    model = queryset.model

    def found(term: str) -> Q:
        condition = holds(model, term, fields)
        for path in related:
            target = _related_model(model, path)
            # A scalar subquery, not EXISTS: PostgreSQL may turn an EXISTS into a hash of every
            # related row matching the word, which a common word makes most of the company.
            held = ExpressionWrapper(holds(target, term), output_field=models.BooleanField())
            condition |= Q(
                Subquery(
                    target._default_manager.filter(company=company, pk=OuterRef(path))
                    .alias(**document_alias(target))
                    .annotate(holds=held)
                    .values("holds")[:1],
                    output_field=models.BooleanField(),
                )
            )
        return condition

    return [
        part.alias(**document_alias(model, fields)).filter(*[found(term) for term in rest])
        for part in _one_word_parts(
            queryset, driving, fields=fields, related=related, company=company
        )
    ]


def _one_word_parts(queryset, term: str, *, fields, related: Sequence[str], company):
    """The rows whose own document holds ``term``, then per related path the rows whose related
    row's document does."""
    model = queryset.model
    parts = [queryset.alias(**document_alias(model, fields)).filter(holds(model, term, fields))]
    parts.extend(_related_part(queryset, path, term, company=company) for path in related)
    return parts


def _related_part(queryset, path: str, term: str, *, company):
    """The rows of ``queryset`` whose related row at ``path`` holds ``term``: the same rows as
    ``queryset.filter(path__in=matches)``.

    A path of several hops (``opportunity__customer_link__customer``) is asked hop by hop, each
    a key look-up in the next (``opportunity_id IN (SELECT opportunity_id FROM customer link
    WHERE customer_id IN (matching customers))``), without joining the tables in between: joined,
    PostgreSQL merged the whole link table with every customer of the company, read by key and
    each checked against the term (81 ms at a million leads for a term no quotation matched).
    """
    hops = path.split("__")
    chain = [queryset.model]
    for name in hops:
        chain.append(chain[-1]._meta.get_field(name).related_model)
    target = chain[-1]
    rows = (
        target._default_manager.filter(company=company)
        .alias(**document_alias(target))
        .filter(holds(target, term))
    )
    # Back from the matching rows to the kind, one hop at a time: ``keys`` are the keys of the
    # rows of ``chain[depth]`` reached so far, ``rows`` those rows when they were asked for.
    keys = rows.values("pk")
    for depth in range(len(hops), 0, -1):
        owner, name = chain[depth - 1], hops[depth - 1]
        field = owner._meta.get_field(name)
        if field.concrete:  # a foreign key on ``owner``: its rows pointing at these keys
            if depth == 1:
                return queryset.filter(**{f"{name}__in": keys})
            rows = owner._default_manager.filter(company=company, **{f"{name}__in": keys})
            keys = rows.values("pk")
        else:  # a reverse relation: these rows point at ``owner`` by their foreign key
            if rows is None:
                rows = chain[depth]._default_manager.filter(company=company, pk__in=keys)
            keys = rows.values(field.field.name)
            if depth == 1:
                return queryset.filter(pk__in=keys)
            rows = None
    raise AssertionError("unreachable: a path has at least one hop")


def _shown(
    kind: SearchKind, terms: Sequence[str], *, company, user, phone: str = "", rows: int = 0
):
    """The first ``rows`` (else ``COUNT_CAP + 1``) of ``_matches`` in the kind's order, each
    carrying ``FOUND``: how many the capped parts found in all (``COUNT(*) OVER ()``, in the same
    query), at least ``COUNT_CAP + 1`` when there are more. Each part is capped before the order
    (see the module's docstring); only the rows shown are fetched and built."""
    cap = COUNT_CAP + 1
    parts = [
        _capped_rows(part, cap)
        for part in _capped_parts(kind, terms, company=company, user=user, phone=phone)
    ]
    queryset = viewable_rows(kind.model._default_manager.filter(company=company), user, company)
    # One ``pk IN (capped part)`` per part, ORed: each a look-up of at most ``cap`` keys (a
    # compound query of capped parts is not allowed on SQLite, and nests too deep for its parser).
    queryset = queryset.filter(reduce(or_, [_among(part) for part in parts]))
    looked_up = _looked_up_after_the_order(kind)
    joined = [path for path in kind.select_related if path not in looked_up]
    if joined:
        queryset = queryset.select_related(*joined)
    if kind.only:
        own = [name for name in kind.only if name.split("__", 1)[0] not in looked_up]
        queryset = queryset.only(*own, *looked_up)
    columns = {
        f"search_{path}_{name}": Subquery(
            kind.model._meta.get_field(path)
            .related_model._default_manager.filter(pk=OuterRef(path))
            .order_by()
            .values(name)[:1]
        )
        for path, names in looked_up.items()
        for name in names
    }
    queryset = queryset.annotate(**columns, **{FOUND: Window(Count("*"))})
    found = list(queryset.order_by(*kind.ordering)[: rows or cap])
    for obj in found:
        for path, names in looked_up.items():
            _attach(obj, path, {name: getattr(obj, f"search_{path}_{name}") for name in names})
    return found


def _looked_up_after_the_order(kind: SearchKind) -> dict[str, list[str]]:
    """The kind's related rows (one foreign key away) whose columns ``only`` names, and those
    columns: asked as a subquery per column, which PostgreSQL evaluates after the order and the
    limit, for the rows shown only (``_attach`` then sets the related rows, as ``select_related``
    would). Joined, every capped row's related rows were looked up before the sort: at a million
    leads the quotations' customer and opportunity for 101 rows, the group's query 0.92 ms, 0.57
    ms by subqueries; the orders' 0.68 ms, 0.44 (medians of 80 runs each)."""
    looked_up: dict[str, list[str]] = {}
    for path in kind.select_related:
        names = [name.split("__", 1)[1] for name in kind.only if name.startswith(f"{path}__")]
        if "__" not in path and names and all("__" not in name for name in names):
            looked_up[path] = names
    return looked_up


def _attach(obj, path: str, values: dict) -> None:
    """``obj``'s related row at ``path`` as ``select_related`` would have set it: only the key
    and ``values``' columns loaded, or None when ``obj`` points at none."""
    field = obj._meta.get_field(path)
    key = getattr(obj, field.attname)
    related = None
    if key is not None:
        model = field.related_model
        loaded = {model._meta.pk.attname: key, **values}
        attnames = [f.attname for f in model._meta.concrete_fields if f.attname in loaded]
        related = model.from_db(obj._state.db, attnames, [loaded[name] for name in attnames])
    field.set_cached_value(obj, related)


def _capped_rows(part, cap: int):
    """The first ``cap`` rows of ``part`` as ``_among`` asks for them: on PostgreSQL their
    addresses in the table (``ctid``), elsewhere their keys."""
    if connection.vendor != "postgresql":
        return part.order_by().values("pk")[:cap]
    return part.order_by().values(row_address=_RowAddress(F("pk")))[:cap]


def _among(candidates) -> Q:
    """The rows ``candidates`` (``_capped_rows``) names: ``pk IN (candidates)``; on PostgreSQL
    ``ctid = ANY(ARRAY(candidates))``, which it answers by reading those rows where the capped
    part found them (a TID scan), without looking each key up in the primary key. Given ``IN``,
    its planner may instead hash the candidates and scan every row of the company's kind against
    them, underestimating how few they are once the union of the capped parts hides the caps.
    The addresses are read and used in one statement, under one snapshot: each names the version
    of its row that the statement sees, and the outer query still asks for the company and the
    rows the user may view."""
    if connection.vendor != "postgresql":
        return Q(pk__in=candidates)
    return Q(_KeyAmong(_RowAddress(F("pk")), Subquery(candidates)))


class _KeyAmong(Func):
    """``key = ANY(ARRAY(subquery))`` (PostgreSQL)."""

    arg_joiner = " = ANY(ARRAY"
    template = "%(expressions)s)"
    output_field = models.BooleanField()


class _RowAddress(Func):
    """The row's ``ctid`` (PostgreSQL): the table its key ``expression`` (``F("pk")``) is read
    from, its system column instead of the key's."""

    output_field = models.TextField()

    def as_sql(self, compiler, connection, **extra_context):
        (key,) = self.get_source_expressions()
        sql, params = compiler.compile(key)
        table, _column = sql.rsplit(".", 1)
        return f"{table}.ctid", params


@contextmanager
def _index_driven() -> Iterator[None]:
    """On PostgreSQL, the search's queries read the trigram indexes (bitmap scans), never a walk
    of the company's rows: ``enable_seqscan`` and ``enable_indexscan`` off for this transaction.

    Given ``LIMIT 101``, the planner walks the company's rows (a sequential scan, or its company
    index) until 101 match, as long as it expects a fifth of the matches or more among them:
    it prices each row's test at a few operators, where the search document (a dozen
    ``COALESCE``, ``UPPER``, ``LIKE``) costs a microsecond or two. For the opportunities'
    "eber" at a million leads it read 6,300 rows (18 ms) where the trigram index answers with
    3,602 entries and 101 rows (1.7 ms); at ten thousand leads it read the company's 2,000 (3-7
    ms, 1.4 ms by the index). Only plain index scans are off: the kinds' foreign keys and the
    capped keys (``_among``) are still looked up in their indexes, as bitmap scans. One query
    more per search; on SQLite, nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('enable_seqscan', 'off', true),"
                " set_config('enable_indexscan', 'off', true)"
            )
        yield


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
    shown = min(per_group, COUNT_CAP)
    with _index_driven():
        found_by_kind = [
            (kind, list(_shown(kind, terms, company=company, user=user, phone=phone, rows=shown)))
            for kind in search_kinds()
        ]
    for kind, found in found_by_kind:
        if not found:
            continue
        rows = [
            {
                "title": str(obj),
                "detail": kind.describe(obj) if kind.describe else "",
                "url": obj.get_absolute_url(),
            }
            for obj in found
        ]
        groups.append(
            SearchGroup(
                kind=kind,
                rows=rows,
                found=min(getattr(found[0], FOUND), COUNT_CAP + 1),
                list_url=kind.list_url(" ".join(terms)),
            )
        )
    return groups
