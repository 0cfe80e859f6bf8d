"""The access settings page: how far each role reaches, per record type and action."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView

from crm.access import Level
from crm.access.forms import AccessLevelsForm
from crm.access.services import StaleAccessLevels, role_access_levels_save
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
                company=self.request.company,
                levels=form.levels(),
                actor=self.request.user,
                seen_version=form.cleaned_data["version"],
            )
        except StaleAccessLevels as error:
            # The table shows the levels in force now; the message lists what this person chose.
            fresh = self.get_form_class()(company=self.request.company)
            wanted = [
                _("You chose “%(wanted)s” for “%(setting)s”; it is “%(now)s” now.")
                % {
                    "wanted": Level(wanted).label,
                    "setting": fresh.describe(record_type, action, role),
                    "now": Level(now).label,
                }
                for record_type, action, role, wanted, now in error.wanted
            ]
            context = self.get_context_data(form=fresh, stale=error.message, wanted=wanted)
            return self.render_to_response(context)
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("Access levels saved. They apply from the next page."))
        return HttpResponseRedirect(reverse("crm:access_settings"))
