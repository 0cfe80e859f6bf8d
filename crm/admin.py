from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from polymorphic.admin import (
    PolymorphicChildModelAdmin,
    PolymorphicChildModelFilter,
    PolymorphicParentModelAdmin,
)

from crm.admin_base import CompanyScopedAdmin
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
class CompanyAdmin(admin.ModelAdmin):
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


@admin.register(Membership)
class MembershipAdmin(CompanyScopedAdmin):
    list_display = ["user", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Offering every account would list other companies' people. Staff add newcomers by
        # e-mail under Settings > Members; here they only re-assign existing members.
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = User.objects.filter(
                memberships__company=request.company
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


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


class ActivityScopedMixin:
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
