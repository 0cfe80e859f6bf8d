"""Leads and opportunities in the top bar's search box (crm.ui.global_search)."""

from django.utils.translation import gettext_lazy as _

from crm.ui.global_search import SearchKind, register_search_kind


def _describe_lead(lead) -> str:
    return " · ".join(part for part in (lead.email, lead.get_status_display()) if part)


def _describe_opportunity(opportunity) -> str:
    return opportunity.stage.name if opportunity.stage_id else ""


def register() -> None:
    from leads.filters import LeadFilter, OpportunityFilter

    register_search_kind(
        SearchKind(
            key="leads.lead",
            label=_("Leads"),
            model_label="leads.Lead",
            filterset=LeadFilter,
            list_url_name="leads:lead_list",
            ordering=("-created_at", "-pk"),
            order=10,
            only=("first_name", "last_name", "organization_name", "email", "status"),
            describe=_describe_lead,
            list_params={"owner": "all"},
        )
    )
    register_search_kind(
        SearchKind(
            key="leads.opportunity",
            label=_("Opportunities"),
            model_label="leads.Opportunity",
            filterset=OpportunityFilter,
            list_url_name="leads:opportunity_list",
            ordering=("-created_at", "-pk"),
            order=20,
            select_related=("stage",),
            only=("title", "stage__name"),
            describe=_describe_opportunity,
            list_params={"owner": "all"},
        )
    )
