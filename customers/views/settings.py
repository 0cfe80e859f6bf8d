"""Customer groups and customer types: the company's own lists, edited by managers; a group's
content blocks for the portal."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView

from crm.errors import DomainError
from crm.views.company_lists import CompanyList
from crm.views.mixins import RoleRequiredMixin
from customers import services
from customers.forms import CustomerGroupForm, CustomerTypeForm, GroupContentForm
from customers.models import CustomerGroup, CustomerType, GroupContent, payment_terms_label

__all__ = [
    "COMPANY_LISTS",
    "GroupContentCreateView",
    "GroupContentDeleteView",
    "GroupContentUpdateView",
]


def _percent(value) -> str:
    """“10.00 %”, with the active language's decimal mark (“10,00 %” in Indonesian)."""
    return f"{localize(value)} %"


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
            (gettext_lazy("Discount"), lambda row: _percent(row.discount_percent)),
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
            (gettext_lazy("Discount"), lambda row: _percent(row.discount_percent)),
        ),
    ),
]


# --- a group's content blocks (the portal's home page shows them to the group's users) ----------


class _GroupContentMixin(RoleRequiredMixin):
    """Managers and up, like the group's own page; another company's group or block is a 404.
    ``self.group`` is the group; ``self.row`` the block being changed (None: a new one)."""

    def group_url(self) -> str:
        return reverse("customers:group_update", args=[self.group.pk]) + "#content-heading"


class _GroupContentFormView(_GroupContentMixin, FormView):
    template_name = "customers/group_content_form.html"
    form_class = GroupContentForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["company"] = self.request.company
        kwargs["instance"] = self.row or GroupContent(
            company=self.request.company, customer_group=self.group
        )
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["group"] = self.group
        context["cancel_url"] = self.group_url()
        context["title"] = (
            _("Edit %(title)s") % {"title": self.row.title}
            if self.row
            else _("New content for %(group)s") % {"group": self.group}
        )
        return context

    def form_valid(self, form):
        try:
            row = services.group_content_save(row=form.instance, actor=self.request.user)
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, _("%(title)s was saved.") % {"title": row.title})
        return HttpResponseRedirect(self.group_url())


def _group_content(request, pk) -> GroupContent:
    return get_object_or_404(
        GroupContent.objects.filter(company=request.company).select_related("customer_group"),
        pk=pk,
    )


class GroupContentCreateView(_GroupContentFormView):
    url_models = {"pk": CustomerGroup}

    def dispatch(self, request, *args, **kwargs):
        self.group = get_object_or_404(
            CustomerGroup.objects.filter(company=request.company), pk=kwargs["pk"]
        )
        self.row = None
        return super().dispatch(request, *args, **kwargs)


class GroupContentUpdateView(_GroupContentFormView):
    url_models = {"pk": GroupContent}

    def dispatch(self, request, *args, **kwargs):
        self.row = _group_content(request, kwargs["pk"])
        self.group = self.row.customer_group
        return super().dispatch(request, *args, **kwargs)


class GroupContentDeleteView(_GroupContentMixin, View):
    url_models = {"pk": GroupContent}
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        row = _group_content(request, kwargs["pk"])
        self.group = row.customer_group
        services.group_content_delete(row=row, actor=request.user)
        messages.success(request, _("%(title)s was deleted.") % {"title": row.title})
        return HttpResponseRedirect(self.group_url())
