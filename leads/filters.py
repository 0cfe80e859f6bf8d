"""List filters; every choice is the request company's."""

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.filters import partner_queryset
from crm.models import Salesperson
from crm.ui.filters import (
    SearchFilterSet,
    company_queryset,
    created_range,
    date_filter,
    day_range,
)
from leads.models import Lead, LeadSource, Opportunity, OpportunityStage


class LeadFilter(SearchFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Lead.Status.choices, empty_label=_("Any status")
    )
    source = django_filters.ModelChoiceFilter(
        label=_("Source"), queryset=company_queryset(LeadSource), empty_label=_("Any source")
    )
    salesperson = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=company_queryset(Salesperson), empty_label=_("Anyone")
    )
    sales_partner = django_filters.ModelChoiceFilter(
        label=_("Sales partner"), queryset=partner_queryset, empty_label=_("Any partner")
    )
    created_from, created_to = created_range()

    class Meta:
        model = Lead
        fields = ["q", "status", "source", "salesperson", "sales_partner"]


class OpportunityFilter(SearchFilterSet):
    # The title, and the people behind it: the lead's name, organization, e-mail and phone,
    # stored on the opportunity (leads.lead_names), so its own trigram index answers.

    stage = django_filters.ModelChoiceFilter(
        label=_("Stage"), queryset=company_queryset(OpportunityStage), empty_label=_("Any stage")
    )
    salesperson = django_filters.ModelChoiceFilter(
        label=_("Salesperson"), queryset=company_queryset(Salesperson), empty_label=_("Anyone")
    )
    sales_partner = django_filters.ModelChoiceFilter(
        label=_("Sales partner"), queryset=partner_queryset, empty_label=_("Any partner")
    )
    # Open, won or lost: the open pipeline, as the dashboard sums it, is ``?outcome=open``.
    outcome = django_filters.ChoiceFilter(
        label=_("Open, won or lost"),
        field_name="stage__kind",
        choices=OpportunityStage.Kind.choices,
        empty_label=_("All"),
    )
    close_from = date_filter(_("Closing from"), "expected_close_date", "gte")
    close_to = date_filter(_("Closing up to"), "expected_close_date", "lte")
    created_from, created_to = created_range()
    # The dashboard funnel's cohort: opportunities of the leads created in a period.
    lead_created_from, lead_created_to = day_range(
        "lead_created_at", _("Lead created from"), _("Lead created up to")
    )

    class Meta:
        model = Opportunity
        fields = ["q", "stage", "salesperson", "sales_partner"]
