"""The company-defined lists leads choose from (sources, stages, lost reasons), for managers."""

from django.utils.translation import gettext_lazy

from crm.views.company_lists import CompanyList
from leads import services
from leads.forms import LeadSourceForm, LostReasonForm, OpportunityStageForm
from leads.models import LeadSource, LostReason, OpportunityStage

COMPANY_LISTS = [
    CompanyList(
        namespace="leads",
        key="source",
        slug="sources",
        model=LeadSource,
        form_class=LeadSourceForm,
        title=gettext_lazy("Lead sources"),
        save=services.company_list_save,
    ),
    CompanyList(
        namespace="leads",
        key="stage",
        slug="stages",
        model=OpportunityStage,
        form_class=OpportunityStageForm,
        title=gettext_lazy("Opportunity stages"),
        save=services.company_list_save,
        columns=(
            (gettext_lazy("Order"), lambda row: row.order),
            (gettext_lazy("Probability"), lambda row: f"{row.probability} %"),
            (gettext_lazy("Kind"), lambda row: row.get_kind_display()),
        ),
    ),
    CompanyList(
        namespace="leads",
        key="lostreason",
        slug="lost-reasons",
        model=LostReason,
        form_class=LostReasonForm,
        title=gettext_lazy("Lost reasons"),
        save=services.company_list_save,
    ),
]
