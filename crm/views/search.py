"""The top bar's search box: every registered kind of record at once (crm.ui.global_search).

Without JavaScript the box submits to this page, which lists the groups in full; with htmx the
box asks for the results alone as the user types and shows them in a panel under the box.
"""

from django.views.generic import TemplateView

from crm.ui.global_search import COUNT_CAP, MIN_LENGTH, search_everything, search_terms

PER_GROUP_PAGE = 10
PER_GROUP_PANEL = 5


class GlobalSearchView(TemplateView):
    template_name = "crm/search.html"
    panel_template_name = "crm/partials/_global_search_results.html"

    def in_panel(self) -> bool:
        htmx = getattr(self.request, "htmx", None)
        return bool(htmx) and not htmx.boosted

    def get_template_names(self):
        return [self.panel_template_name if self.in_panel() else self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()
        groups = search_everything(
            query,
            company=self.request.company,
            user=self.request.user,
            per_group=PER_GROUP_PANEL if self.in_panel() else PER_GROUP_PAGE,
        )
        context.update(
            query=query,
            groups=groups,
            too_short=not search_terms(query),
            min_length=MIN_LENGTH,
            count_cap=COUNT_CAP,
            in_panel=self.in_panel(),
        )
        return context
