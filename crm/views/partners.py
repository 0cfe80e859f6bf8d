"""Sales partners of both kinds on one list; create and edit use the subtype's form."""

from django.http import Http404
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import DeleteView, DetailView

from crm.filters import PartnerFilter
from crm.forms import PARTNER_FORMS
from crm.models import IndividualPartner, OrganizationPartner, SalesPartner
from crm.services import partner_save
from crm.tables import partner_table
from crm.ui.export import Column, Export
from crm.views.mixins import (
    CompanyListView,
    CompanyQuerysetMixin,
    ProtectedDeleteMixin,
    RoleContextMixin,
    RoleRequiredMixin,
)
from crm.views.records import ServiceCreateView, ServiceUpdateView

PARTNER_MODELS = {
    SalesPartner.Kind.INDIVIDUAL: IndividualPartner,
    SalesPartner.Kind.ORGANIZATION: OrganizationPartner,
}


class PartnerDeleteContextMixin(RoleContextMixin):
    """Salespeople create and edit partners; only managers and up delete them."""

    role_context_name = "can_delete"


class PartnerListView(CompanyListView):
    model = SalesPartner
    filterset_class = PartnerFilter
    template_name = "crm/partner_list.html"
    export = Export(
        "sales-partners",
        [
            Column(_("ID"), "pk"),
            Column(_("Name"), "name"),
            Column(_("E-mail"), "email"),
            Column(_("Phone"), "phone"),
            Column(_("Commission rate (%)"), "commission_rate"),
            Column(_("Active"), "is_active"),
            Column(_("Created"), "created_at"),
        ],
    )
    partial_template_name = "crm/partials/_partner_table.html"
    table = partner_table
    sort_fields = {
        "name": "name",
        "email": "email",
        "commission": "commission_rate",
        "created": "created_at",
    }
    default_sort = "name"

    def get_queryset(self):
        # Every column lives on the base table: one query for the page, no subtype lookups.
        return super().get_queryset().non_polymorphic()


class PartnerDetailView(PartnerDeleteContextMixin, CompanyQuerysetMixin, DetailView):
    model = SalesPartner
    template_name = "crm/partner_detail.html"
    context_object_name = "partner"


class PartnerCreateView(ServiceCreateView):
    """``partners/new/<kind>/``: the kind picks the subtype and its form."""

    cancel_url = reverse_lazy("crm:partner_list")
    success_message = _("Sales partner %(object)s was added.")

    def dispatch(self, request, *args, **kwargs):
        if kwargs["kind"] not in PARTNER_MODELS:
            raise Http404
        self.kind = SalesPartner.Kind(kwargs["kind"])
        self.model = PARTNER_MODELS[self.kind]
        return super().dispatch(request, *args, **kwargs)

    def get_form_class(self):
        return PARTNER_FORMS[self.kind]

    def save_service(self, instance):
        return partner_save(partner=instance)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = {
            SalesPartner.Kind.INDIVIDUAL: _("New individual partner"),
            SalesPartner.Kind.ORGANIZATION: _("New organization partner"),
        }[self.kind]
        context["breadcrumb_url"] = reverse_lazy("crm:partner_list")
        context["breadcrumb_label"] = _("Sales partners")
        return context


class PartnerUpdateView(ServiceUpdateView):
    model = SalesPartner
    success_message = _("Sales partner %(object)s was saved.")
    extra_context = {"title": _("Edit sales partner")}

    def get_form_class(self):
        # The scoped polymorphic manager hands back the subtype instance.
        return PARTNER_FORMS[self.object.kind]

    def save_service(self, instance):
        return partner_save(partner=instance)


class PartnerDeleteView(RoleRequiredMixin, ProtectedDeleteMixin, CompanyQuerysetMixin, DeleteView):
    model = SalesPartner
    template_name = "crm/object_confirm_delete.html"
    success_url = reverse_lazy("crm:partner_list")
