"""The company's small reference lists (sources, stages, lost reasons, salespeople, partners,
customer types and groups, products), cached for the selects that show them on every page.

A list page shows three to five such selects in its filters and its bulk-action bar; reading each
from the database costs a query (on PostgreSQL three: Django iterates choices through a
server-side cursor) on every page view, more than the page's own rows. They change rarely, so
each select's options are cached per company under ``Company.lists_version``:

- any save or delete of a registered model bumps its company's version (one UPDATE), so the next
  request reads the new version with its membership (no extra query) and misses the old entries;
- entries are keyed by the version and by the select's own query (its filters, joins and order),
  so two selects over the same model with different filters never share options. The key is
  read from the query's structure (``query_key``), not from its compiled SQL: compiling cost
  about 0.5 ms a select, a list page's filters and bulk bar paid it five to seven times.

The version lives in the database, not only in the cache, so it is right whatever the cache
backend: with a per-process memory cache, every worker still sees the bump. Validation of a
submitted choice still reads the database (``ModelChoiceField.to_python``), so a stale option
could at worst be offered, never accepted.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import uuid

from django import forms
from django.core.cache import cache
from django.db import models
from django.db.models import F
from django.db.models.expressions import Col
from django.db.models.lookups import Lookup
from django.db.models.signals import post_delete, post_save
from django.db.models.sql.datastructures import BaseTable, Join
from django.db.models.sql.where import NothingNode, WhereNode
from django.forms.models import ModelChoiceIterator
from django_scopes import get_scope

from crm.models import Company

CACHE_SECONDS = 60 * 60

_reference_models: set[type] = set()


def register_reference_list(*models) -> None:
    """Cache the selects over these models (pass polymorphic subtypes too: signals are sent by
    the concrete class)."""
    for model in models:
        if model in _reference_models:
            continue
        _reference_models.add(model)
        uid = f"crm_reference_list_{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}_save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}_delete")


def bump_lists_version_on_write(*models) -> None:
    """Bump the company's lists version on any save or delete of these models, for what is
    cached under it without being a select over them (the people a task may be assigned to are
    users, listed through their memberships)."""
    for model in models:
        uid = f"crm_lists_version_{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}_save")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}_delete")


def is_reference_list(model) -> bool:
    return model in _reference_models


def bump_lists_version(company_id: int) -> None:
    Company.objects.filter(pk=company_id).update(lists_version=F("lists_version") + 1)


def lists_cache_key(company: Company) -> str:
    """The part of a cache key that changes with the company's lists version."""
    # The creation time tells apart two companies that got the same id (a test database
    # rolled back, a restored dump).
    born = int(company.created_at.timestamp() * 1_000_000) if company.created_at else 0
    return f"{company.pk}:{born}:{company.lists_version}"


def _changed(sender, instance, **kwargs) -> None:
    company_id = getattr(instance, "company_id", None)
    if company_id is not None:
        bump_lists_version(company_id)


def _active_company() -> Company | None:
    company = get_scope().get("company")
    return company if isinstance(company, Company) else None


class _NoKey(Exception):
    """A query part ``query_key`` does not know: the compiled SQL keys it instead."""


_PLAIN_VALUES = (
    str,
    int,
    float,
    bool,
    decimal.Decimal,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    uuid.UUID,
    type(None),
)


def _value_key(value) -> str:
    if isinstance(value, Col):
        return f"col({value.alias}.{value.target.column})"
    if isinstance(value, models.Model):
        return f"row({value._meta.label_lower}:{value.pk!r})"
    if isinstance(value, _PLAIN_VALUES):
        return f"{type(value).__name__}({value!r})"
    if isinstance(value, list | tuple | set | frozenset):
        items = [_value_key(item) for item in value]
        if isinstance(value, set | frozenset):
            items.sort()
        return f"{type(value).__name__}[{','.join(items)}]"
    raise _NoKey


