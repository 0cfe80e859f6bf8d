"""The access settings page: how far each role reaches, per record type and action."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView

from crm.access.forms import AccessLevelsForm
from crm.access.services import role_access_levels_save
from crm.errors import DomainError
from crm.models import Membership
from crm.views.mixins import AdminRoleRequiredMixin


class AccessSettingsView(AdminRoleRequiredMixin, FormView):
    """Owners and admins choose each role's level; the owner's is fixed at the company's."""

    template_name = "crm/access_settings.html"
    form_class = AccessLevelsForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["company"] = self.request.company
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = Membership.Role.choices
        return context

    def form_valid(self, form):
        try:
            role_access_levels_save(
                company=self.request.company, levels=form.levels(), actor=self.request.user
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Access levels saved. They apply from the next page."))
        return HttpResponseRedirect(reverse("crm:access_settings"))
