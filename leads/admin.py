from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from addressbook.admin import attach_link_inlines
from crm.admin_base import CompanyScopedAdmin, CompanyScopedInlineMixin
from crm.errors import DomainError
from leads.models import (
    Lead,
    LeadSource,
    LostReason,
    Opportunity,
    OpportunityStage,
    OpportunityStageChange,
    WishListItem,
)
from leads.services import lead_convert_to_opportunity, opportunity_save


@admin.register(LeadSource)
class LeadSourceAdmin(CompanyScopedAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(OpportunityStage)
class OpportunityStageAdmin(CompanyScopedAdmin):
    list_display = ["name", "order", "probability", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]


@admin.register(LostReason)
class LostReasonAdmin(CompanyScopedAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class LeadWishListInline(CompanyScopedInlineMixin, admin.TabularInline):
    model = WishListItem
    fk_name = "lead"
    fields = ["product", "quantity", "note"]
    extra = 0


class OpportunityWishListInline(CompanyScopedInlineMixin, admin.TabularInline):
    model = WishListItem
    fk_name = "opportunity"
    fields = ["product", "quantity", "note"]
    extra = 0


class OpportunityAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        stage = cleaned.get("stage")
        if stage and stage.kind == OpportunityStage.Kind.LOST and not cleaned.get("lost_reason"):
            self.add_error("lost_reason", _("Say why the opportunity was lost."))
        return cleaned


class OpportunityStageChangeInline(CompanyScopedInlineMixin, admin.TabularInline):
    """The stage history, read only: services write it, nobody edits it."""

    model = OpportunityStageChange
    fk_name = "opportunity"
    fields = ["changed_at", "from_stage", "to_stage", "probability", "lost_reason", "changed_by"]
    readonly_fields = fields
    ordering = ["-changed_at", "-pk"]
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("from_stage", "to_stage", "lost_reason", "changed_by")
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.action(description=gettext_lazy("Convert to opportunity"))
def convert_to_opportunity(modeladmin, request, queryset):
    converted = 0
    for lead in queryset.order_by("pk"):
        try:
            lead_convert_to_opportunity(lead=lead, actor=request.user)
        except DomainError as error:
            modeladmin.message_user(request, f"{lead}: {error.message}", messages.ERROR)
        else:
            converted += 1
    if converted:
        modeladmin.message_user(
            request, _("%(count)d lead(s) converted.") % {"count": converted}, messages.SUCCESS
        )


@admin.register(Lead)
class LeadAdmin(CompanyScopedAdmin):
    list_display = ["__str__", "email", "status", "source", "salesperson", "created_at"]
    list_filter = ["status", "source"]
    search_fields = ["first_name", "last_name", "organization_name", "email", "phone"]
    list_select_related = ["source", "salesperson"]
    # Status moves through the service (transitions, events), not by hand here.
    readonly_fields = ["status"]
    inlines = [LeadWishListInline]
    actions = [convert_to_opportunity]


@admin.register(Opportunity)
class OpportunityAdmin(CompanyScopedAdmin):
    list_display = ["title", "stage", "probability", "expected_amount", "salesperson", "lead"]
    list_filter = ["stage"]
    search_fields = ["title"]
    list_select_related = ["stage", "salesperson", "lead"]
    raw_id_fields = ["lead"]
    form = OpportunityAdminForm
    inlines = [OpportunityWishListInline, OpportunityStageChangeInline]

    def get_readonly_fields(self, request, obj=None):
        # An existing opportunity changes stage through the service (the stage history).
        if obj is not None:
            return ["stage", "lost_reason"]
        return []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.company = request.company
        opportunity_save(opportunity=obj, actor=request.user)


@admin.register(WishListItem)
class WishListItemAdmin(CompanyScopedAdmin):
    list_display = ["product", "quantity", "lead", "opportunity"]
    list_select_related = ["product", "lead", "opportunity"]
    raw_id_fields = ["lead", "opportunity"]


attach_link_inlines()
