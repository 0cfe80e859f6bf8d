from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from addressbook.admin import attach_link_inlines
from crm.admin_base import CompanyScopedAdmin, CompanyScopedInlineMixin
from crm.errors import DomainError
from customers.models import Customer, CustomerGroup, CustomerLink, CustomerType
from customers.services import (
    customer_check_parent,
    customer_save,
    lead_convert_to_customer,
    opportunity_convert_to_customer,
)
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


class CustomerAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
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
        return cleaned


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

    def save_model(self, request, obj, form, change):
        # Through the service, as the customer pages do: the hierarchy lock and loop check.
        if not change:
            obj.company = request.company
        self.mark_editor(request, obj)
        customer_save(customer=obj, actor=request.user)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            # Refused by the service after the form's check (someone moved the tree meanwhile).
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.path)


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
