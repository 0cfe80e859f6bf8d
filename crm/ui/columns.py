"""List columns: what a list page shows, declared once per list, rendered in one pass.

A list declares its ``Table``: a caption and its ``Column``s, each with a key, a translated
label, the sort key it answers to (or none), whether it is shown by default or only when
picked, and a ``cell`` function that turns a row into the cell's HTML with ``format_html``.
``crm/partials/_table.html`` renders any list from that: the header once, and the body as one
string built in Python, so a page of 50 rows costs no template engine round trip per row or
cell (measured on the lead list: see ``bench/columns.py``).

``?cols=a,b,c`` picks the columns shown (``cols=a&cols=b`` too: what the no-JavaScript picker
form sends). Unknown keys are ignored, the first column (the record's name and link) is always
shown, and columns keep their declared order whatever order the keys come in. A saved view
keeps ``cols`` with the rest of the query (``crm.saved_views.saved_query``), so it restores the
columns. Exports keep writing every column of the list's ``Export``: a file is for working on,
and a hidden column should not silently go missing from it.

Cell functions get the row and a ``RowContext`` (the row's URL, built once per row from a
URL pattern reversed once per page, and the page's request); they return safe HTML.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from typing import Any

from django.template.loader import get_template
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext as _

from crm.money import active_currency, format_amount, minor_units
from crm.phones import active_region, display_phone_and_uri
from crm.ui.kept_markup import kept, locale_key

COLS_PARAM = "cols"
# Where a page of rows is, not what it shows: dropped from the forms that change the columns or
# the sort, as a sort link drops it.
NOT_CARRIED = frozenset({"page", "export"})


def escaped(value: Any) -> str:
    """``conditional_escape(value)``, without its per-call checks for lazy arguments: a page of
    50 rows escapes 500-odd values, and those checks cost more than the escaping."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str):
        if isinstance(value, SafeData):
            return value
        return SafeString(html.escape(value))
    if hasattr(value, "__html__"):
        return value.__html__()
    return SafeString(html.escape(str(value)))


def text(value: Any) -> str:
    """A value as ``{{ value }}`` prints it: localized, escaped; None as nothing."""
    if value is None:
        return ""
    if type(value) is str:
        return SafeString(html.escape(value))
    return escaped(formats.localize(value))


# The language a table's body is written in, read once per body (``BoundTable.body``): asking
# Django for the active language costs as much as a cell, and a body asks for it per cell.
_body_language: ContextVar[str | None] = ContextVar("body_language", default=None)
# And its time zone, which ``timezone.localtime`` would look up again for every dated row.
_body_zone: ContextVar[Any] = ContextVar("body_zone", default=None)
# And the day it is there, which a row may compare its dates with (``today``).
_body_today: ContextVar[date | None] = ContextVar("body_today", default=None)


def current_language() -> str | None:
    """The active language: the one the body being written was given, else Django's."""
    return _body_language.get() or get_language()


def today() -> date:
    """The reader's today: the body's, read once per body, else ``timezone.localdate()``."""
    return _body_today.get() or timezone.localdate()


def phrase(message: str) -> str:
    """``gettext(message)``, looked up once per language: a cell's fixed wording (not lazy)."""
    return _phrases(message, current_language())


@lru_cache(maxsize=256)
def _phrases(message: str, language: str | None) -> str:
    return gettext(message)


@lru_cache(maxsize=256)
def _choice_labels(model_field, language: str | None) -> dict:
    return {value: str(label) for value, label in model_field.flatchoices}


def choice_label(obj, field_name: str) -> str:
    """``obj.get_FIELD_display()``, with the field's labels translated once per language
    (Django rebuilds and hashes the whole choices list on every call: a page of 50 rows paid
    for it 50 times)."""
    model_field = obj._meta.get_field(field_name)
    value = getattr(obj, model_field.attname)
    return _choice_labels(model_field, current_language()).get(value, value)


def amount(value, currency: str = "") -> str:
    """``format_amount(value, currency)`` (``crm.money``) for a cell, escaped: the same text in
    every language, written with Python's own grouping and the active language's separators,
    which are read once per language (``number_format`` looks up three formats per amount)."""
    if value is None or value == "":
        return ""
    decimal_mark, thousands, grouping = _number_marks(current_language())
    if grouping != 3:
        return conditional_escape(format_amount(value, currency))
    places = minor_units(currency or active_currency())
    step = _STEPS.get(places) or Decimal(1).scaleb(-places)
    shown = Decimal(value).quantize(step, rounding=ROUND_HALF_UP)
    if not shown:
        shown = abs(shown)  # Django writes a rounded-away minus as "0", never "-0"
    return SafeString(f"{shown:,.{places}f}".translate(_marks_table(decimal_mark, thousands)))


