"""The customer's user administration on the portal: its users (the subtree's at Corporate),
invitations, roles given to users, and the customer's own roles with their levels.

What a user may see and change comes from the access engine's levels for customer users
(``customers.customeruser``: view, edit = invite and assign roles, delete = deactivate); each
user row is loaded through ``reach()`` for the action at hand, so another customer's user is a
404. The pages open only where the level reaches past the user's own row (Department or
Corporate): a buyer, who sees only themselves, finds no user administration. Every write is a
``customers.portal_users`` service, bounded by ``within`` (the administrator's customer).
"""

from collections import defaultdict

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.generic import DetailView, FormView, ListView, TemplateView, View

from crm.access import Action, Level, level_for, portal_record_types
from crm.errors import DomainError
from crm.models.access import PORTAL_LEVEL_CHOICES
from crm.ui.pagination import CappedPaginator
from customers import portal_users
from customers.models import Customer, CustomerRole, CustomerRolePermission, CustomerUser
from portal.forms_users import InviteForm, RoleForm, UserRolesForm
from portal.views.base import PortalMixin, reach, sees_others

__all__ = [
    "InviteView",
    "RoleDeleteView",
    "RoleEditView",
    "RoleListView",
    "UserActiveView",
    "UserDetailView",
    "UserListView",
    "UserResendView",
    "UserRolesView",
]


def user_status(user: CustomerUser) -> tuple[str, str]:
    """(key, label) of where the user stands: invited, active or deactivated."""
    if not user.is_active:
        return "deactivated", _("Deactivated")
    if not user.has_password:
        return "invited", _("Invited")
    return "active", _("Active")


class UsersMixin(PortalMixin):
    section = "portal:users"
    # The action whose level must reach past the user's own row to open the page.
    needs = Action.VIEW

    def dispatch(self, request, *args, **kwargs):
        if request.customer_user is not None and not sees_others(request, CustomerUser, self.needs):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def users(self, action: str = Action.VIEW):
        """The customer users ``action`` reaches."""
        return CustomerUser.objects.filter(reach(self.request, CustomerUser, action))

    def user_or_404(self, action: str) -> CustomerUser:
        return get_object_or_404(
            self.users(action).select_related("customer"), pk=self.kwargs["pk"]
        )

    def level(self, action: str) -> str:
        return level_for(self.portal_user, self.request.company, CustomerUser, action)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            can_invite=sees_others(self.request, CustomerUser, Action.EDIT),
            corporate=self.level(Action.VIEW) == Level.COMPANY,
        )
        return context


