from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from addressbook.admin import attach_link_inlines
from crm.admin_base import CompanyScopedAdmin, CompanyScopedInlineMixin
from crm.errors import DomainError
from crm.forms import bind_company
from customers import portal_users, services
from customers.models import (
    BalanceEntry,
    Customer,
    CustomerGroup,
    CustomerLink,
    CustomerRole,
    CustomerRolePermission,
    CustomerType,
    CustomerUser,
    GiftCard,
    GroupContent,
    GroupPrice,
    ProductLimit,
)
from customers.services import (
    customer_check_parent,
    customer_save,
    lead_convert_to_customer,
    opportunity_convert_to_customer,
)
from leads.admin import LeadAdmin, OpportunityAdmin


class CompanyBoundInline(CompanyScopedInlineMixin, admin.TabularInline):
    """Rows validated with their company, so a product listed twice is a form error (the
    unique constraints name ``company``), not a database error."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = bind_company(formset.form, request.company)
        return formset


class GroupPriceInline(CompanyBoundInline):
    """The group's price list: net unit prices that replace the catalog's (selling.pricing)."""

    model = GroupPrice
    fields = ["product", "unit_price"]
    extra = 0


class ProductLimitInline(CompanyBoundInline):
    """Products sold only to this type or group (customers.selectors.ProductLimits)."""

    model = ProductLimit
    fields = ["product"]
    extra = 0
    verbose_name = gettext_lazy("product only for this one")
    verbose_name_plural = gettext_lazy("products only for this one")


class GroupLimitInline(ProductLimitInline):
    fk_name = "customer_group"


class TypeLimitInline(ProductLimitInline):
    fk_name = "customer_type"


@admin.register(CustomerGroup)
class CustomerGroupAdmin(CompanyScopedAdmin):
    list_display = ["name", "discount_percent", "payment_terms_days", "description"]
    search_fields = ["name"]
    inlines = [GroupPriceInline, GroupLimitInline]


@admin.register(CustomerType)
class CustomerTypeAdmin(CompanyScopedAdmin):
    list_display = ["name", "is_business", "discount_percent"]
    list_filter = ["is_business"]
    search_fields = ["name"]
    inlines = [TypeLimitInline]


class CustomerLinkInline(CompanyScopedInlineMixin, admin.TabularInline):
    model = CustomerLink
    fields = ["kind", "lead", "opportunity", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # links are made by the conversions


class CustomerAdminForm(forms.ModelForm):
    """Status and hold reason by the services' rules: only the moves the transitions table
    allows, a reason when on hold and none otherwise. The move itself is made by the service
    (``CustomerAdmin.save_model``), which also records who put the customer on hold."""

    # No Meta: the admin builds the form over every field (a Meta naming fields here would
    # limit the change page to them); the relations' choices need a company scope, none at import.

    def clean(self):
        cleaned = super().clean()
        self._check_parent(cleaned)
        status = cleaned.get("status")
        if status is None:
            return cleaned
        if status != Customer.Status.ON_HOLD:
            # Leaving the hold (or never on it): the reason goes with it.
            cleaned["hold_reason"] = ""
            self.instance.hold_reason = ""
            self.errors.pop("hold_reason", None)
        elif not (cleaned.get("hold_reason") or "").strip():
            self.add_error("hold_reason", _("Say why the customer is on hold."))
        stored = self.instance.status if self.instance.pk else Customer.Status.ACTIVE
        if status != stored and not Customer(status=stored).can_move_to(status):
            self.add_error(
                "status",
                _("A customer that is %(old)s cannot become %(new)s: reactivate it first.")
                % {
                    "old": Customer.Status(stored).label.lower(),
                    "new": Customer.Status(status).label.lower(),
                },
            )
        return cleaned

    def _check_parent(self, cleaned) -> None:
        parent = cleaned.get("parent")
        if parent is not None and self.instance.pk is not None:
            # The service's own check, early, so a loop is a form error rather than a message
            # after the fact; ``customer_save`` asks again under the hierarchy lock.
            probe = Customer(
                pk=self.instance.pk,
                company_id=self.instance.company_id,
                name=cleaned.get("name") or self.instance.name,
                parent=parent,
            )
            try:
                customer_check_parent(probe)
            except DomainError as error:
                raise ValidationError(error.message, code=error.code) from error

    def _get_validation_exclusions(self):
        # Checked above and by the service; the constraints would see the old hold fields.
        return {*super()._get_validation_exclusions(), "status", "hold_reason"}


@admin.action(description=gettext_lazy("Release the hold of the selected customers"))
def release_hold(modeladmin, request, queryset):
    _run_status(modeladmin, request, queryset, services.customer_release_hold)


@admin.action(description=gettext_lazy("Mark the selected customers inactive"))
def mark_inactive(modeladmin, request, queryset):
    _run_status(modeladmin, request, queryset, services.customer_set_inactive)


@admin.action(description=gettext_lazy("Reactivate the selected customers"))
def reactivate(modeladmin, request, queryset):
    _run_status(modeladmin, request, queryset, services.customer_reactivate)


def _run_status(modeladmin, request, queryset, service) -> None:
    """Each customer through the service in its own transaction; refusals are listed."""
    done = 0
    for customer in queryset.order_by("pk"):
        try:
            service(customer=customer, actor=request.user)
        except DomainError as error:
            modeladmin.message_user(request, f"{customer}: {error.message}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request, _("%(count)d customer(s) changed.") % {"count": done}, messages.SUCCESS
        )


@admin.register(Customer)
class CustomerAdmin(CompanyScopedAdmin):
    form = CustomerAdminForm
    list_display = [
        "name",
        "customer_type",
        "customer_group",
        "email",
        "phone",
        "salesperson",
        "status",
        "created_at",
    ]
    list_filter = ["status", "customer_type", "customer_group"]
    search_fields = ["name", "email", "phone"]
    list_select_related = ["customer_type", "customer_group", "salesperson"]
    # A company may have a million customers: the parent is found by typing, never listed.
    autocomplete_fields = ["parent"]
    raw_id_fields = ["lead", "opportunity"]
    # Where the customer came from is set by the conversion, never by hand; who put it on hold
    # and when, by the hold; the balance and the lifetime sales value move only with their
    # ledger and orders.
    readonly_fields = [
        "lead",
        "opportunity",
        "held_at",
        "held_by",
        "balance",
        "lifetime_sales_value",
    ]
    inlines = [CustomerLinkInline]
    actions = [release_hold, mark_inactive, reactivate]

    def save_model(self, request, obj, form, change):
        """The other fields are saved as usual; a new status goes through the services (the
        transitions table, the timeline, who put it on hold)."""
        status, reason = obj.status, obj.hold_reason
        if change:
            stored = Customer.objects.filter(company=request.company, pk=obj.pk).values(
                "status", "hold_reason"
            )[0]
            obj.status, obj.hold_reason = stored["status"], stored["hold_reason"]
        else:
            obj.status, obj.hold_reason = Customer.Status.ACTIVE, ""
        # Through the service, as the customer pages do: the hierarchy lock and loop check.
        if not change:
            obj.company = request.company
        self.mark_editor(request, obj)
        customer_save(customer=obj, actor=request.user)
        if (status, reason) == (obj.status, obj.hold_reason):
            return
        # A refusal propagates: the admin's transaction rolls the other fields back too, and
        # changeform_view shows the message (nothing half saved).
        changed = services.customer_set_status(
            customer=obj, status=status, reason=reason, actor=request.user
        )
        obj.status, obj.hold_reason = changed.status, changed.hold_reason
        obj.version = changed.version

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            # Refused by the service after the form's check (someone moved the tree meanwhile).
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.path)


class _ReadOnlyAdmin(CompanyScopedAdmin):
    """Rows written only by their services: the admin shows them and changes nothing."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BalanceEntry)
