"""The list-page side of export: ``?export=csv`` or ``?export=xlsx`` on a list's own URL sends
its rows as a file, and the page links to both with its current query."""

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from crm.ui import export as files
from crm.ui.pagination import bounded_count


class ExportMixin:
    """Part of ``CompanyListView``: a list that sets ``export`` (a ``crm.ui.export.Export``)
    offers its rows as CSV and XLSX.

    The file holds what the page would list across all its pages: the same queryset (the
    company, the user's access level, "mine or everyone's"), the same filters and search, the
    same sort. Only the paging is left out.
    """

    export: files.Export | None = None
    export_param = "export"

    def export_format(self) -> str | None:
        requested = self.request.GET.get(self.export_param)
        return requested if self.export is not None and requested in files.FORMATS else None

    def get(self, request, *args, **kwargs):
        fmt = self.export_format()
        if fmt is None:
            return super().get(request, *args, **kwargs)
        return self.export_rows(fmt)

    def export_queryset(self):
        """The list's rows, filtered as ``FilterView.get`` does it; ``export_rows`` decorates
        and sorts them as the page does (``CompanyListView.decorate_rows``)."""
        filterset = self.get_filterset(self.get_filterset_class())
        if not filterset.is_bound or filterset.is_valid() or not self.get_strict():
            queryset = filterset.qs
        else:
            queryset = filterset.queryset.none()
        return queryset

    def export_rows(self, fmt: str):
        filtered = self.export_queryset()
        queryset = self.apply_sort(self.decorate_rows(filtered))
        if fmt == files.XLSX:
            _count, too_many = bounded_count(filtered, files.XLSX_MAX_ROWS)
            if too_many:
                messages.error(
                    self.request,
                    _(
                        "A spreadsheet holds at most %(max)s rows and this list has more: "
                        "filter it further, or export it as CSV."
                    )
                    % {"max": intcomma(files.XLSX_MAX_ROWS)},
                )
                params = self.request.GET.copy()
                params.pop(self.export_param, None)
                return HttpResponseRedirect(f"{self.request.path}?{params.urlencode()}")
        return files.export_response(self.export, queryset, fmt)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.export is not None:
            query = [(key, value) for key, values in self.request.GET.lists() for value in values]
            context["export_links"] = files.export_links(query)
        return context
