"""How customers are looked up by what a person types (see crm.ui.lookup)."""

from django.utils.translation import gettext_lazy

from crm.ui.lookup import Lookup
from customers.filters import CustomerFilter
from customers.models import Customer


def describe_customer(customer: Customer) -> str:
    """The name, and what tells two customers of the same name apart."""
    parts = [customer.name]
    reach = customer.email or customer.phone
    if reach:
        parts.append(reach)
    if not customer.can_receive_documents:
        parts.append(str(customer.get_status_display()).lower())
    return " · ".join(parts)


CUSTOMERS = Lookup(
    model=Customer,
    url_name="customers:customer_lookup",
    list_url_name="customers:customer_list",
    filterset_class=CustomerFilter,
    ordering=("name", "pk"),
    search_hint=gettext_lazy("Type a name, e-mail or phone"),
    describe=describe_customer,
    columns=("pk", "company_id", "name", "email", "phone", "status"),
    # "active": the customers that may get a quotation or order (not on hold, not inactive).
    narrowings={"active": lambda customers: customers.filter(status=Customer.Status.ACTIVE)},
)