class UserListView(UsersMixin, ListView):
    template_name = "portal/user_list.html"
    paginate_by = 25
    paginator_class = CappedPaginator
    context_object_name = "users"

    def get_queryset(self):
        return (
            self.users()
            .select_related("customer")
            .prefetch_related(Prefetch("roles", queryset=CustomerRole.objects.order_by("name")))
            .order_by("customer__name", "last_name", "first_name", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = [{"user": user, "status": user_status(user)} for user in context["users"]]
        return context


class InviteView(UsersMixin, FormView):
    template_name = "portal/user_invite.html"
    form_class = InviteForm
    needs = Action.EDIT

    def customers(self):
        ids = self.portal_user.customer_ids(self.level(Action.EDIT))
        return Customer.objects.filter(pk__in=ids).order_by("name", "pk")

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        ids = self.portal_user.customer_ids(self.level(Action.EDIT))
        kwargs["customers"] = self.customers()
        roles = (
            CustomerRole.objects.filter(Q(customer__isnull=True) | Q(customer__in=ids))
            .select_related("customer")
            .order_by("customer_id", "name", "pk")
        )
        if self.request.method == "GET":
            # Offer only roles the administrator could make; a posted one is the service's to
            # refuse, with its reason.
            roles = roles.exclude(pk__in=portal_users.roles_above(self.portal_user, roles))
        kwargs["roles"] = roles
        return kwargs

    def get_initial(self):
        return {"customer": self.customer.pk}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = portal_users.customer_user_invite(
                customer=data["customer"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                roles=data["roles"],
                actor=self.portal_user,
                within=self.customer,
                base_url=self.request.build_absolute_uri("/"),
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _(
                "%(user)s is invited: an e-mail with a link to choose a password is on its way to "
                "%(email)s."
            )
            % {"user": user, "email": user.email},
        )
        return redirect("portal:users")


class UserDetailView(UsersMixin, DetailView):
    model = CustomerUser
    template_name = "portal/user_detail.html"
    context_object_name = "managed"

    def get_object(self, queryset=None):
        return self.user_or_404(Action.VIEW)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        managed = self.object
        can_edit = self.users(Action.EDIT).filter(pk=managed.pk).exists()
        context.update(
            status=user_status(managed),
            roles=list(managed.roles.select_related("customer").order_by("name")),
            can_edit=can_edit,
            can_delete=self.users(Action.DELETE).filter(pk=managed.pk).exists(),
        )
        if can_edit:
            roles = portal_users.roles_for(managed.customer).select_related("customer")
            above = portal_users.roles_above(self.portal_user, roles)
            held = {role.pk for role in context["roles"]}
            context["roles_form"] = UserRolesForm(
                roles=roles.exclude(pk__in=above - held), initial={"roles": context["roles"]}
            )
        return context


class UserRolesView(UsersMixin, View):
    model = CustomerUser
    needs = Action.EDIT

    def post(self, request, pk):
        managed = self.user_or_404(Action.EDIT)
        form = UserRolesForm(request.POST, roles=portal_users.roles_for(managed.customer))
        if not form.is_valid():
            messages.error(request, " ".join(form.errors["roles"]))
            return redirect("portal:user_detail", pk=managed.pk)
        try:
            portal_users.customer_user_set_roles(
                user=managed,
                roles=form.cleaned_data["roles"],
                actor=self.portal_user,
                within=self.customer,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The roles of %(user)s are saved.") % {"user": managed})
        return redirect("portal:user_detail", pk=managed.pk)


class UserResendView(UsersMixin, View):
    model = CustomerUser
    needs = Action.EDIT

    def post(self, request, pk):
        managed = self.user_or_404(Action.EDIT)
        try:
            portal_users.customer_user_invitation_resend(
                user=managed, base_url=request.build_absolute_uri("/")
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("The invitation went to %(email)s again.") % {"email": managed.email}
            )
        return redirect("portal:user_detail", pk=managed.pk)


class UserActiveView(UsersMixin, View):
    """Deactivate (``active=False``) or reactivate a user: the delete permission."""

    model = CustomerUser
    needs = Action.DELETE
    active = False

    def post(self, request, pk):
        managed = self.user_or_404(Action.DELETE)
        service = (
            portal_users.customer_user_reactivate
            if self.active
            else portal_users.customer_user_deactivate
        )
        try:
            service(user=managed, actor=self.portal_user, within=self.customer)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            done = (
                _("%(user)s can sign in again.")
                if self.active
                else _("%(user)s can no longer sign in.")
            )
            messages.success(request, done % {"user": managed})
        return redirect("portal:user_detail", pk=managed.pk)


# --- the customer's roles ----------------------------------------------------------------------


# The levels in one word each, for the roles table; its legend gives the long labels.
SHORT_LEVELS = {
    Level.COMPANY: _lazy("Corporate"),
    Level.TEAM: _lazy("Department"),
    Level.OWN: _lazy("User"),
    Level.NONE: _lazy("None"),
}


class RolesMixin(UsersMixin):
    """Roles are the customer administrator's: those whose invite level reaches past themselves."""

    needs = Action.EDIT

    def own_roles(self):
        return CustomerRole.objects.filter(customer=self.customer)

    def role_or_404(self) -> CustomerRole:
        return get_object_or_404(self.own_roles(), pk=self.kwargs["pk"])


class RoleListView(RolesMixin, TemplateView):
    template_name = "portal/role_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        roles = list(portal_users.roles_for(self.customer))
        stored = defaultdict(dict)
        for row in CustomerRolePermission.objects.filter(role__in=[r.pk for r in roles]):
            stored[row.role_id][(row.record_type, row.action)] = row.level
        permissions = [
            (record_type, action)
            for record_type in portal_record_types()
            for action in record_type.actions
        ]
        context.update(
            roles=roles,
            legend=[label for _value, label in PORTAL_LEVEL_CHOICES],
            matrix=[
                {
                    "records": record_type.verbose_name_plural,
                    "action": record_type.action_label(action),
                    "levels": [
                        SHORT_LEVELS[stored[role.pk].get((record_type.label, action), Level.NONE)]
                        for role in roles
                    ],
                }
                for record_type, action in permissions
            ],
        )
        return context


class RoleEditView(RolesMixin, FormView):
    """Create (no ``pk``) or change one of the customer's own roles."""

    model = CustomerRole
    template_name = "portal/role_form.html"
    form_class = RoleForm

    def get_role(self) -> CustomerRole | None:
        if "pk" not in self.kwargs:
            return None
        if not hasattr(self, "_role"):
            self._role = self.role_or_404()
        return self._role

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        role = self.get_role()
        kwargs["actor"] = self.portal_user
        kwargs["levels"] = portal_users.role_levels(role) if role else {}
        return kwargs

    def get_initial(self):
        role = self.get_role()
        if role is None:
            return {}
        return {"name": role.name, "description": role.description}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["role"] = self.get_role()
        return context

    def form_valid(self, form):
        try:
            role = portal_users.customer_role_save(
                company=self.request.company,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                levels=form.levels(),
                actor=self.portal_user,
                role=self.get_role(),
                customer=self.customer,
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("The role %(role)s is saved.") % {"role": role})
        return redirect("portal:roles")


class RoleDeleteView(RolesMixin, View):
    model = CustomerRole

    def post(self, request, pk):
        role = self.role_or_404()
        try:
            portal_users.customer_role_delete(role=role, actor=self.portal_user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The role %(role)s is deleted.") % {"role": role})
        return redirect(reverse("portal:roles"))
