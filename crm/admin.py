from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from polymorphic.admin import (
    PolymorphicChildModelAdmin,
    PolymorphicChildModelFilter,
    PolymorphicParentModelAdmin,
)

from crm import services
from crm.admin_base import CompanyScopedAdmin, NamedWidgetsMixin, VersionedAdminMixin
from crm.errors import DomainError
from crm.forms import is_company_owned
from crm.models import (
    Activity,
    Call,
    Company,
    GeneratedDataset,
    IndividualPartner,
    Meeting,
    Membership,
    Note,
    OrganizationPartner,
    Product,
    SalesPartner,
    Salesperson,
    SystemEvent,
    Task,
)
from crm.tenancy import companies_for

User = get_user_model()

admin.site.site_header = _("CRM administration")
admin.site.site_title = _("CRM admin")
admin.site.index_title = _("Administration")


@admin.register(Company)
class CompanyAdmin(NamedWidgetsMixin, VersionedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "currency", "default_vat_rate", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        # Staff see the companies they belong to; superusers see all (to switch between them).
        return super().get_queryset(request).filter(pk__in=companies_for(request.user))

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class MembershipAdminForm(forms.ModelForm):
    """Runs the members page's rule (``membership_check``) so a refusal is a form error."""

    actor = None  # set per request by MembershipAdmin.get_form

    class Meta:
        model = Membership
        fields = ["user", "role"]

    def clean(self):
        cleaned = super().clean()
        if "role" in cleaned:
            try:
                services.membership_check(
                    company=self.instance.company if self.instance.pk else self.company,
                    actor=self.actor,
                    membership=self.instance if self.instance.pk else None,
                    role=cleaned["role"],
                )
            except DomainError as error:
                raise ValidationError(error.message, code=error.code) from error
        return cleaned


@admin.register(Membership)
class MembershipAdmin(CompanyScopedAdmin):
    """Every write goes through the members services: only an owner grants, changes or removes
    the owner role, and a company always keeps one owner (the same rule as Settings > Members)."""

    form = MembershipAdminForm
    list_display = ["user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    actions = ["remove_members"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a membership to another account would hand its role (ownership too) over
        # without the rule: change the role, or remove and add.
        return ["user"] if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        form.company = request.company
        return form

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bypasses delete_model: remove_members instead
        return actions

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offering every account would list other companies' people. Staff add newcomers by
        # e-mail under Settings > Members; here they only re-assign existing members.
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = User.objects.filter(
                memberships__company=request.company
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            services.membership_change_role(membership=obj, role=obj.role, actor=request.user)
        else:
            created = services.membership_grant(
                company=request.company, user=obj.user, role=obj.role, actor=request.user
            )
            obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return True
        try:
            services.membership_check(
                company=obj.company, actor=request.user, membership=obj, role=None
            )
        except DomainError:
            return False
        return True

    def delete_model(self, request, obj):
        services.membership_remove(membership=obj, actor=request.user)

    @admin.action(description=_("Remove the selected members"), permissions=["delete"])
    def remove_members(self, request, queryset):
        members = list(queryset.select_related("user").order_by("pk"))
        try:
            with transaction.atomic():
                for membership in members:
                    services.membership_remove(membership=membership, actor=request.user)
        except DomainError as error:
            self.message_user(
                request,
                _("Nobody was removed: %(reason)s") % {"reason": error.message},
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            ngettext("Removed %(count)d member.", "Removed %(count)d members.", len(members))
            % {"count": len(members)},
            messages.SUCCESS,
        )


admin.site.unregister(User)


@admin.register(User)
class CompanyUserAdmin(UserAdmin):
    """Users are global, but staff only see the members of their active company."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(memberships__company=request.company).distinct()


@admin.register(Salesperson)
class SalespersonAdmin(CompanyScopedAdmin):
    list_display = ["name", "email", "user", "manager", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "email", "user__username"]
    list_select_related = ["manager", "user"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only the company's members can sell for it (as on the sales team page); offering every
        # account would list the people of every other company too.
        if db_field.name == "user":
            kwargs["queryset"] = (
                User.objects.filter(memberships__company=request.company)
                .order_by("username")
                .distinct()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Product)
class ProductAdmin(CompanyScopedAdmin):
    list_display = ["sku", "name", "unit_price", "vat_rate", "is_active"]
    list_filter = ["is_active", "vat_rate"]
    search_fields = ["sku", "name"]


class SalesPartnerChildAdmin(CompanyScopedAdmin, PolymorphicChildModelAdmin):
    """A subtype's admin: scoped to the active company like every other admin page."""

    base_model = SalesPartner
    show_in_index = False
    readonly_fields = ["name"]  # made from the subtype's name fields on save


@admin.register(IndividualPartner)
class IndividualPartnerAdmin(SalesPartnerChildAdmin):
    base_model = SalesPartner


@admin.register(OrganizationPartner)
class OrganizationPartnerAdmin(SalesPartnerChildAdmin):
    base_model = SalesPartner


@admin.register(SalesPartner)
class SalesPartnerAdmin(CompanyScopedAdmin, PolymorphicParentModelAdmin):
    """Lists both kinds; add, change and delete hand over to the subtype's admin, whose
    queryset is scoped too (a foreign id is a 404 before the hand-over)."""

    base_model = SalesPartner
    child_models = [IndividualPartner, OrganizationPartner]
    list_display = ["name", "polymorphic_ctype", "email", "phone", "commission_rate", "is_active"]
    list_filter = [PolymorphicChildModelFilter, "is_active"]
    search_fields = ["name", "email", "phone"]


class ActivityScopedMixin(NamedWidgetsMixin):
    """Timeline entries of the active company only; new ones are saved into it."""

    exclude = ("company",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(company=request.company)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.company = request.company
            if obj.author_id is None:
                obj.author = request.user
        super().save_model(request, obj, form, change)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if is_company_owned(db_field.related_model):
            kwargs["queryset"] = db_field.related_model.objects.filter(company=request.company)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ActivityChildAdmin(ActivityScopedMixin, PolymorphicChildModelAdmin):
    base_model = Activity
    list_display = ["__str__", "author", "occurred_at"]
    raw_id_fields = ["author"]


@admin.register(Note)
class NoteAdmin(ActivityChildAdmin):
    base_model = Activity


@admin.register(Call)
class CallAdmin(ActivityChildAdmin):
    base_model = Activity


@admin.register(Meeting)
class MeetingAdmin(ActivityChildAdmin):
    base_model = Activity


@admin.register(Task)
class TaskAdmin(ActivityChildAdmin):
    base_model = Activity
    raw_id_fields = ["author", "assigned_to"]


@admin.register(SystemEvent)
class SystemEventAdmin(ActivityChildAdmin):
    """Written by services; the admin shows them and never adds, edits or deletes one."""

    base_model = Activity
    list_display = ["shown_text", "event_kind", "author", "occurred_at"]
    readonly_fields = ["shown_text"]

    @admin.display(description=_("text"))
    def shown_text(self, obj: SystemEvent) -> str:
        """In the reader's language, as on the timeline (the stored body is English)."""
        return obj.text

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ActivityScopedMixin, PolymorphicParentModelAdmin):
    base_model = Activity
    child_models = [Note, Call, Meeting, Task, SystemEvent]
    list_display = [
        "__str__",
        "polymorphic_ctype",
        "owner_type",
        "owner_id",
        "author",
        "occurred_at",
    ]
    list_filter = [PolymorphicChildModelFilter, "owner_type"]
    search_fields = ["body"]
    date_hierarchy = "occurred_at"
    list_select_related = ["author", "owner_type", "polymorphic_ctype"]


@admin.register(GeneratedDataset)
class GeneratedDatasetAdmin(CompanyScopedAdmin):
    """The runs of ``generate_data``: shown, never added or edited by hand."""

    list_display = ["created_at", "seed", "rows_written"]
    readonly_fields = ["seed", "counts", "created_at"]

    @admin.display(description=_("rows written"))
    def rows_written(self, obj: GeneratedDataset) -> str:
        return f"{sum(obj.counts.get('rows', {}).values()):,}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