_STEPS = {places: Decimal(1).scaleb(-places) for places in (0, 2)}


@lru_cache(maxsize=32)
def _marks_table(decimal_mark: str, thousands: str) -> dict:
    """Python's "," and "." as the language writes them, for ``str.translate``."""
    return str.maketrans({",": thousands, ".": decimal_mark})


@lru_cache(maxsize=32)
def _number_marks(language: str | None) -> tuple[str, str, Any]:
    """The active language's decimal mark and thousands separator (escaped) and grouping."""
    return (
        html.escape(str(formats.get_format("DECIMAL_SEPARATOR", use_l10n=True))),
        html.escape(str(formats.get_format("THOUSAND_SEPARATOR", use_l10n=True))),
        formats.get_format("NUMBER_GROUPING", use_l10n=True),
    )


def short_date(value: date | datetime | None, empty: str = "") -> str:
    """``{{ value|date:"SHORT_DATE_FORMAT" }}``: a datetime in the reader's time zone first."""
    if value is None or value == "":
        return empty
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = value.astimezone(_body_zone.get() or timezone.get_current_timezone())
        value = value.date()  # a date format shows no time: rows of one day share the text
    return _short_date(value, current_language())


@lru_cache(maxsize=1024)
def _short_date(day: date, language: str | None) -> str:
    return conditional_escape(formats.date_format(day, "SHORT_DATE_FORMAT"))


def phone(number: str) -> str:
    """``{{ number|phone }}``: as the active company dials it, linked ``tel:+E164``."""
    shown, href = display_phone_and_uri(number, region=active_region())
    if not shown:
        return ""
    if href:
        return SafeString(f'<a href="{escaped(href)}">{escaped(shown)}</a>')
    return escaped(shown)


# The cell helpers write what ``format_html`` would, with ``escaped`` for each value.


def badge(label: Any, variant: str = "") -> str:
    """``<span class="badge badge-VARIANT">``: a status at a glance."""
    css = f"badge badge-{variant}" if variant else "badge"
    return SafeString(f'<span class="{escaped(css)}">{escaped(label)}</span>')


def link(url: str, label: Any, css: str = "") -> str:
    if css:
        return SafeString(f'<a class="{escaped(css)}" href="{escaped(url)}">{escaped(label)}</a>')
    return SafeString(f'<a href="{escaped(url)}">{escaped(label)}</a>')


def mailto(email: str) -> str:
    if not email:
        return ""
    shown = escaped(email)
    return SafeString(f'<a href="mailto:{shown}">{shown}</a>')


def detail_url(view_name: str) -> Callable[[Any], str]:
    """``obj -> obj's detail URL`` for a URL that takes the primary key: the pattern is
    reversed once (on first use: the URLconf imports the views that declare tables) and each
    row only fills in its key."""
    of_key = key_url(view_name)

    def url(obj) -> str:
        return of_key(obj.pk)

    return url


def key_url(view_name: str) -> Callable[[Any], str]:
    """``key -> the detail URL of the record with that primary key`` (``detail_url``), for a
    row that carries a related record's key and name rather than the record."""
    marker = "2147483647"
    parts: list[str] = []

    def url(key) -> str:
        if not parts:
            head, _sep, tail = reverse(view_name, args=[int(marker)]).rpartition(marker)
            parts[:] = [head, tail]
        return f"{parts[0]}{key}{parts[1]}"

    return url


@dataclass(frozen=True)
class RowContext:
    """What a cell may need besides its row: the row's URL and the page's request."""

    url: str
    request: Any = None


Cell = Callable[[Any, RowContext], str]


@dataclass(frozen=True)
class Column:
    """One column of a list.

    ``cell(obj, row)`` returns the cell's inner HTML (escaped or built with ``format_html``).
    ``sort`` is the key in the view's ``sort_fields`` its header sorts by ("" for none).
    ``optional`` columns are shown only when picked. ``num`` right-aligns the figures;
    ``css`` adds classes to the cell (``doc-party-cell``).
    """

    key: str
    label: Any
    cell: Cell
    sort: str = ""
    optional: bool = False
    num: bool = False
    css: str = ""


