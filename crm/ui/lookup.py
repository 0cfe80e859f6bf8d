"""Choosing one row of a table that grows with the business (customers, addresses, contacts)
without sending the whole table to the browser.

- ``Lookup`` describes how one model is searched: the list page's own search (its FilterSet's
  ``q``), the order of the matches, how a match is labelled, and the lookup endpoint's URL name.
- ``LookupField`` is a ``ModelChoiceField`` whose select holds only the empty option and the
  chosen row, with a search box beside it. It validates like a ModelChoiceField against the
  company's queryset, so another company's id is "not one of the available choices".
- ``LookupView`` is the endpoint behind the search box (one URL per model, in the model's app):
  at most ``LIMIT`` matches of the active company's rows, as ``<option>`` elements.
- ``LookupFilter`` is the same field in a django-filter FilterSet.

With JavaScript, typing in the box asks the endpoint (htmx) and the matches fill the select.
Without it, the box is submitted with the form: if no row was picked among the matches of the
typed text, the field searches itself, takes a single match, or answers with an error and
offers the matches (at most ``LIMIT``, and says so when there are more) in the select.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View

from crm.access import viewable_rows

# Matches shown at once: enough to pick from, few enough to read; more means "type more".
LIMIT = 20


@dataclass(frozen=True)
class Found:
    """The first matches of a search, and whether there were more than those."""

    text: str
    rows: list
    more: bool

    @property
    def message(self) -> str:
        """What the list of matches says about itself (also announced to screen readers)."""
        if not self.text:
            return ""
        if self.more:
            return str(
                _("More than %(limit)d matches: type more letters.") % {"limit": len(self.rows)}
            )
        if not self.rows:
            return str(_("Nothing matches “%(text)s”.") % {"text": self.text})
        count = len(self.rows)
        return ngettext("%(count)d match", "%(count)d matches", count) % {"count": count}


@dataclass(frozen=True, eq=False)
class Lookup:
    """How one model's rows are found by what a person types."""

    model: type[models.Model]
    # The endpoint (``app:name``) and the list page whose search it shares.
    url_name: str
    list_url_name: str
    # The list page's FilterSet: its ``q`` filter is the search, so both search the same fields
    # the same way.
    filterset_class: type[django_filters.FilterSet]
    ordering: tuple[str, ...]
    # The search box's hint: what can be typed.
    search_hint: Promise | str
    # How a match is shown (enough to tell two rows with the same name apart).
    describe: Callable[[Any], str] = str
    # Columns the endpoint loads (``describe`` must need no others); empty loads every column.
    columns: tuple[str, ...] = ()
    # Named narrowings a field may ask for (``only="active"``); the endpoint accepts these
    # names and no other filter.
    narrowings: Mapping[str, Callable[[models.QuerySet], models.QuerySet]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    limit: int = LIMIT

    def company_rows(self, company, only: str | None = None, *, user=None) -> models.QuerySet:
        """The company's rows (given ``user``: those the user may view) after ``only``."""
        rows = viewable_rows(self.model.objects.filter(company=company), user, company)
        return self.narrow(rows, only)

    def narrow(self, queryset: models.QuerySet, only: str | None) -> models.QuerySet:
        if only is None:
            return queryset
        return self.narrowings[only](queryset)

    def matching(self, queryset: models.QuerySet, text: str) -> models.QuerySet:
        """``queryset``'s rows that the list page's search would show for ``text``."""
        return self.filterset_class(data={"q": text}, queryset=queryset).qs

    def find(self, queryset: models.QuerySet, text: str, *, lean: bool = False) -> Found:
        """The first ``limit`` matches in order, in one query (one row more says "more")."""
        text = text.strip()
        if not text:
            return Found(text="", rows=[], more=False)
        matches = self.matching(queryset, text).order_by(*self.ordering)
        if lean and self.columns:
            matches = matches.only(*self.columns)
        rows = list(matches[: self.limit + 1])
        return Found(text=text, rows=rows[: self.limit], more=len(rows) > self.limit)

    def options(self, found: Found) -> list[tuple[str, str]]:
        return [(str(row.pk), self.describe(row)) for row in found.rows]


class LookupValue(str):
    """What the browser sent for a lookup field: the chosen id (the string itself, so everything
    that expects a ModelChoiceField's value keeps working) and the text in the search box."""

    text: str

    def __new__(cls, pk, text=""):
        value = super().__new__(cls, "" if pk is None else pk)
        value.text = (text or "").strip()
        return value


class LookupSelect(forms.Select):
    """A select holding the empty option and the chosen row only, and a search box.

    Never iterates its choices: rendering costs at most one query (the chosen row's label) and
    none after the field was cleaned.
    """

    template_name = "crm/widgets/lookup.html"
    field: LookupField | None = None  # set by the field, which knows the queryset and state

    @staticmethod
    def search_name(name: str) -> str:
        return f"{name}_search"

    def value_from_datadict(self, data, files, name):
        return LookupValue(data.get(name), data.get(self.search_name(name)))

    def value_omitted_from_data(self, data, files, name):
        return name not in data and self.search_name(name) not in data

    def use_required_attribute(self, initial) -> bool:
        # An empty select must be submittable: without JavaScript the typed text is the search.
        return False

    def id_for_label(self, id_):
        # The field's label names the search box, where a person starts.
        return f"{id_}_search" if id_ else id_

    def get_context(self, name, value, attrs):
        # Widget's context, not ChoiceWidget's: that one would list every choice.
        context = forms.Widget.get_context(self, name, value, attrs)
        field_ = self.field
        lookup = field_.lookup
        select_attrs = context["widget"]["attrs"]
        select_id = select_attrs.get("id") or f"id_{name}"
        select_attrs["id"] = select_id
        select_attrs["class"] = " ".join(filter(None, (select_attrs.get("class"), "lookup-select")))
        status_id = f"{select_id}_status"
        described_by = " ".join(
            part for part in (select_attrs.get("aria-describedby"), status_id) if part
        )
        found = field_.found
        search_url = reverse(lookup.url_name)
        params = {"field": self.search_name(name)}
        if field_.only:
            params["only"] = field_.only
        context["widget"].update(
            {
                "search": {
                    "name": self.search_name(name),
                    "id": self.id_for_label(select_id),
                    "value": getattr(value, "text", ""),
                    "url": f"{search_url}?{urlencode(params)}",
                    "hint": lookup.search_hint,
                    "described_by": described_by,
                    "invalid": select_attrs.get("aria-invalid"),
                    "disabled": select_attrs.get("disabled"),
                },
                "select_label": _("%(label)s: pick from the list")
                % {"label": field_.label or name},
                "empty_label": field_.empty_label,
                "chosen": field_.chosen_option(value),
                "status_id": status_id,
                "found": {
                    "message": found.message if found else "",
                    "options": lookup.options(found) if found else [],
                },
            }
        )
        return context


class LookupField(forms.ModelChoiceField):
    """Choose one of ``lookup``'s rows by typing; the queryset (the company's rows, set per
    request like any ModelChoiceField's) is what may be chosen, narrowed by ``only``."""

    widget = LookupSelect
    default_error_messages = {
        "no_match": _("Nothing matches “%(text)s”: check the spelling, or type less."),
        "choose": _("Several match “%(text)s”: pick one in the list, or type more letters."),
        "too_many": _(
            "More than %(limit)d match “%(text)s”: type more letters, or pick one of the first "
            "%(limit)d in the list."
        ),
    }

    def __init__(self, lookup: Lookup, *, only: str | None = None, queryset=None, **kwargs):
        if only is not None and only not in lookup.narrowings:
            raise ValueError(f"{lookup.model.__name__} lookups have no narrowing {only!r}")
        self.lookup = lookup
        self.only = only
        # What the last clean found (the matches of the typed text) or took; the widget shows it.
        self.found: Found | None = None
        self.chosen = None
        empty_label = kwargs.pop("empty_label", None) or _("Choose…")
        if queryset is None:
            queryset = lookup.model.objects.none()
        super().__init__(queryset, **kwargs)
        # Always an empty option (ModelChoiceField drops it for a required field with an
        # initial value): with only the chosen row in the select, it is the way to start over.
        self.empty_label = empty_label
        self.widget.field = self

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        if self._queryset is not None:
            result._queryset = self._queryset.all()  # narrowed already: not twice
        result.widget.field = result
        result.found = None
        result.chosen = None
        return result

    def _set_queryset(self, queryset):
        if queryset is not None:
            queryset = self.lookup.narrow(queryset, self.only)
        super()._set_queryset(queryset)

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def label_from_instance(self, obj) -> str:
        return self.lookup.describe(obj)

    def clean(self, value):
        self.found = None
        self.chosen = None
        text = getattr(value, "text", "")
        chosen = self._clean_search(value, text) if text else super().clean(value)
        self.chosen = chosen
        return chosen

    def _clean_search(self, value, text: str):
        """The text in the search box is a search, unless the id sent is one of its matches
        (picked from the list). Without JavaScript that is the second round; an id that does not
        match the text was chosen before the text was typed, so the text wins."""
        if value not in self.empty_values:
            try:
                picked = self.lookup.matching(self.queryset, text).filter(pk=value).first()
            except (ValueError, TypeError, ValidationError):
                picked = None
            if picked is not None:
                return picked
        found = self.lookup.find(self.queryset, text)
        if len(found.rows) == 1 and not found.more:
            return found.rows[0]  # one match: that is the one meant
        self.found = found
        if found.more:
            code, params = "too_many", {"text": text, "limit": self.lookup.limit}
        elif found.rows:
            code, params = "choose", {"text": text}
        else:
            code, params = "no_match", {"text": text}
        raise ValidationError(self.error_messages[code], code=code, params=params)

    def has_changed(self, initial, data):
        if getattr(data, "text", "") and self.chosen is not None:
            data = str(self.chosen.pk)
        return super().has_changed(initial, data)

    def chosen_option(self, value) -> dict | None:
        """The chosen row as ``{"value", "label"}``: what the last clean took, else ``value``
        (an id, a LookupValue or a row) looked up in the queryset; None if it is none of its
        rows (another company's id simply shows nothing chosen)."""
        row = self.chosen
        if row is None and value not in self.empty_values:
            if isinstance(value, models.Model):
                value = value.pk
            try:
                row = self.queryset.filter(pk=value).first()
            except (ValueError, TypeError, ValidationError):
                row = None
        if row is None:
            return None
        return {"value": str(row.pk), "label": self.label_from_instance(row)}


class LookupFilter(django_filters.ModelChoiceFilter):
    """A FilterSet's choice of one row of ``lookup`` (``queryset`` a callable of the request, as
    for ModelChoiceFilter)."""

    field_class = LookupField

    def __init__(self, lookup: Lookup, *args, **kwargs):
        super().__init__(*args, lookup=lookup, **kwargs)
        # ModelChoiceFilter's "null" option does not apply: only rows are looked up.
        self.extra.pop("null_label", None)


class LookupView(View):
    """The endpoint behind a lookup field's search box: ``?q=`` (or the box's own parameter,
    named by ``field``) and an optional ``only`` narrowing; answers htmx with an ``<optgroup>``
    of at most ``LIMIT`` of the active company's matches. Opened in a browser, it hands over to
    the list page's search."""

    lookup: Lookup
    http_method_names = ["get"]
    template_name = "crm/partials/_lookup_results.html"

    def search_text(self, request: HttpRequest) -> str:
        text = request.GET.get("q")
        if text is None:
            # The widget's search box keeps its form name, so it is submitted with the form when
            # JavaScript is off; htmx sends it under that name.
            name = request.GET.get("field", "")
            text = request.GET.get(name, "") if name.endswith("_search") else ""
        return text.strip()

    def get(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        text = self.search_text(request)
        if not getattr(request, "htmx", False):
            url = reverse(self.lookup.list_url_name)
            return HttpResponseRedirect(f"{url}?{urlencode({'q': text})}" if text else url)
        only = request.GET.get("only") or None
        if only not in self.lookup.narrowings:
            only = None
        queryset = self.lookup.company_rows(request.company, only, user=request.user)
        found = self.lookup.find(queryset, text, lean=True)
        response = render(
            request,
            self.template_name,
            {"found": {"message": found.message, "options": self.lookup.options(found)}},
        )
        # The same address answers a page and a fragment, per company: never from a cache.
        patch_vary_headers(response, ["HX-Request"])
        add_never_cache_headers(response)
        return response
