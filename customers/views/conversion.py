"""Lead or opportunity -> customer: propose the customer, show possible duplicates, convert."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView

from crm.access import Action, viewable_rows
from crm.access.views import AccessQuerysetMixin
from crm.errors import DomainError
from crm.views.mixins import CompanyQuerysetMixin
from customers import services
from customers.forms import ConversionForm
from customers.models import Customer, CustomerLink
from customers.selectors import viewable_duplicates
from leads.models import Lead, Opportunity


class _ConvertView(AccessQuerysetMixin, CompanyQuerysetMixin, DetailView):
    """GET shows the proposal and the duplicate check; POST ``action=create`` makes a new
    customer (after “this is a different customer” if e-mail or phone match one), ``action=link``
    links the customer picked from the list. A record outside the user's convert level is a
    404."""

    access_action = Action.CONVERT
    template_name = "customers/convert.html"
    source_field = ""

    def convert(self, **kwargs) -> Customer:
        raise NotImplementedError

    def _linked(self):
        return (
            CustomerLink.objects.filter(
                company=self.request.company, **{self.source_field: self.object}
            )
            .select_related("customer")
            .first()
        )

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        link = self._linked()
        if link is not None:
            messages.info(request, _("This is already the customer %(c)s.") % {"c": link.customer})
            return HttpResponseRedirect(link.customer.get_absolute_url())
        return self.render_page(self.conversion_form())

    def conversion_form(self, data=None) -> ConversionForm:
        lead, opportunity = self.sources()
        proposal = services.proposed_customer(lead=lead, opportunity=opportunity)
        return ConversionForm(data, instance=proposal, company=self.request.company)

    def sources(self) -> tuple[Lead | None, Opportunity | None]:
        raise NotImplementedError

    def render_page(self, form, *, confirm_needed=False):
        proposal = form.instance
        duplicates = services.customer_duplicates(
            company=self.request.company,
            name=form["name"].value() or proposal.name,
            email=form["email"].value() or proposal.email,
            phone=form["phone"].value() or proposal.phone,
        )
        duplicates = viewable_duplicates(duplicates, self.request.user, self.request.company)
        context = self.get_context_data(
            object=self.object,
            form=form,
            duplicates=duplicates,
            has_exact=any(match.exact for match in duplicates),
            confirm_needed=confirm_needed,
            source_kind=self.object._meta.verbose_name,
        )
        return self.render_to_response(context)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        action = request.POST.get("action")
        try:
            if action == "link":
                # Only a customer the user may view can be picked (the list shows no other).
                customer = viewable_rows(
                    Customer.objects.filter(
                        company=request.company, pk=_int(request.POST.get("customer"))
                    ),
                    request.user,
                    request.company,
                ).first()
                if customer is None:
                    raise DomainError(_("Choose one of the customers listed."))
                customer = self.convert(customer=customer)
            else:
                form = self.conversion_form(request.POST)
                if not form.is_valid():
                    return self.render_page(form)
                fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
                try:
                    customer = self.convert(
                        fields=fields, allow_duplicates=request.POST.get("confirm_new") == "1"
                    )
                except DomainError as error:
                    if error.code != "duplicate":
                        raise
                    form.add_error(None, error.message)
                    return self.render_page(form, confirm_needed=True)
        except DomainError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(
            request,
            _("%(record)s is now the customer %(customer)s.")
            % {"record": self.object, "customer": customer},
        )
        return HttpResponseRedirect(customer.get_absolute_url())


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class LeadConvertToCustomerView(_ConvertView):
    model = Lead
    source_field = "lead"
    extra_context = {"title": gettext_lazy("Convert lead to customer")}

    def sources(self):
        return self.object, None

    def convert(self, **kwargs) -> Customer:
        return services.lead_convert_to_customer(
            lead=self.object, actor=self.request.user, **kwargs
        )


class OpportunityConvertToCustomerView(_ConvertView):
    model = Opportunity
    source_field = "opportunity"
    extra_context = {"title": gettext_lazy("Convert opportunity to customer")}

    def get_queryset(self):
        return super().get_queryset().select_related("stage", "lead")

    def sources(self):
        return self.object.lead, self.object

    def convert(self, **kwargs) -> Customer:
        return services.opportunity_convert_to_customer(
            opportunity=self.object, actor=self.request.user, **kwargs
        )


__all__ = ["LeadConvertToCustomerView", "OpportunityConvertToCustomerView"]