@dataclass(frozen=True)
class Table:
    """A list's columns, its caption and how its rows link.

    The first column is the record's name and link: always shown, never a ``data-label``
    (on a phone it is the card's title). ``url`` gives a row's link (``detail_url``);
    ``bulk_label`` names a row for its selection box when the list has bulk actions.
    """

    caption: Any
    columns: Sequence[Column]
    url: Callable[[Any], str] | None = None
    bulk_label: Callable[[Any], str] = str
    css: str = "data table-cards"

    def __post_init__(self):
        keys = [column.key for column in self.columns]
        if not keys:
            raise ValueError("A table needs at least one column.")
        if len(set(keys)) != len(keys):
            raise ValueError(f"Column keys repeat: {keys}")
        if "," in "".join(keys):
            raise ValueError("Column keys cannot contain commas.")
        if self.columns[0].optional:
            raise ValueError("The first column is always shown; it cannot be optional.")

    @property
    def primary(self) -> Column:
        return self.columns[0]

    def defaults(self) -> list[Column]:
        return [column for column in self.columns if not column.optional]

    def chosen(self, requested: Iterable[str] | None) -> list[Column]:
        """The columns ``?cols=`` asks for, in declared order, the first one always; without
        a known key among them (nothing asked, or only unknown keys), the default columns."""
        keys = {
            key.strip() for value in (requested or ()) for key in value.split(",") if key.strip()
        }
        known = {column.key for column in self.columns}
        if not keys & known:
            return self.defaults()
        return [
            column for index, column in enumerate(self.columns) if index == 0 or column.key in keys
        ]

    def bind(
        self,
        rows: Iterable[Any],
        *,
        request=None,
        current_sort: str = "",
        bulk: bool = False,
        sort_fields: Iterable[str] = (),
    ) -> BoundTable:
        requested = request.GET.getlist(COLS_PARAM) if request is not None else ()
        return BoundTable(
            table=self,
            rows=rows,
            shown=self.chosen(requested),
            request=request,
            current_sort=current_sort,
            bulk=bulk,
            sortable=frozenset(sort_fields),
            cols_requested=bool(requested),
        )


def sort_state(current_sort: str, field_name: str) -> str:
    if current_sort == field_name:
        return "ascending"
    if current_sort == f"-{field_name}":
        return "descending"
    return "none"


def sort_link(params, current_sort: str, field_name: str, label: Any) -> SafeString:
    """A column header link that sorts by ``field_name`` (the other way when it already does)
    and tells screen readers the direction. ``params`` is the page's query (a QueryDict)."""
    state = sort_state(current_sort, field_name)
    next_sort, arrow = {
        "ascending": (f"-{field_name}", "▲"),
        "descending": (field_name, "▼"),
        "none": (field_name, ""),
    }[state]
    params = params.copy()
    params["sort"] = next_sort
    params.pop("page", None)
    return format_html(
        '<a class="sort-link" href="?{}" data-sort-state="{}">{}<span aria-hidden="true"> {}</span>'
        '<span class="visually-hidden">{}</span></a>',
        params.urlencode(),
        state,
        label,
        arrow,
        {
            "ascending": _("(sorted ascending)"),
            "descending": _("(sorted descending)"),
            "none": _("(click to sort)"),
        }[state],
    )


@dataclass(frozen=True)
class Choice:
    """A column as the picker offers it."""

    key: str
    label: Any
    shown: bool
    required: bool


@dataclass(frozen=True)
class SortOption:
    value: str
    label: str
    selected: bool


