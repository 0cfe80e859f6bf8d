"""FilterSet helpers: choices come from the request's company, search spans several fields.

The core's own FilterSets (salespeople, partners, products) are in ``crm.filters``, as each
app's are in its own ``filters.py``."""

from datetime import UTC, date, datetime, time, timedelta

import django_filters
from django import forms
from django.core.validators import EMPTY_VALUES
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.access import access_filter, record_type_for, viewable_rows
from crm.phones import active_region
from crm.ui.choices import lists_cache_key, use_cached_choices
from crm.ui.dates import LocalDateField
from crm.ui.fast_forms import fast_renderer
from crm.ui.kept_markup import ProcessMemory, locale_key
from crm.ui.search import matching, phone_term


def company_queryset(model, **filters):
    """A callable queryset for ModelChoiceFilter, evaluated per request inside its scope: the
    company's rows, and of a record type the access engine knows, those the user may view."""

    def for_request(request):
        if request is None or getattr(request, "company", None) is None:
            return model.objects.none()
        rows = model.objects.filter(company=request.company, **filters)
        return viewable_rows(rows, getattr(request, "user", None), request.company)

    for_request.rows_of = model  # what ``SearchFilterSet.form_class_key`` reads
    return for_request


class LocalDateFilter(django_filters.DateFilter):
    """A date typed in the page's language's format, with the calendar (``crm.ui.dates``)."""

    field_class = LocalDateField


def date_filter(label, field_name: str, lookup_expr: str) -> LocalDateFilter:
    """One end of a date range, with the calendar."""
    return LocalDateFilter(label=label, field_name=field_name, lookup_expr=lookup_expr)


def start_of_day(day: date) -> datetime | None:
    """The first moment of ``day`` in the current time zone, or None where the calendar ends
    (a day before year 1 or after 9999 in UTC, which Python and the database cannot hold)."""
    try:
        moment = timezone.make_aware(datetime.combine(day, time.min))
        moment.astimezone(UTC)
    except OverflowError:
        return None
    return moment


class DayBoundFilter(LocalDateFilter):
    """A date picked by the user, filtering a datetime column by a range instead of
    ``column__date``: the ``__date`` lookup converts every row to a local date, so no index on
    the column helps; a range compares the column itself.

    ``from`` keeps rows at or after the start of the day (in the current time zone), ``to`` rows
    before the start of the next day, so the whole "to" day is included.
    """

    def __init__(self, *args, end: str, **kwargs):
        if end not in ("from", "to"):
            raise ValueError("end must be 'from' or 'to'")
        self.end = end
        kwargs["lookup_expr"] = "gte" if end == "from" else "lt"
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        if self.end == "to":
            try:
                value += timedelta(days=1)
            except OverflowError:
                return qs  # up to the last day there is: no bound
        moment = start_of_day(value)
        if moment is None:
            return qs  # from before the first day, or up to after the last: no bound either
        return super().filter(qs, moment)


def day_range(field_name: str, label_from, label_to) -> tuple[DayBoundFilter, DayBoundFilter]:
    """``created_range`` on another datetime column (whole days, both ends included)."""
    return (
        DayBoundFilter(label=label_from, field_name=field_name, end="from"),
        DayBoundFilter(label=label_to, field_name=field_name, end="to"),
    )


def day_lookups(field_name: str, first: date | None, last: date | None) -> dict[str, datetime]:
    """``DayBoundFilter``'s two ends as lookups on ``field_name``, for a filter that puts both
    into one condition (an EXISTS on related rows); an end that is empty or beyond the
    calendar is no bound."""
    lookups = {}
    if first is not None and (moment := start_of_day(first)) is not None:
        lookups[f"{field_name}__gte"] = moment
    if last is not None:
        try:
            moment = start_of_day(last + timedelta(days=1))
        except OverflowError:
            moment = None
        if moment is not None:
            lookups[f"{field_name}__lt"] = moment
    return lookups


