from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from addressbook.admin import attach_link_inlines
from crm.admin_base import CompanyScopedAdmin, CompanyScopedInlineMixin
from crm.errors import DomainError
from customers.models import (
    BalanceEntry,
    Customer,
    CustomerGroup,
    CustomerLink,
    CustomerType,
    GiftCard,
)
from customers.services import lead_convert_to_customer, opportunity_convert_to_customer
from leads.admin import LeadAdmin, OpportunityAdmin


@admin.register(CustomerGroup)
class CustomerGroupAdmin(CompanyScopedAdmin):
    list_display = ["name", "discount_percent", "description"]
    search_fields = ["name"]


@admin.register(CustomerType)
class CustomerTypeAdmin(CompanyScopedAdmin):
    list_display = ["name", "is_business", "discount_percent"]
    list_filter = ["is_business"]
    search_fields = ["name"]


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
    # Where the customer came from is set by the conversion, never by hand; the balance and the
    # lifetime sales value move only with their ledger and orders.
    readonly_fields = ["lead", "opportunity", "balance", "lifetime_sales_value"]
    inlines = [CustomerLinkInline]


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
    exclude = ["code_digest"]
    raw_id_fields = ["customer"]


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
