"""Pages of the core app: dashboard, company switching, settings, sections still to come."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView, UpdateView

from crm.forms import CompanySettingsForm, CompanySwitchForm
from crm.models import Membership
from crm.tenancy import activate_company, companies_for
from crm.ui.dashboard import period_choices, period_for, render_widgets
from crm.versioning import StaleEditError
from crm.views.company_lists import registered_lists
from crm.views.mixins import AdminRoleRequiredMixin, VersionedFormViewMixin


class DashboardView(TemplateView):
    """The company's figures for a period (``?period=``), as the cards apps registered."""

    template_name = "crm/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period = period_for(self.request.GET.get("period"))
        context["period"] = period
        context["period_choices"] = period_choices()
        context["widgets"] = render_widgets(
            company=self.request.company, user=self.request.user, period=period
        )
        return context


@require_POST
def switch_company(request):
    form = CompanySwitchForm(request.POST, companies=companies_for(request.user))
    if not form.is_valid():
        # Another company's id looks exactly like one that does not exist.
        raise Http404
    activate_company(request, form.cleaned_data["company"])
    messages.success(
        request,
        _("You are now working in %(company)s.") % {"company": form.cleaned_data["company"]},
    )
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("crm:dashboard")
    # Ids in the old URL belong to the old company: land on the section's list instead.
    if any(part.isdigit() for part in next_url.split("?")[0].split("/")):
        next_url = reverse("crm:dashboard")
    return HttpResponseRedirect(next_url)


class CompanySettingsView(AdminRoleRequiredMixin, VersionedFormViewMixin, UpdateView):
    template_name = "crm/settings.html"
    form_class = CompanySettingsForm

    def get_object(self, queryset=None):
        return self.request.company

    def get_success_url(self):
        return reverse("crm:settings")

    def form_valid(self, form):
        self.mark_editor(form)
        try:
            response = super().form_valid(form)
        except StaleEditError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Company settings saved."))
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["memberships"] = (
            Membership.objects.filter(company=self.request.company)
            .select_related("user")
            .order_by("role", "user__username")
        )
        context["roles"] = Membership.Role.choices
        context["company_lists"] = [(entry, entry.url()) for entry in registered_lists()]
        return context