def _where_key(node) -> str:
    if isinstance(node, WhereNode):
        children = ",".join(_where_key(child) for child in node.children)
        return f"{'NOT ' if node.negated else ''}{node.connector}({children})"
    if isinstance(node, NothingNode):
        return "nothing"
    if isinstance(node, Lookup) and isinstance(node.lhs, Col):
        return f"{_value_key(node.lhs)} {type(node).__qualname__} {_value_key(node.rhs)}"
    raise _NoKey


def _join_key(alias: str, join) -> str:
    if isinstance(join, BaseTable):
        return f"{alias}={join.table_name}"
    if isinstance(join, Join) and join.filtered_relation is None:
        field = join.join_field
        return (
            f"{alias}={join.table_name}<{join.parent_alias}:{join.join_type}:"
            f"{field.model._meta.label_lower}.{field.name}:{join.join_cols!r}"
        )
    raise _NoKey


def query_key(queryset: models.QuerySet) -> str:
    """What decides a plain queryset's rows and their order, read from its structure: the
    model, the joins, the conditions with their values, the order and the slice. A query with
    anything else (annotations, extra SQL, a combination, an expression it does not know) gets
    its compiled SQL and parameters instead."""
    query = queryset.query
    try:
        if query.annotations or query.extra or query.extra_tables or query.combinator:
            raise _NoKey
        parts = [
            queryset.model._meta.label_lower,
            # django-polymorphic: whether rows come back as their subtypes.
            repr(getattr(queryset, "polymorphic_disabled", None)),
            ";".join(_join_key(alias, join) for alias, join in query.alias_map.items()),
            _where_key(query.where),
            repr((query.order_by, query.extra_order_by)),
            repr((query.default_ordering, query.standard_ordering)),
            repr((query.distinct, query.distinct_fields, query.low_mark, query.high_mark)),
        ]
        if not all(isinstance(term, str) for term in query.order_by):
            raise _NoKey
    except _NoKey:
        sql, params = query.sql_with_params()
        parts = ["sql", sql, repr(params)]
    return "|".join(parts)


class CachedChoiceIterator(ModelChoiceIterator):
    """Options from the cache when the request has a company scope, from the database else."""

    def _options(self) -> list[tuple[object, str]]:
        if not hasattr(self, "_memo"):
            self._memo = self._read()
        return self._memo

    def cache_key(self) -> str | None:
        """Where the options are cached (it names the company's lists version and the select's
        query), or None outside a company scope, where they are read from the database."""
        if not hasattr(self, "_key"):
            field = self.field
            company = _active_company()
            if company is None:
                self._key = None
            else:
                label = f"{type(field).__module__}.{type(field).__qualname__}:{field.to_field_name}"
                digest = hashlib.sha256(f"{label}|{query_key(self.queryset)}".encode()).hexdigest()[
                    :32
                ]
                self._key = f"choices:{lists_cache_key(company)}:{digest}"
        return self._key

    def _read(self) -> list[tuple[object, str]]:
        field = self.field
        key = self.cache_key()
        if key is None:
            return [
                (field.prepare_value(obj), field.label_from_instance(obj)) for obj in self.queryset
            ]
        options = cache.get(key)
        if options is None:
            options = [
                (field.prepare_value(obj), field.label_from_instance(obj)) for obj in self.queryset
            ]
            cache.set(key, options, CACHE_SECONDS)
        return options

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self._options()

    def __len__(self):
        return len(self._options()) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self._options())


def use_cached_choices(form: forms.BaseForm) -> None:
    """Serve the form's selects over registered reference lists from the cache."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and not isinstance(
            field, forms.ModelMultipleChoiceField
        ):
            queryset = field.queryset
            if queryset is not None and is_reference_list(queryset.model):
                field.iterator = CachedChoiceIterator
                # The widget holds the choices it was given at construction; point it at ours.
                field.widget.choices = field.choices
