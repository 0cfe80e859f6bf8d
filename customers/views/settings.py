"""Customer groups and customer types: the company's own lists, edited by managers."""

from django.utils.translation import gettext_lazy

from crm.views.company_lists import CompanyList
from customers import services
from customers.forms import CustomerGroupForm, CustomerTypeForm
from customers.models import CustomerGroup, CustomerType, payment_terms_label

COMPANY_LISTS = [
    CompanyList(
        namespace="customers",
        key="group",
        slug="groups",
        model=CustomerGroup,
        form_class=CustomerGroupForm,
        title=gettext_lazy("Customer groups"),
        save=services.customer_group_save,
        form_template="customers/group_form.html",
        columns=(
            (gettext_lazy("Discount"), lambda row: f"{row.discount_percent} %"),
            (gettext_lazy("Payment"), lambda row: payment_terms_label(row.payment_terms_days)),
            (gettext_lazy("Description"), lambda row: row.description),
        ),
    ),
    CompanyList(
        namespace="customers",
        key="type",
        slug="types",
        model=CustomerType,
        form_class=CustomerTypeForm,
        title=gettext_lazy("Customer types"),
        save=services.customer_type_save,
        columns=(
            (
                gettext_lazy("Prices shown"),
                lambda row: (
                    gettext_lazy("net (without VAT)")
                    if row.is_business
                    else gettext_lazy("gross (with VAT)")
                ),
            ),
            (gettext_lazy("Discount"), lambda row: f"{row.discount_percent} %"),
        ),
    ),
]
