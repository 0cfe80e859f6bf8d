"""Search that an index can answer, on a million rows.

A list's search box matches a fragment anywhere in several text columns ("schm" finds Schmidt,
Schmitz GmbH and anna.schmidt@example.com). ``first_name ILIKE '%schm%' OR last_name ILIKE …``
cannot use a b-tree index, so PostgreSQL would read the whole table for every search.

Instead each searchable model has one *search document*: its search columns joined by spaces.
Every term of the search must occur in the document. On PostgreSQL a trigram GIN index over
``(company_id, UPPER(document))`` (pg_trgm and btree_gin) answers ``UPPER(document) LIKE
'%TERM%'`` for one company without reading the table; on SQLite the same query simply scans.
A model may store its uppercased document in a generated column (``stored_search_text``, named
by its ``search_column``: the leads' ``search_text``); its index and its searches then use the
column instead of the expression.
Terms never contain spaces, so joining the columns with a space matches exactly what the separate
``column ILIKE`` conditions matched, no more.

Searching related rows (an opportunity by its lead's name) asks the related model's own indexed
document, as ``lead_id IN (SELECT id FROM leads_lead WHERE …)``, instead of joining and matching
column by column.

The index is created by the ``AddSearchIndex`` migration operation, from the field list frozen in
the migration; ``tests/crm/test_search_indexes.py`` checks that every model's ``search_fields``
still has the index its queries need.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import reduce
from operator import and_

import phonenumbers
from django.db import models
from django.db.migrations.operations.base import Operation
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Upper

from crm.phones import parse_phone

SEARCH_ANNOTATION = "search_document"

# A search made only of what people type in a phone number: digits, spaces, "+", "-", ".", "/"
# and parentheses.
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")
_MIN_PHONE_DIGITS = 6


def phone_term(text: str, *, region: str = "") -> str:
    """What a search that reads as a phone number looks like in a stored (E.164) column, or ""
    when it reads as none or would be searched as typed anyway.

    Numbers are stored as "+622155501234", while people type them as they dial them: "021 5550
    1234", "(021) 5550-1234", "+62 21 5550 1234". A whole number is read in ``region`` (the
    company's dialing region) into E.164; a fragment ("021 5550") loses its separators and its
    trunk prefix ("0") for the region's country code, so it still matches the stored start.
    """
    text = (text or "").strip()
    if not _PHONE_LIKE.match(text):
        return ""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) < _MIN_PHONE_DIGITS:
        return ""
    number = parse_phone(text, region=region)
    if number is not None:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if text.startswith("+") or text.startswith("00"):
        term = "+" + (digits[2:] if text.startswith("00") else digits)
    else:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region) if region else None
        prefix = metadata.national_prefix if metadata is not None else None
        if prefix and digits.startswith(prefix):
            term = f"+{metadata.country_code}{digits[len(prefix) :]}"
        else:
            term = digits
    return "" if term == text else term


def search_document(fields: Sequence[str]):
    """The columns joined by single spaces, as one text expression (a lone column as itself).

    The SQL is ``_concatenated``'s, the trigram indexes' own expression, written out directly
    (``_Document``)."""
    if len(fields) == 1:
        return F(fields[0])
    return _Document(*fields)


def _concatenated(fields: Sequence[str]):
    """The document as Django's ``Concat`` builds it: what the indexes are made of."""
    parts = []
    for field in fields:
        if parts:
            parts.append(Value(" "))
        parts.append(F(field) if isinstance(field, str) else field)
    return Concat(*parts, output_field=models.TextField())


class _Document(models.Expression):
    """``_concatenated(fields)``, compiled to the same SQL without its tree of ``ConcatPair``,
    ``Coalesce`` and ``Value`` expressions: each of those is copied, resolved and compiled on
    every query, a dozen per document, about half the Python the global search spent building
    its seven queries (``bench/search.py --profile``). The SQL must stay the same text, or the
    trigram indexes would no longer answer: ``tests/crm/test_search_indexes.py`` compares them.
    Columns that are not text (PostgreSQL casts them) and other databases take ``Concat``."""

    def __init__(self, *fields, output_field=None):
        super().__init__(output_field=output_field or models.TextField())
        self.columns = [F(field) if isinstance(field, str) else field for field in fields]

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def as_sql(self, compiler, connection):
        text = all(
            isinstance(column.output_field, (models.CharField, models.TextField))
            for column in self.columns
        )
        if connection.vendor not in ("postgresql", "sqlite") or not text:
            concatenated = _concatenated(self.columns).resolve_expression(compiler.query)
            return compiler.compile(concatenated)
        # Concat pairs from the right: (COALESCE(a, '') || COALESCE((COALESCE(' ', '') || …), ''))
        parts = []
        for column in self.columns:
            if parts:
                parts.append(("%s", [" "]))
            sql, params = compiler.compile(column)
            parts.append((sql, list(params)))
        sql, params = parts[-1]
        for left_sql, left_params in reversed(parts[:-1]):
            sql = f"(COALESCE({left_sql}, %s) || COALESCE({sql}, %s))"
            params = [*left_params, "", *params, ""]
        return sql, params


class ContainsUppercased(models.lookups.Contains):
    """``column LIKE UPPER('%term%')``: the term, uppercased by the database, anywhere in a
    column that holds its text uppercased already (``stored_search_text``). The database
    uppercases both, so they agree where Python would not ("ß")."""

    lookup_name = "contains_uppercased"

    def get_rhs_op(self, connection, rhs):
        return connection.operators["contains"] % f"UPPER({rhs})"


models.TextField.register_lookup(ContainsUppercased)