@dataclass
class BoundTable:
    """A table with this page's rows, columns and sort: what ``_table.html`` renders."""

    table: Table
    rows: Iterable[Any]
    shown: list[Column]
    request: Any = None
    current_sort: str = ""
    bulk: bool = False
    sortable: frozenset[str] = frozenset()
    cols_requested: bool = False
    _labels: dict[str, str] = field(default_factory=dict)

    @property
    def caption(self) -> Any:
        return self.table.caption

    @property
    def css(self) -> str:
        return self.table.css

    @property
    def shown_keys(self) -> list[str]:
        return [column.key for column in self.shown]

    def choices(self) -> list[Choice]:
        shown = set(self.shown_keys)
        return [
            Choice(column.key, column.label, column.key in shown, index == 0)
            for index, column in enumerate(self.table.columns)
        ]

    def sort_options(self) -> list[SortOption]:
        """Every sortable column both ways, for the "Sort by" select (phones have no headers)."""
        options = []
        for column in self.table.columns:
            if not column.sort or column.sort not in self.sortable:
                continue
            for value, words in (
                (column.sort, _("%(column)s, ascending")),
                (f"-{column.sort}", _("%(column)s, descending")),
            ):
                options.append(
                    SortOption(value, words % {"column": column.label}, value == self.current_sort)
                )
        return options

    def carried_params(self, *drop: str) -> list[tuple[str, str]]:
        """The page's query as hidden fields for a form that changes ``drop`` (the columns or
        the sort): filters, search and the rest ride along, the page number does not."""
        if self.request is None:
            return []
        skip = NOT_CARRIED | set(drop)
        return [
            (key, value)
            for key, values in self.request.GET.lists()
            if key not in skip
            for value in values
        ]

    @cached_property
    def columns_form(self) -> SafeString:
        """The column picker's boxes (``crm/partials/_columns_form.html``), rendered once: the
        picker writes them twice, in a ``<template>`` for scripts and in ``<noscript>``. Kept
        per process (``crm.ui.kept_markup``) under what they show: the language, the page's
        path, the query the form carries and the columns offered and ticked."""
        key = (
            "crm/partials/_columns_form.html",
            locale_key(),
            self.request.path if self.request is not None else None,
            tuple(self.params_without_cols()),
            tuple(
                (choice.key, str(choice.label), choice.shown, choice.required)
                for choice in self.choices()
            ),
        )
        return kept(
            key,
            lambda: get_template("crm/partials/_columns_form.html").render(
                {"table": self, "request": self.request}
            ),
        )

    def controls_key(self) -> tuple:
        """What ``crm/partials/_list_controls.html`` writes (the column picker and "Sort by")
        is made from, as a key for ``{% kept_include %}`` (``crm.ui.kept_markup``): the
        language, the page's path and the query both forms carry (not the page number: every
        page of a list shares them), the sort, and every column as the picker and the sort
        select offer it."""
        return (
            "controls",
            locale_key(),
            self.request.path if self.request is not None else None,
            tuple(self.carried_params()),
            self.current_sort,
            self.cols_requested,
            frozenset(self.shown_keys),
            tuple(
                (column.key, str(column.label), column.sort, column.sort in self.sortable)
                for column in self.table.columns
            ),
        )

    def params_without_cols(self) -> list[tuple[str, str]]:
        return self.carried_params(COLS_PARAM)

    def params_without_sort(self) -> list[tuple[str, str]]:
        return self.carried_params("sort")

    def header(self) -> SafeString:
        """The header cells (after the bulk box, which the template writes), kept per process
        (``crm.ui.kept_markup``) under what they show: the language, the query the sort links
        keep, the sort and the columns."""
        params = self.request.GET if self.request is not None else {}
        key = (
            "header",
            locale_key(),
            tuple((name, tuple(values)) for name, values in params.lists()) if params else (),
            self.current_sort,
            tuple(
                (
                    column.key,
                    str(column.label),
                    column.sort,
                    column.num,
                    column.sort in self.sortable,
                )
                for column in self.shown
            ),
        )
        return kept(key, lambda: self._header(params))

    def _header(self, params) -> SafeString:
        cells = []
        for column in self.shown:
            css = ' class="num"' if column.num else ""
            if column.sort and column.sort in self.sortable:
                cells.append(
                    format_html(
                        '<th scope="col"{} aria-sort="{}">{}</th>',
                        mark_safe(css),
                        sort_state(self.current_sort, column.sort),
                        sort_link(params, self.current_sort, column.sort, column.label),
                    )
                )
            else:
                cells.append(format_html('<th scope="col"{}>{}</th>', mark_safe(css), column.label))
        return mark_safe("\n    ".join(cells))

    def body(self) -> SafeString:
        """Every row's ``<tr>``, built in one pass: labels and classes once, cells per row."""
        url = self.table.url
        request = self.request
        prepared = []
        for index, column in enumerate(self.shown):
            classes = " ".join(
                part
                for part in (
                    "cell-primary" if index == 0 else "",
                    "num" if column.num else "",
                    column.css,
                )
                if part
            )
            opening = f'<td class="{classes}"' if classes else "<td"
            if index > 0:
                opening += f' data-label="{conditional_escape(column.label)}"'
            prepared.append((opening + ">", column.cell))
        select = _("Select %(name)s")
        out = []
        language = _body_language.set(get_language())
        current_zone = timezone.get_current_timezone()
        zone = _body_zone.set(current_zone)
        day = _body_today.set(timezone.localdate(timezone=current_zone))
        try:
            self._write_rows(out, url, request, prepared, select)
        finally:
            _body_today.reset(day)
            _body_zone.reset(zone)
            _body_language.reset(language)
        return mark_safe("\n".join(out))

    def _write_rows(self, out, url, request, prepared, select) -> None:
        for obj in self.rows:
            row = RowContext(url=url(obj) if url else "", request=request)
            parts = ["<tr>"]
            if self.bulk:
                pk = obj.pk if type(obj.pk) is int else escaped(obj.pk)
                label = escaped(select % {"name": self.table.bulk_label(obj)})
                parts.append(
                    f'<td class="bulk-check"><input type="checkbox" name="ids" value="{pk}" '
                    f'id="bulk-row-{pk}" data-bulk-row><label for="bulk-row-{pk}" '
                    f'class="visually-hidden">{label}</label>'
                    f'<input type="hidden" name="page_ids" value="{pk}"></td>'
                )
            for opening, cell in prepared:
                parts.append(f"{opening}{cell(obj, row)}</td>")
            parts.append("</tr>")
            out.append("".join(parts))
