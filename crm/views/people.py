"""The sales team: list, detail, create and edit salespeople."""

from django.db.models import Count
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView

from crm.filters import SalespersonFilter
from crm.forms import SalespersonForm
from crm.models import Salesperson
from crm.services import salesperson_save
from crm.tables import salesperson_table
from crm.ui.export import Column, ColumnKind, Export
from crm.views.mixins import (
    CompanyListView,
    CompanyQuerysetMixin,
    RoleContextMixin,
    RoleRequiredMixin,
)
from crm.views.records import ServiceCreateView, ServiceUpdateView


class SalespersonListView(RoleContextMixin, CompanyListView):
    model = Salesperson
    filterset_class = SalespersonFilter
    template_name = "crm/salesperson_list.html"
    export = Export(
        "salespeople",
        [
            Column(_("ID"), "pk"),
            Column(_("Name"), "name"),
            Column(_("E-mail"), "email"),
            Column(_("Phone"), "phone"),
            Column(_("Manager"), "manager__name"),
            Column(_("Team size"), "team_size", kind=ColumnKind.NUMBER),
            Column(_("Active"), "is_active"),
        ],
    )
    partial_template_name = "crm/partials/_salesperson_table.html"
    table = salesperson_table
    sort_fields = {"name": "name", "email": "email", "manager": "manager__name"}
    default_sort = "name"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("manager", "user")
            .annotate(team_size=Count("team_members"))
        )


class SalespersonDetailView(RoleContextMixin, CompanyQuerysetMixin, DetailView):
    model = Salesperson
    template_name = "crm/salesperson_detail.html"
    context_object_name = "salesperson"

    def get_queryset(self):
        return super().get_queryset().select_related("manager", "user")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["team_members"] = self.object.team_members.order_by("name")
        return context


class SalespersonFormMixin(RoleRequiredMixin):
    """Managers, admins and owners build the sales team."""

    model = Salesperson
    form_class = SalespersonForm
    cancel_url = reverse_lazy("crm:salesperson_list")

    def save_service(self, instance):
        return salesperson_save(salesperson=instance)


class SalespersonCreateView(SalespersonFormMixin, ServiceCreateView):
    success_message = _("Salesperson %(object)s was added.")
    extra_context = {"title": _("New salesperson")}


class SalespersonUpdateView(SalespersonFormMixin, ServiceUpdateView):
    success_message = _("Salesperson %(object)s was saved.")
    extra_context = {"title": _("Edit salesperson")}