def stored_search_text(fields: Sequence[str]) -> models.GeneratedField:
    """A column the database keeps equal to the uppercased search document of ``fields``.

    Matching a term against the document as an expression works the document out and
    uppercases it for every row a search reads: at a million leads the "Mine" list's search
    read about 2,300 rows for its 51, and doing so took its query from 1.9 to 5.6 ms
    (``EXPLAIN ANALYZE``). Stored, the text is worked out once per write, and the trigram index
    is built over the column. A model that has one names it in ``search_column``."""
    return models.GeneratedField(
        expression=Upper(_concatenated(fields)),
        output_field=models.TextField(),
        db_persist=True,
        editable=False,
        verbose_name="search text",
    )


def _stored_column(model, fields: Sequence[str] | None) -> str | None:
    """The model's stored search text when it is the document of ``fields`` (its own
    ``search_fields`` when not given)."""
    column = getattr(model, "search_column", None)
    if column and (not fields or tuple(fields) == searchable_fields(model)):
        return column
    return None


def document_alias(model, fields: Sequence[str] | None = None) -> dict:
    """What ``queryset.alias(**…)`` needs for ``holds`` to ask the rows' document of
    ``fields`` (the model's ``search_fields`` by default): nothing where the model stores it."""
    if _stored_column(model, fields):
        return {}
    return {
        SEARCH_ANNOTATION: search_document(tuple(fields) if fields else searchable_fields(model))
    }


def holds(model, term: str, fields: Sequence[str] | None = None) -> Q:
    """The row's document (as ``document_alias`` gives it) holds ``term``, in any case."""
    column = _stored_column(model, fields)
    if column:
        return Q(**{f"{column}__{ContainsUppercased.lookup_name}": term})
    return Q(**{f"{SEARCH_ANNOTATION}__icontains": term})


def searchable_fields(model) -> tuple[str, ...]:
    fields = getattr(model, "search_fields", ())
    if not fields:
        raise TypeError(f"{model.__name__} declares no search_fields")
    return tuple(fields)


def matching(
    queryset,
    terms: Sequence[str],
    *,
    fields: Sequence[str] | None = None,
    related: Sequence[str] = (),
    company=None,
    phone: str = "",
):
    """Rows of ``queryset`` where every term (case-insensitively) occurs in the row's document,
    or in the document of one of its ``related`` rows; given ``phone`` (``phone_term``), also
    the rows whose document holds that number.

    ``fields`` default to the model's ``search_fields`` (the ones its index covers); ``related``
    are relation paths from the queryset's model (``"lead"``,
    ``"opportunity__customer_link__customer"``) to models that declare ``search_fields``;
    ``company`` narrows their subqueries to the company's rows, which their index leads with.
    """
    terms = [term for term in terms if term]
    if not terms:
        return queryset
    model = queryset.model
    queryset = queryset.alias(**document_alias(model, fields))
    targets = [(path, _model_at(model, path)) for path in related]

    def found(term: str) -> Q:
        condition = holds(model, term, fields)
        for path, target in targets:
            candidates = target._default_manager.all()
            if company is not None:
                candidates = candidates.filter(company=company)
            matches = (
                candidates.alias(**document_alias(target)).filter(holds(target, term)).values("pk")
            )
            condition |= Q(**{f"{path}__in": matches})
        return condition

    condition = reduce(and_, [found(term) for term in terms])
    if phone:
        condition |= found(phone)
    return queryset.filter(condition)


def _model_at(model, path: str):
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model


def _index_document(fields: Sequence[str]):
    return F(fields[0]) if len(fields) == 1 else _concatenated(fields)


def search_index(model_fields: Sequence[str], name: str, *, stored: bool = False):
    """The GIN index ``matching`` needs: one company's rows by a fragment of the document, or,
    ``stored``, of the one column that holds it uppercased (``stored_search_text``)."""
    from django.contrib.postgres.indexes import GinIndex, OpClass

    document = F(model_fields[0]) if stored else Upper(_index_document(model_fields))
    return GinIndex("company", OpClass(document, name="gin_trgm_ops"), name=name)


class AddSearchIndex(Operation):
    """Creates a model's trigram search index on PostgreSQL and does nothing elsewhere.

    The index stays out of the migration state on purpose: SQLite cannot hold it, and the model
    state must be the same on both databases. ``fields`` are frozen here, in the migration.
    """

    reversible = True
    reduces_to_sql = False

    def __init__(self, model_name: str, fields: Sequence[str], name: str, stored: bool = False):
        self.model_name = model_name
        self.fields = tuple(fields)
        self.name = name
        # ``fields`` is the one column that stores the document uppercased.
        self.stored = stored

    def deconstruct(self):
        kwargs = {"model_name": self.model_name, "fields": self.fields, "name": self.name}
        if self.stored:
            kwargs["stored"] = True
        return (self.__class__.__qualname__, [], kwargs)

    def _index(self):
        return search_index(self.fields, self.name, stored=self.stored)

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        # Both are "trusted" extensions: a database owner may create them without superuser.
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        model = to_state.apps.get_model(app_label, self.model_name)
        schema_editor.add_index(model, self._index())

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = from_state.apps.get_model(app_label, self.model_name)
        schema_editor.remove_index(model, self._index())

    def describe(self):
        return f"Create the trigram search index {self.name} on PostgreSQL"

    @property
    def migration_name_fragment(self):
        return f"search_{self.name}"


class RemoveSearchIndex(AddSearchIndex):
    """Drops a trigram search index that ``AddSearchIndex`` created (``fields`` as frozen there,
    to put it back when reversed)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        super().database_backwards(app_label, schema_editor, to_state, from_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        super().database_forwards(app_label, schema_editor, to_state, from_state)

    def describe(self):
        return f"Drop the trigram search index {self.name} on PostgreSQL"

    @property
    def migration_name_fragment(self):
        return f"drop_search_{self.name}"
