from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from addressbook.admin import attach_link_inlines
from crm.admin_base import CompanyScopedAdmin, CompanyScopedInlineMixin
from crm.errors import DomainError
from crm.forms import bind_company
from customers.models import (
    Customer,
    CustomerGroup,
    CustomerLink,
    CustomerType,
    GroupPrice,
    ProductLimit,
)
from customers.services import lead_convert_to_customer, opportunity_convert_to_customer
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


@admin.register(Customer)
class CustomerAdmin(CompanyScopedAdmin):
    list_display = [
        "name",
        "customer_type",
        "customer_group",
        "email",
        "phone",
        "salesperson",
        "is_active",
        "created_at",
    ]
    list_filter = ["is_active", "customer_type", "customer_group"]
    search_fields = ["name", "email", "phone"]
    list_select_related = ["customer_type", "customer_group", "salesperson"]
    # A company may have a million customers: the parent is found by typing, never listed.
    autocomplete_fields = ["parent"]
    raw_id_fields = ["lead", "opportunity"]
    # Where the customer came from is set by the conversion, never by hand.
    readonly_fields = ["lead", "opportunity"]
    inlines = [CustomerLinkInline]


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
