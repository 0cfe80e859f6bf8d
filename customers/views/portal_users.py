"""The staff's side of the customer portal: a customer's portal users (invite, roles,
deactivate), and the company's customer roles with their access levels.

Who may manage a customer's users is the staff user's edit level on the customer (crm.access):
a customer beyond it is a 404, as another company's is. The customer roles are the company's
admins' (like the staff's own access levels).
"""

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView

from crm.access import Action, access_filter
from crm.errors import DomainError
from crm.models import Membership
from crm.models.access import PORTAL_LEVEL_CHOICES
from crm.views.mixins import AdminRoleRequiredMixin, has_role
from customers.forms import (
    CustomerRoleAddForm,
    CustomerRoleLevelsForm,
    PortalInviteForm,
    PortalUserRolesForm,
)
from customers.models import Customer, CustomerRole, CustomerUser
from customers.portal_users import (
    customer_role_delete,
    customer_role_save,
    customer_roles_levels_save,
    customer_user_deactivate,
    customer_user_invitation_resend,
    customer_user_invite,
    customer_user_reactivate,
    customer_user_set_roles,
    role_levels,
)

__all__ = [
    "CustomerRoleCreateView",
    "CustomerRoleDeleteView",
    "CustomerRolesView",
    "PortalUserDeactivateView",
    "PortalUserDetailView",
    "PortalUserInviteView",
    "PortalUserReactivateView",
    "PortalUserResendView",
]


def portal_users_url(customer: Customer) -> str:
    return customer.get_absolute_url() + "#portal-users-heading"


def _editable_customers(request):
    """The customers whose portal users the staff user may manage: their edit level's reach."""
    return Customer.objects.filter(company=request.company).filter(
        access_filter(request.user, request.company, Customer, Action.EDIT)
    )


