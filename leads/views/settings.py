"""The company-defined lists leads choose from (sources, stages, lost reasons), for managers."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView

from crm.views.mixins import (
    CompanyQuerysetMixin,
    LenientPaginationMixin,
    RoleRequiredMixin,
)
from crm.views.records import ServiceCreateView, ServiceUpdateView
from leads import services
from leads.forms import (
    LeadSourceForm,
    LostReasonForm,
    OpportunityStageForm,
)
from leads.models import LeadSource, LostReason, OpportunityStage

COMPANY_LISTS = {
    "source": (LeadSource, LeadSourceForm, gettext_lazy("Lead sources")),
    "stage": (OpportunityStage, OpportunityStageForm, gettext_lazy("Opportunity stages")),
    "lostreason": (LostReason, LostReasonForm, gettext_lazy("Lost reasons")),
}


class CompanyListMixin(RoleRequiredMixin):
    list_key = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["list_key"] = self.list_key
        context["list_title"] = COMPANY_LISTS[self.list_key][2]
        context["lists"] = [(key, value[2]) for key, value in COMPANY_LISTS.items()]
        return context


class CompanyListIndexView(
    CompanyListMixin, LenientPaginationMixin, CompanyQuerysetMixin, ListView
):
    template_name = "leads/company_list.html"
    paginate_by = 100


class CompanyListCreateView(CompanyListMixin, ServiceCreateView):
    success_message = gettext_lazy("%(object)s was added.")

    def get_success_url(self):
        return reverse(f"leads:{self.list_key}_list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse(f"leads:{self.list_key}_list")
        context["title"] = _("New entry in %(list)s") % {"list": context["list_title"]}
        return context

    def save_service(self, instance):
        return services.company_list_save(row=instance)


class CompanyListUpdateView(CompanyListMixin, ServiceUpdateView):
    success_message = gettext_lazy("%(object)s was saved.")

    def get_success_url(self):
        return reverse(f"leads:{self.list_key}_list")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = reverse(f"leads:{self.list_key}_list")
        context["title"] = _("Edit %(object)s") % {"object": self.object}
        return context

    def save_service(self, instance):
        return services.company_list_save(row=instance)


def company_list_views(key: str) -> tuple[type, type, type]:
    model, form_class, _title = COMPANY_LISTS[key]
    attrs = {"model": model, "list_key": key}
    index = type(f"{model.__name__}ListView", (CompanyListIndexView,), attrs)
    create = type(
        f"{model.__name__}CreateView", (CompanyListCreateView,), {**attrs, "form_class": form_class}
    )
    update = type(
        f"{model.__name__}UpdateView", (CompanyListUpdateView,), {**attrs, "form_class": form_class}
    )
    return index, create, update
