"""FilterSet helpers: choices come from the request's company, search spans several fields."""

from functools import reduce
from operator import or_

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def company_queryset(model, **filters):
    """A callable queryset for ModelChoiceFilter, evaluated per request inside its scope."""

    def for_request(request):
        if request is None or getattr(request, "company", None) is None:
            return model.objects.none()
        return model.objects.filter(company=request.company, **filters)

    return for_request


class SearchFilterSet(django_filters.FilterSet):
    """Adds ``q``: a case-insensitive match on any of ``search_fields``."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(label=_("Search"), method="filter_search")

    def filter_search(self, queryset, name, value):
        terms = value.split()
        for term in terms:
            queryset = queryset.filter(
                reduce(or_, (Q(**{f"{field}__icontains": term}) for field in self.search_fields))
            )
        return queryset
