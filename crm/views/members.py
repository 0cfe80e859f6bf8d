"""Settings > Members: who may use the company's CRM, and in which role."""

from django.contrib import messages
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from crm.errors import DomainError
from crm.forms import MembershipAddForm, MembershipRoleForm
from crm.models import Membership
from crm.services import membership_add, membership_change_role, membership_remove
from crm.views.mixins import AdminRoleRequiredMixin


def _settings_url():
    return reverse("crm:settings") + "#members"


class MemberAddView(AdminRoleRequiredMixin, FormView):
    form_class = MembershipAddForm
    template_name = "crm/member_add.html"

    def form_valid(self, form):
        try:
            membership, created = membership_add(
                company=self.request.company,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=self.request.user,
            )
        except DomainError as error:
            form.add_error("email", error.message)
            return self.form_invalid(form)
        if created:
            # A new account has no password: send the reset link once the member row is saved.
            reset = PasswordResetForm({"email": membership.user.email})
            if reset.is_valid():
                request = self.request
                transaction.on_commit(
                    lambda: reset.save(request=request, use_https=request.is_secure())
                )
        # The same words whether or not the account existed: adding a member must not tell an
        # admin which addresses have accounts elsewhere.
        messages.success(
            self.request,
            _("%(email)s now has access. Anyone without a password gets an e-mail to choose one.")
            % {"email": membership.user.email},
        )
        return HttpResponseRedirect(_settings_url())


class MemberRoleView(AdminRoleRequiredMixin, View):
    model = Membership
    http_method_names = ["post"]

    def post(self, request, pk):
        membership = get_object_or_404(Membership.objects.filter(company=request.company), pk=pk)
        form = MembershipRoleForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose one of the roles offered."))
            return HttpResponseRedirect(_settings_url())
        try:
            membership_change_role(
                membership=membership, role=form.cleaned_data["role"], actor=request.user
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Role changed."))
        return HttpResponseRedirect(_settings_url())


class MemberRemoveView(AdminRoleRequiredMixin, View):
    model = Membership
    http_method_names = ["post"]

    def post(self, request, pk):
        membership = get_object_or_404(Membership.objects.filter(company=request.company), pk=pk)
        try:
            membership_remove(membership=membership, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(user)s no longer has access.") % {"user": membership.user.get_username()},
            )
        return HttpResponseRedirect(_settings_url())
