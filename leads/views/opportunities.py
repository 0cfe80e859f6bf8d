"""Opportunity pages; every write goes through leads.services."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import DetailView

from crm.access import Action
from crm.access.views import AccessContextMixin, AccessQuerysetMixin
from crm.ui.bulk import BulkAction, BulkActions
from crm.ui.export import Column, Export
from crm.ui.next_step import next_step_for
from crm.ui.page_forms import kept_form_fields
from crm.views.bulk import BulkActionMixin
from crm.views.mixins import CompanyListView, CompanyQuerysetMixin, MyRecordsMixin
from crm.views.records import ServiceUpdateView
from leads import selectors, services
from leads.filters import OpportunityFilter
from leads.forms import (
    OpportunityForm,
    OpportunityMoveForm,
    SalesRecordBulkForm,
    WishListItemForm,
)
from leads.models import Opportunity
from leads.tables import opportunity_table
from leads.views.leads import RecordDeleteView
from leads.wish_pricing import price_wish_list


def _assign_opportunity(opportunity, *, actor, salesperson):
    return services.opportunity_assign_salesperson(
        opportunity=opportunity, salesperson=salesperson, actor=actor
    )


def _opportunities_assigned_message(count: int, params) -> str:
    return ngettext(
        "%(count)d opportunity assigned to %(salesperson)s.",
        "%(count)d opportunities assigned to %(salesperson)s.",
        count,
    ) % {"count": count, "salesperson": params["salesperson"]}


opportunity_bulk_actions = BulkActions(Opportunity, form_class=SalesRecordBulkForm)
opportunity_bulk_actions.register(
    BulkAction(
        name="assign_salesperson",
        label=gettext_lazy("Assign to a salesperson"),
        fields=("salesperson",),
        run=_assign_opportunity,
        message=_opportunities_assigned_message,
    )
)


def _mark_opportunity_lost(opportunity, *, actor, lost_reason):
    return services.opportunity_mark_lost(
        opportunity=opportunity, lost_reason=lost_reason, actor=actor
    )


# Bulk "mark lost" moves to the company's first lost stage (the board's Lost column); a company
# with several lost stages moves the rest one by one on the board.
opportunity_bulk_actions.register(
    BulkAction(
        name="mark_lost",
        label=gettext_lazy("Mark as lost"),
        fields=("lost_reason",),
        run=_mark_opportunity_lost,
        message=lambda count, params: (
            ngettext(
                "%(count)d opportunity marked lost.", "%(count)d opportunities marked lost.", count
            )
            % {"count": count}
        ),
    )
)


class OpportunityListView(BulkActionMixin, MyRecordsMixin, AccessQuerysetMixin, CompanyListView):
    model = Opportunity
    bulk_actions = opportunity_bulk_actions
    filterset_class = OpportunityFilter
    template_name = "leads/opportunity_list.html"
    export = Export(
        "opportunities",
        [
            Column(gettext_lazy("ID"), "pk"),
            Column(gettext_lazy("Title"), "title"),
            Column(gettext_lazy("Stage"), "stage__name"),
            Column(gettext_lazy("Probability (%)"), "probability"),
            Column(gettext_lazy("Expected amount"), "expected_amount"),
            Column(gettext_lazy("Expected close"), "expected_close_date"),
            Column(gettext_lazy("Lost reason"), "lost_reason__name"),
            Column(gettext_lazy("Salesperson"), "salesperson__name"),
            Column(gettext_lazy("Sales partner"), "sales_partner__name"),
            Column(gettext_lazy("Lead ID"), "lead_id"),
            Column(gettext_lazy("Created"), "created_at"),
        ],
    )
    partial_template_name = "leads/partials/_opportunity_table.html"
    table = opportunity_table
    sort_fields = {
        "title": "title",
        "stage": "stage__order",
        "amount": "expected_amount",
        "close": "expected_close_date",
        "created": "created_at",
    }
    default_sort = "-created"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("stage", "salesperson")
            # The columns the row shows (leads.tables), as the lead list reads its own.
            .only(
                "pk",
                "company_id",
                "title",
                "probability",
                "expected_amount",
                "expected_close_date",
                "created_at",
                "stage__name",
                "stage__kind",
                "stage__order",
                "salesperson__name",
            )
        )


class OpportunityDetailView(
    AccessContextMixin, AccessQuerysetMixin, CompanyQuerysetMixin, DetailView
):
    model = Opportunity
    template_name = "leads/opportunity_detail.html"
    context_object_name = "opportunity"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("stage", "salesperson", "sales_partner", "lost_reason", "lead")
            .annotate(has_wish_list=selectors.has_wish_list("opportunity"))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["wish_list"] = price_wish_list(
            party=self.object, items=selectors.wish_list_of(self.object)
        )
        context["stage_history"] = selectors.opportunity_stage_history(self.object)
        if context["can_edit"]:
            context.update(_opportunity_forms(self.request.company, self.object))
        context["next_step"] = next_step_for(self.request, self.object)
        return context


def _opportunity_forms(company, opportunity) -> dict:
    """The fields of the wish list's form and of the move form, kept per process (the move form
    shows the opportunity's stage and lost reason selected)."""
    initial = {"stage": opportunity.stage_id, "lost_reason": opportunity.lost_reason_id}
    return {
        "wish_form_fields": kept_form_fields(
            company, ("leads.wish_list",), lambda: WishListItemForm(company=company)
        ),
        "move_form_fields": kept_form_fields(
            company,
            ("leads.opportunity_move", opportunity.stage_id, opportunity.lost_reason_id),
            lambda: OpportunityMoveForm(company=company, initial=initial),
        ),
    }


class OpportunityUpdateView(AccessQuerysetMixin, ServiceUpdateView):
    model = Opportunity
    access_action = Action.EDIT
    form_class = OpportunityForm
    success_message = gettext_lazy("Opportunity %(object)s was saved.")
    extra_context = {"title": gettext_lazy("Edit opportunity")}

    def get_queryset(self):
        return super().get_queryset().select_related("stage")

    def save_service(self, instance):
        return services.opportunity_save(opportunity=instance, actor=self.request.user)


class OpportunityDeleteView(RecordDeleteView):
    model = Opportunity
    success_url_name = "leads:opportunity_list"
    consequences = gettext_lazy(
        "Its wish list, its stage history, its timeline and its links to addresses and contacts "
        "go with it; the addresses and contacts themselves stay in the address book."
    )

    def get_queryset(self):
        return super().get_queryset().select_related("lead")

    def refusal(self, opportunity) -> str | None:
        return services.opportunity_delete_refusal(opportunity)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lead = self.object.lead
        if lead is None:
            return context
        held_by = services.delete_blockers(lead, ignoring=self.object)
        if held_by:
            context["lead_note"] = _(
                "It came from the lead %(lead)s, which stays converted: %(records)s still use it."
            ) % {"lead": lead, "records": ", ".join(held_by)}
        else:
            context["lead_note"] = _(
                "It came from the lead %(lead)s, which stays and goes back to “qualified”, so it "
                "can be converted again."
            ) % {"lead": lead}
        return context

    def delete_service(self, opportunity) -> None:
        services.opportunity_delete(opportunity=opportunity, actor=self.request.user)