class BalanceEntryAdmin(_ReadOnlyAdmin):
    """The ledger: entries are never changed or deleted; a correction is posted on the
    customer's balance page."""

    list_display = ["created_at", "customer", "kind", "amount", "balance_after", "reference"]
    list_filter = ["kind"]
    search_fields = ["reference", "reason", "customer__name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer", "gift_card"]
    date_hierarchy = "created_at"


@admin.register(GiftCard)
class GiftCardAdmin(_ReadOnlyAdmin):
    """Cards are issued on the gift cards page, which shows the code once; only a digest of it
    is stored, so there is nothing here to read it from."""

    list_display = ["__str__", "amount", "expires_on", "customer", "redeemed_by", "issued_at"]
    list_select_related = ["customer", "redeemed_by"]
    search_fields = ["code_hint", "note", "customer__name", "redeemed_by__name"]
    exclude = ["code_digest", "issue_key"]
    raw_id_fields = ["customer"]


# --- the customer portal: users, roles, group content --------------------------------------------


@admin.action(description=gettext_lazy("Deactivate the selected customer users"))
def deactivate_customer_users(modeladmin, request, queryset):
    _run_portal_users(modeladmin, request, queryset, portal_users.customer_user_deactivate)


@admin.action(description=gettext_lazy("Reactivate the selected customer users"))
def reactivate_customer_users(modeladmin, request, queryset):
    _run_portal_users(modeladmin, request, queryset, portal_users.customer_user_reactivate)