def created_range() -> tuple[DayBoundFilter, DayBoundFilter]:
    """``created_from`` / ``created_to`` on ``created_at``, for lists of dated records; whole
    days in the current time zone, both ends included."""
    return (
        DayBoundFilter(label=_("Created from"), field_name="created_at", end="from"),
        DayBoundFilter(label=_("Created up to"), field_name="created_at", end="to"),
    )


# FilterSet form classes by ``SearchFilterSet.form_class_key``; emptied when full (a key per
# company, lists version and language in use).
_FORM_CLASSES = ProcessMemory(limit=1024)


def _access_governed(model) -> bool:
    """Whether the access engine narrows ``model``'s rows per user (``viewable_rows``)."""
    try:
        record_type_for(model)
    except KeyError:
        return False
    return True


class SearchFilterSet(django_filters.FilterSet):
    """Adds ``q``: every word must occur, case-insensitively, in one of the row's search columns
    or in a related row's (``crm.ui.search``).

    ``search_fields`` default to the model's own, which its trigram index covers on PostgreSQL;
    small reference lists may name theirs here instead. ``search_related`` are relation paths
    whose models' search columns count too.
    """

    search_fields: tuple[str, ...] | None = None
    search_related: tuple[str, ...] = ()
    # The key the form class was kept under (``form_class_key``), once the form is built.
    kept_form_key: tuple | None = None

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")

    def get_form_class(self):
        """django-filter builds the form class on every request, each select's queryset with
        it (2.5 ms of the lead list at 1M); it is kept per process instead, under
        ``form_class_key``, where the fields are the same for everyone in the company."""
        key = self.form_class_key()
        self.kept_form_key = key
        if key is None:
            return super().get_form_class()
        form_class = _FORM_CLASSES.get(key)
        if form_class is None:
            form_class = _FORM_CLASSES.keep(key, super().get_form_class())
        return form_class

    def form_class_key(self) -> tuple | None:
        """What the form class's fields are made from: the FilterSet, the company's lists
        version (its selects' rows), the language, time zone and dialing region, and, for a
        select whose rows the access engine narrows per user, that narrowing (its filter: the
        level and the salespeople it reaches), so people who reach the same rows share a form
        and nobody gets another's. None (build it afresh) outside a company, for a customer
        user, or when a select's rows come from a callable the key does not know."""
        request = self.request
        company = getattr(request, "company", None)
        user = getattr(request, "user", None)
        if (
            company is None
            or not getattr(user, "is_authenticated", False)
            or getattr(user, "is_customer_user", False)
        ):
            return None
        reach = []
        for filter_ in self.filters.values():
            queryset = getattr(filter_, "queryset", None)
            if not callable(queryset):
                continue
            model = getattr(queryset, "rows_of", None)
            if model is None:
                return None
            if _access_governed(model):
                reach.append((model._meta.label, access_filter(user, company, model, "view")))
        return (type(self), lists_cache_key(company), locale_key(), tuple(reach))

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_uses_cached_choices", False):
            use_cached_choices(form)
            # Ten fields on every list page: their markup is written without a template each.
            form.renderer = fast_renderer
            # And the same on most visits: each field's markup is kept (crm.ui.fast_forms).
            form.cache_rendered_fields = True
            form._uses_cached_choices = True
        return form

    def filter_search(self, queryset, name, value):
        company = getattr(self.request, "company", None)
        region = company.dialing_region if company is not None else active_region()
        return matching(
            queryset,
            value.split(),
            fields=self.search_fields,
            related=self.search_related,
            company=company,
            phone=phone_term(value, region=region),
        )


def active_filter() -> django_filters.BooleanFilter:
    """Any / active / inactive, worded for people rather than as a three-valued boolean."""
    return django_filters.BooleanFilter(
        label=_("Status"),
        field_name="is_active",
        widget=forms.Select(
            choices=[("", _("Any status")), ("true", _("Active")), ("false", _("Inactive"))]
        ),
    )
