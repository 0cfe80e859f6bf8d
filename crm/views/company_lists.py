"""The short lists each company defines for itself (lead sources, stages, customer groups…).

An app describes a list once with ``CompanyList`` and gets its index, create and edit pages from
``company_list_urls``; every registered list shows up as a tab on every list's page and on the
Settings page. Managers and up may edit them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView

from crm.views.mixins import CompanyQuerysetMixin, LenientPaginationMixin, RoleRequiredMixin
from crm.views.records import ServiceCreateView, ServiceUpdateView


@dataclass(frozen=True)
class CompanyList:
    namespace: str  # the app's URL namespace
    key: str  # URL names are <namespace>:<key>_list, _create, _update
    slug: str  # the URL segment under settings/
    model: type
    form_class: type
    title: str
    save: Callable  # the service: save(row=..., actor=...)
    # Extra table columns besides the name: (heading, value of a row as text).
    columns: tuple[tuple[str, Callable[[object], str]], ...] = field(default=())
    # The create/edit page's template, if the form shows more than its fields (a price list).
    form_template: str = ""

    def url(self, action: str = "list", *args) -> str:
        return reverse(f"{self.namespace}:{self.key}_{action}", args=args)


_registry: dict[tuple[str, str], CompanyList] = {}


def registered_lists() -> list[CompanyList]:
    return list(_registry.values())


class _CompanyListMixin(RoleRequiredMixin):
    company_list: CompanyList

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["company_list"] = self.company_list
        context["list_title"] = self.company_list.title
        context["lists"] = [(entry, entry.url()) for entry in registered_lists()]
        context["create_url"] = self.company_list.url("create")
        return context


class CompanyListIndexView(
    _CompanyListMixin, LenientPaginationMixin, CompanyQuerysetMixin, ListView
):
    template_name = "crm/company_list.html"
    paginate_by = 100

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        columns = self.company_list.columns
        context["headings"] = [heading for heading, _value in columns]
        context["rows"] = [
            (row, [value(row) for _heading, value in columns]) for row in context["object_list"]
        ]
        return context


class _CompanyListFormMixin(_CompanyListMixin):
    def get_success_url(self):
        return self.company_list.url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.company_list.url()
        return context

    def get_template_names(self):
        if self.company_list.form_template:
            return [self.company_list.form_template]
        return super().get_template_names()

    def form_valid(self, form):
        # A form may hand the save service more than the row (``service_kwargs()``: the
        # products limited to a customer type, a group's price list).
        self.service_kwargs = form.service_kwargs() if hasattr(form, "service_kwargs") else {}
        return super().form_valid(form)

    def save_service(self, instance):
        return self.company_list.save(
            row=instance, actor=self.request.user, **getattr(self, "service_kwargs", {})
        )


class CompanyListCreateView(_CompanyListFormMixin, ServiceCreateView):
    success_message = gettext_lazy("%(object)s was added.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("New entry in %(list)s") % {"list": self.company_list.title}
        return context


class CompanyListUpdateView(_CompanyListFormMixin, ServiceUpdateView):
    success_message = gettext_lazy("%(object)s was saved.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("Edit %(object)s") % {"object": self.object}
        return context


def company_list_urls(*lists: CompanyList) -> list:
    """Register ``lists`` and return their URL patterns (index, new, edit) under settings/."""
    patterns = []
    for entry in lists:
        _registry[(entry.namespace, entry.key)] = entry
        attrs = {"model": entry.model, "company_list": entry}
        name = entry.model.__name__
        views = {
            "list": type(f"{name}ListView", (CompanyListIndexView,), attrs),
            "create": type(
                f"{name}CreateView",
                (CompanyListCreateView,),
                {**attrs, "form_class": entry.form_class},
            ),
            "update": type(
                f"{name}UpdateView",
                (CompanyListUpdateView,),
                {**attrs, "form_class": entry.form_class},
            ),
        }
        patterns += [
            path(f"settings/{entry.slug}/", views["list"].as_view(), name=f"{entry.key}_list"),
            path(
                f"settings/{entry.slug}/new/", views["create"].as_view(), name=f"{entry.key}_create"
            ),
            path(
                f"settings/{entry.slug}/<int:pk>/",
                views["update"].as_view(),
                name=f"{entry.key}_update",
            ),
        ]
    return patterns