def _run_portal_users(modeladmin, request, queryset, service) -> None:
    done = 0
    for user in queryset.order_by("pk"):
        try:
            service(user=user, actor=request.user)
        except DomainError as error:
            modeladmin.message_user(request, f"{user}: {error.message}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request, _("%(count)d customer user(s) changed.") % {"count": done}, messages.SUCCESS
        )


@admin.register(CustomerUser)
class CustomerUserAdmin(CompanyScopedAdmin):
    """Customer users are invited from the customer's page (which e-mails the link) and their
    roles and sign-in changed there or by the actions here; the password is never shown or
    set here. The admin corrects names and e-mail."""

    list_display = ["__str__", "email", "customer", "role_names", "is_active", "last_login"]
    list_filter = ["is_active", "roles"]
    search_fields = ["email", "first_name", "last_name", "customer__name"]
    list_select_related = ["customer"]
    fields = [
        "first_name",
        "last_name",
        "email",
        "customer",
        "contact",
        "role_names",
        "is_active",
        "invited_at",
        "joined_at",
        "last_login",
    ]
    readonly_fields = [
        "customer",
        "contact",
        "role_names",
        "is_active",
        "invited_at",
        "joined_at",
        "last_login",
    ]
    actions = [deactivate_customer_users, reactivate_customer_users]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("roles")

    @admin.display(description=gettext_lazy("roles"))
    def role_names(self, obj) -> str:
        return ", ".join(role.shown_name for role in obj.roles.all())

    def has_add_permission(self, request):
        return False  # invited from the customer's page, which sends the link

    def has_delete_permission(self, request, obj=None):
        return False  # deactivated instead: their quotations and orders name them


class CustomerRolePermissionInline(CompanyScopedInlineMixin, admin.TabularInline):
    """The role's levels: each row's level can change; which rows exist is the roles settings
    page's business (customers.portal_users.customer_role_save)."""

    model = CustomerRolePermission
    fields = ["record_type", "action", "level"]
    readonly_fields = ["record_type", "action"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CustomerRole)
class CustomerRoleAdmin(CompanyScopedAdmin):
    list_display = ["name", "key", "customer", "shown_description"]
    list_filter = ["key"]
    search_fields = ["name", "customer__name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
    inlines = [CustomerRolePermissionInline]

    @admin.display(description=gettext_lazy("description"))
    def shown_description(self, obj):
        return obj.shown_description

    def get_readonly_fields(self, request, obj=None):
        # The predefined key is set by customer_roles_ensure; a role's customer never changes.
        return ["key", "customer"] if obj is not None else ["key"]

    def has_delete_permission(self, request, obj=None):
        # Through customer_role_delete's rules: never a predefined role or one somebody holds.
        if obj is not None and (obj.key or obj.users.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request, obj):
        portal_users.customer_role_delete(role=obj, actor=request.user)


@admin.register(GroupContent)
class GroupContentAdmin(CompanyScopedAdmin):
    list_display = ["title", "customer_group", "valid_from", "valid_until"]
    list_filter = ["customer_group"]
    search_fields = ["title", "body"]
    list_select_related = ["customer_group"]
    date_hierarchy = "valid_from"


def _convert_action(service, field: str, description):
    @admin.action(description=description)
    def action(modeladmin, request, queryset):
        done = 0
        for record in queryset.order_by("pk"):
            try:
                service(**{field: record}, actor=request.user)
            except DomainError as error:
                modeladmin.message_user(request, f"{record}: {error.message}", messages.ERROR)
            else:
                done += 1
        if done:
            modeladmin.message_user(
                request,
                _("%(count)d record(s) are customers now.") % {"count": done},
                messages.SUCCESS,
            )

    action.__name__ = f"convert_{field}_to_customer"
    return action


# The conversions to customer, offered on the lead and opportunity admin lists. Exact
# duplicates (same e-mail or phone) are refused there: the page lets a person choose.
LeadAdmin.actions = [
    *LeadAdmin.actions,
    _convert_action(lead_convert_to_customer, "lead", gettext_lazy("Convert to customer")),
]
OpportunityAdmin.actions = [
    *(OpportunityAdmin.actions or []),
    _convert_action(
        opportunity_convert_to_customer, "opportunity", gettext_lazy("Convert to customer")
    ),
]

attach_link_inlines()
