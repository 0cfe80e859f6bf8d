"""The customers step of the dashboard funnel: leads created in the period that became customers."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy

from crm.models import Company
from crm.ui.dashboard import Period, register_funnel_step
from customers.models import CustomerLink


def customers_from_leads(company: Company, period: Period) -> int:
    """The customers that leads created in the period became (made one, or linked to one),
    each once: counted off the lead's created date stored on the link (its own index), not by
    joining every link to its lead. The step's link lists these (``customers_url``)."""
    return (
        CustomerLink.objects.filter(company=company, **period.filter("lead_created_at"))
        .values("customer_id")
        .distinct()
        .count()
    )


def customers_url(period: Period) -> str:
    """The customer list of the step's cohort, everyone's (the list may remember "Mine")."""
    params = {"lead_created_to": period.end.isoformat(), "owner": "all"}
    if period.start is not None:
        params["lead_created_from"] = period.start.isoformat()
    return f"{reverse('customers:customer_list')}?{urlencode(params)}"


def register() -> None:
    register_funnel_step(
        "customers",
        order=30,
        label=gettext_lazy("Customers"),
        count_fn=customers_from_leads,
        url_fn=customers_url,
    )