class _EditableCustomerMixin:
    """Loads ``self.customer``: one whose edit level the user has, or a 404."""

    url_models = {"pk": Customer}

    def dispatch(self, request, *args, **kwargs):
        self.customer = get_object_or_404(_editable_customers(request), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["customer"] = self.customer
        return context


class _PortalUserMixin:
    """Loads ``self.portal_user`` and ``self.customer``: a user of a customer whose edit level
    the staff user has, or a 404 (as another company's user is)."""

    url_models = {"pk": CustomerUser}

    def dispatch(self, request, *args, **kwargs):
        self.portal_user = get_object_or_404(
            CustomerUser.objects.filter(
                company=request.company, customer__in=_editable_customers(request)
            ).select_related("customer", "contact"),
            pk=kwargs["pk"],
        )
        self.customer = self.portal_user.customer
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["customer"] = self.customer
        return context


class PortalUserInviteView(_EditableCustomerMixin, FormView):
    """Invite one of the customer's contacts, or someone typed in, to the portal."""

    template_name = "customers/portal_user_invite.html"
    form_class = PortalInviteForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["customer"] = self.customer
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        contact = self.request.GET.get("contact", "")
        if contact.isdigit():
            initial["contact"] = int(contact)
        return initial

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = customer_user_invite(
                customer=self.customer,
                contact=data["contact"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                roles=data["roles"],
                actor=self.request.user,
                base_url=self.request.build_absolute_uri("/"),
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(user)s is invited: a link to choose a password is on its way to %(email)s.")
            % {"user": user, "email": user.email},
        )
        return HttpResponseRedirect(portal_users_url(self.customer))


class PortalUserDetailView(_PortalUserMixin, FormView):
    """One portal user: their roles (the form), and resend, deactivate or reactivate."""

    template_name = "customers/portal_user_detail.html"
    form_class = PortalUserRolesForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["customer"] = self.customer
        return kwargs

    def get_initial(self):
        return {"roles": [role.pk for role in self.portal_user.roles.all()]}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["portal_user"] = self.portal_user
        context["can_edit_roles"] = has_role(self.request, Membership.ADMIN_ROLES)
        return context

    def form_valid(self, form):
        try:
            customer_user_set_roles(
                user=self.portal_user, roles=form.cleaned_data["roles"], actor=self.request.user
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(user)s's roles are saved. They apply from their next page on the portal.")
            % {"user": self.portal_user},
        )
        return HttpResponseRedirect(self.portal_user.get_absolute_url())


class _PortalUserActionView(_PortalUserMixin, View):
    """A POST-only change of one portal user through its service; a refusal is a message."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            message = self.act(self.portal_user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, message)
        return HttpResponseRedirect(self.portal_user.get_absolute_url())

    def act(self, user: CustomerUser) -> str:
        raise NotImplementedError


class PortalUserResendView(_PortalUserActionView):
    def act(self, user):
        customer_user_invitation_resend(user=user, base_url=self.request.build_absolute_uri("/"))
        return _("The invitation was sent again to %(email)s.") % {"email": user.email}


class PortalUserDeactivateView(_PortalUserActionView):
    def act(self, user):
        customer_user_deactivate(user=user, actor=self.request.user)
        return _("%(user)s can no longer sign in to the portal.") % {"user": user}


class PortalUserReactivateView(_PortalUserActionView):
    def act(self, user):
        customer_user_reactivate(user=user, actor=self.request.user)
        return _("%(user)s can sign in to the portal again.") % {"user": user}


# --- the company's customer roles ---------------------------------------------------------------


def _company_roles(company):
    return list(
        CustomerRole.objects.filter(company=company, customer__isnull=True)
        .annotate(holders=Count("users"))
        .order_by("name", "pk")
    )


class CustomerRolesView(AdminRoleRequiredMixin, FormView):
    """The company's customer roles as a table of record type x action, one select per role;
    a role added or an unused one deleted; the customers' own roles listed beside."""

    template_name = "customers/portal_roles.html"
    form_class = CustomerRoleLevelsForm

    def dispatch(self, request, *args, **kwargs):
        self.roles = None
        return super().dispatch(request, *args, **kwargs)

    def _roles(self):
        if self.roles is None:
            # The predefined roles exist: made with the company (customer_roles_ensure) or,
            # for older companies, by the migration that brought them.
            self.roles = _company_roles(self.request.company)
        return self.roles

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        roles = self._roles()
        kwargs["roles"] = roles
        kwargs["levels_by_role"] = _levels_by_role(roles)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = self._roles()
        context["level_meanings"] = PORTAL_LEVEL_CHOICES
        context["add_form"] = CustomerRoleAddForm(auto_id="add_%s")
        context["customer_roles"] = (
            CustomerRole.objects.filter(company=self.request.company, customer__isnull=False)
            .select_related("customer")
            .annotate(holders=Count("users"))
            .order_by("customer__name", "name", "pk")
        )
        return context

    def form_valid(self, form):
        try:
            customer_roles_levels_save(
                company=self.request.company,
                levels_by_role=form.levels_by_role(),
                actor=self.request.user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Customer roles saved. They apply from the customer users' next page."),
        )
        return HttpResponseRedirect(reverse("customers:portal_roles"))


def _levels_by_role(roles) -> dict[int, dict]:
    """Each role's levels. One query per role: a company has a handful of roles."""
    return {role.pk: role_levels(role) for role in roles}


class CustomerRoleCreateView(AdminRoleRequiredMixin, View):
    """Add a company role (its levels start at None); a refusal comes back as a message."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = CustomerRoleAddForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the new role a name."))
            return HttpResponseRedirect(reverse("customers:portal_roles"))
        try:
            role = customer_role_save(
                company=request.company,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                levels={},
                actor=request.user,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The role %(role)s was added: choose its levels below.") % {"role": role}
            )
        return HttpResponseRedirect(reverse("customers:portal_roles"))


class CustomerRoleDeleteView(AdminRoleRequiredMixin, View):
    """Delete a role of the company that nobody holds; the predefined ones stay."""

    url_models = {"role_pk": CustomerRole}

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        role = CustomerRole.objects.filter(
            company=request.company, customer__isnull=True, pk=kwargs["role_pk"]
        ).first()
        if role is None:
            raise Http404
        try:
            customer_role_delete(role=role, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The role %(role)s was deleted.") % {"role": role})
        return HttpResponseRedirect(reverse("customers:portal_roles"))
