"""Customer list, the 360-degree customer page, create, edit, delete, new opportunity."""

from django.contrib import messages
from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse_lazy
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import DeleteView, DetailView, FormView
from django.views.generic.detail import SingleObjectMixin

from crm.access import Action, can
from crm.access.views import AccessContextMixin, AccessQuerysetMixin
from crm.errors import DomainError
from crm.ui.bulk import BulkAction, BulkActions
from crm.ui.export import Column, Export
from crm.ui.lookup import LookupView
from crm.ui.next_step import next_step_for
from crm.ui.page_forms import kept_form_fields, page_form
from crm.views.bulk import BulkActionMixin
from crm.views.mixins import (
    CompanyListView,
    CompanyQuerysetMixin,
    MyRecordsMixin,
    ProtectedDeleteMixin,
    RoleContextMixin,
)
from crm.views.records import ObjectActionView, ServiceCreateView, ServiceUpdateView
from customers import selectors, services
from customers.filters import CustomerFilter
from customers.forms import (
    CustomerBulkForm,
    CustomerForm,
    CustomerHoldForm,
    CustomerOpportunityForm,
    PortalInviteForm,
)
from customers.lookups import CUSTOMERS
from customers.models import Customer, CustomerType
from customers.tables import customer_table
from customers.ui import details_card_html, hierarchy_children_rows, invite_fields


def _assign_customer(customer, *, actor, salesperson):
    return services.customer_assign_salesperson(
        customer=customer, salesperson=salesperson, actor=actor
    )


def _customers_assigned_message(count: int, params) -> str:
    return ngettext(
        "%(count)d customer assigned to %(salesperson)s.",
        "%(count)d customers assigned to %(salesperson)s.",
        count,
    ) % {"count": count, "salesperson": params["salesperson"]}


def _mark_inactive(customer, *, actor):
    return services.customer_set_inactive(customer=customer, actor=actor)


def _mark_active(customer, *, actor):
    return services.customer_reactivate(customer=customer, actor=actor)


def _release_hold(customer, *, actor):
    return services.customer_release_hold(customer=customer, actor=actor)


customer_bulk_actions = BulkActions(Customer, form_class=CustomerBulkForm)
customer_bulk_actions.register(
    BulkAction(
        name="assign_salesperson",
        label=gettext_lazy("Assign to a salesperson"),
        fields=("salesperson",),
        run=_assign_customer,
        message=_customers_assigned_message,
    )
)
# Inactive, not deleted: a customer with history stays (see customers.services.customer_delete).
customer_bulk_actions.register(
    BulkAction(
        name="mark_inactive",
        label=gettext_lazy("Mark inactive"),
        run=_mark_inactive,
        message=lambda count, params: (
            ngettext(
                "%(count)d customer marked inactive.", "%(count)d customers marked inactive.", count
            )
            % {"count": count}
        ),
    )
)
customer_bulk_actions.register(
    BulkAction(
        name="mark_active",
        label=gettext_lazy("Mark active"),
        run=_mark_active,
        message=lambda count, params: (
            ngettext(
                "%(count)d customer marked active.", "%(count)d customers marked active.", count
            )
            % {"count": count}
        ),
    )
)
customer_bulk_actions.register(
    BulkAction(
        name="release_hold",
        label=gettext_lazy("Release hold"),
        run=_release_hold,
        message=lambda count, params: (
            ngettext(
                "%(count)d customer released from hold.",
                "%(count)d customers released from hold.",
                count,
            )
            % {"count": count}
        ),
    )
)


class CustomerListView(BulkActionMixin, MyRecordsMixin, AccessQuerysetMixin, CompanyListView):
    model = Customer
    bulk_actions = customer_bulk_actions
    filterset_class = CustomerFilter
    template_name = "customers/customer_list.html"
    export = Export(
        "customers",
        [
            Column(gettext_lazy("ID"), "pk"),
            Column(gettext_lazy("Name"), "name"),
            Column(gettext_lazy("Type"), "customer_type__name"),
            Column(gettext_lazy("Group"), "customer_group__name"),
            Column(gettext_lazy("E-mail"), "email"),
            Column(gettext_lazy("Phone"), "phone"),
            Column(gettext_lazy("Status"), "status"),
            Column(gettext_lazy("Hold reason"), "hold_reason"),
            Column(gettext_lazy("Parent customer"), "parent__name"),
            Column(gettext_lazy("Salesperson"), "salesperson__name"),
            Column(gettext_lazy("Sales partner"), "sales_partner__name"),
            Column(gettext_lazy("Balance"), "balance"),
            Column(gettext_lazy("Lifetime sales value"), "lifetime_sales_value"),
            Column(gettext_lazy("Created"), "created_at"),
        ],
    )
    partial_template_name = "customers/partials/_customer_table.html"
    table = customer_table
    sort_fields = {
        "name": "name",
        "type": "customer_type__name",
        "group": "customer_group__name",
        "value": "lifetime_sales_value",
        "created": "created_at",
    }
    default_sort = "name"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .only(
                "pk",
                "company_id",
                "name",
                "email",
                "phone",
                "status",
                "hold_reason",
                "created_at",
                "lifetime_sales_value",
                "balance",
                "parent_id",
            )
        )

    def decorate_rows(self, queryset):
        # The parent's name as a subquery, not a join of the customers to themselves: that
        # join made PostgreSQL spend 0.3 ms more planning the page's query (0.25 ms the join,
        # 0.5 ms with it at a million leads), more than reading the name for 50 rows.
        # The type's, group's and salesperson's names as columns of the row (customers.tables),
        # not three related instances built for each row.
        return queryset.annotate(
            parent_name=selectors.parent_name(),
            type_name=F("customer_type__name"),
            group_name=F("customer_group__name"),
            salesperson_name=F("salesperson__name"),
        )


MAX_PAGE = 100_000


def _page_number(value: str | None) -> int:
    """A page number from the query string; anything else is the first page."""
    try:
        return min(max(int(value or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


class CustomerDetailView(
    AccessContextMixin, RoleContextMixin, AccessQuerysetMixin, CompanyQuerysetMixin, DetailView
):
    model = Customer
    template_name = "customers/customer_detail.html"
    context_object_name = "customer"

    def get_queryset(self):
        # The parent, lead and opportunity are not joined (PostgreSQL spent 20-30 ms *planning*
        # the query that joined all ten tables) nor read apart: the page reads them anyway, in
        # the ancestors' walk and the customer's links (``customer_origin_from_loaded``).
        return (
            super()
            .get_queryset()
            .select_related(
                "customer_type",
                "customer_group",
                "salesperson",
                "sales_partner",
                "held_by",
            )
        )

    def get_object(self, queryset=None):
        """The customer as ``get_queryset`` reads it, in one plain read
        (``selectors.customer_for_page``) and the access engine's answer for that row, which
        is the same as its filter's: another company's id, and a customer beyond the user's
        view level, are a 404 alike. A customer user (whose reach the engine asks the
        database for) and a narrower queryset go through the ORM."""
        request = self.request
        if queryset is not None or getattr(request.user, "is_customer_user", False):
            return super().get_object(queryset)
        customer = selectors.customer_for_page(
            company_id=request.company.pk, pk=self.kwargs[self.pk_url_kwarg]
        )
        if customer is None or not can(request.user, request.company, customer, Action.VIEW):
            raise Http404(
                _("No %(verbose_name)s found matching the query")
                % {"verbose_name": Customer._meta.verbose_name}
            )
        return customer

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["hierarchy"] = selectors.customer_hierarchy(
            self.object, page=_page_number(self.request.GET.get("children_page"))
        )
        context["hierarchy_children_rows"] = hierarchy_children_rows(context["hierarchy"])
        selectors.customer_origin_from_loaded(self.object, ancestors=context["hierarchy"].ancestors)
        context.update(selectors.customer_overview(customer=self.object))
        context["details_card"] = details_card_html(self.object, context["terms"])
        if context.get("can_edit") and self.object.can_move_to(Customer.Status.ON_HOLD):
            # The same empty field on every customer: kept per process (crm.ui.page_forms).
            context["hold_fields"] = kept_form_fields(
                self.request.company,
                ("customer_hold",),
                lambda: CustomerHoldForm(auto_id="hold_%s"),
            )
        context["portal_users"] = selectors.customer_portal_users(customer=self.object)
        if context.get("can_edit"):
            # Who may edit the customer invites its people to the portal. The form is made only
            # when its fields are not kept already for the same choices (``invite_fields``).
            customer, choices = self.object, selectors.invite_choices(self.object)
            context["invite_form"] = SimpleLazyObject(
                lambda: page_form(
                    PortalInviteForm(customer=customer, choices=choices, auto_id="invite_%s")
                )
            )
            context["invite_fields"] = invite_fields(
                customer.company_id, choices, lambda: context["invite_form"]
            )
        context["next_step"] = next_step_for(self.request, self.object)
        return context


class CustomerCreateView(ServiceCreateView):
    model = Customer
    form_class = CustomerForm
    cancel_url = reverse_lazy("customers:customer_list")
    success_message = gettext_lazy("Customer %(object)s was added.")
    extra_context = {"title": gettext_lazy("New customer")}

    def get_initial(self):
        initial = super().get_initial()
        # The first type offered is preselected: most companies sell to one kind mostly.
        first_type = (
            CustomerType.objects.filter(company=self.request.company).order_by("pk").first()
        )
        if first_type:
            initial["customer_type"] = first_type.pk
        return initial

    def save_service(self, instance):
        return services.customer_save(customer=instance, actor=self.request.user)


class CustomerUpdateView(AccessQuerysetMixin, ServiceUpdateView):
    model = Customer
    access_action = Action.EDIT
    form_class = CustomerForm
    success_message = gettext_lazy("Customer %(object)s was saved.")
    extra_context = {"title": gettext_lazy("Edit customer")}

    def save_service(self, instance):
        return services.customer_save(customer=instance, actor=self.request.user)


class CustomerDeleteView(
    AccessQuerysetMixin, ProtectedDeleteMixin, CompanyQuerysetMixin, DeleteView
):
    model = Customer
    access_action = Action.DELETE
    template_name = "crm/object_confirm_delete.html"
    success_url = reverse_lazy("customers:customer_list")

    def delete_object(self) -> None:
        services.customer_delete(customer=self.object, actor=self.request.user)


# --- status: put on hold, release, mark inactive, reactivate (POST, through the services) -----
# A change of the customer: the user's edit level must reach it (crm.access), or it is a 404.


class CustomerHoldView(AccessQuerysetMixin, ObjectActionView):
    """Put the customer on hold with the reason typed in the page's small form."""

    model = Customer
    access_action = Action.EDIT

    def act(self, customer) -> str:
        form = CustomerHoldForm(self.request.POST)
        if not form.is_valid():
            raise DomainError(
                " ".join(error for errors in form.errors.values() for error in errors)
            )
        services.customer_put_on_hold(
            customer=customer, reason=form.cleaned_data["reason"], actor=self.request.user
        )
        messages.success(
            self.request,
            _("%(customer)s is on hold: no new quotations or orders until it is released.")
            % {"customer": customer},
        )
        return customer.get_absolute_url()


class CustomerReleaseHoldView(AccessQuerysetMixin, ObjectActionView):
    model = Customer
    access_action = Action.EDIT

    def act(self, customer) -> str:
        services.customer_release_hold(customer=customer, actor=self.request.user)
        messages.success(
            self.request,
            _("The hold on %(customer)s is released: quotations and orders can be made again.")
            % {"customer": customer},
        )
        return customer.get_absolute_url()


class CustomerSetInactiveView(AccessQuerysetMixin, ObjectActionView):
    model = Customer
    access_action = Action.EDIT

    def act(self, customer) -> str:
        services.customer_set_inactive(customer=customer, actor=self.request.user)
        messages.success(self.request, _("%(customer)s is inactive.") % {"customer": customer})
        return customer.get_absolute_url()


class CustomerReactivateView(AccessQuerysetMixin, ObjectActionView):
    model = Customer
    access_action = Action.EDIT

    def act(self, customer) -> str:
        services.customer_reactivate(customer=customer, actor=self.request.user)
        messages.success(self.request, _("%(customer)s is active again.") % {"customer": customer})
        return customer.get_absolute_url()


class CustomerOpportunityCreateView(
    AccessQuerysetMixin, CompanyQuerysetMixin, SingleObjectMixin, FormView
):
    """Open a new opportunity for this customer (a repeat sale): anyone who may see the
    customer may, as the opportunity is theirs, not a change to the customer."""

    model = Customer
    form_class = CustomerOpportunityForm
    template_name = "crm/object_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "company": self.request.company}

    def get_initial(self):
        return {"title": _("New deal with %(customer)s") % {"customer": self.object}}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = _("New opportunity for %(customer)s") % {"customer": self.object}
        context["cancel_url"] = self.object.get_absolute_url()
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        fields = {"stage": data["stage"], "expected_close_date": data["expected_close_date"]}
        if data["expected_amount"] is not None:
            fields["expected_amount"] = data["expected_amount"]
        try:
            opportunity = services.customer_open_opportunity(
                customer=self.object, actor=self.request.user, title=data["title"], fields=fields
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Opportunity %(object)s was opened.") % {"object": opportunity}
        )
        return HttpResponseRedirect(opportunity.get_absolute_url())


class CustomerLookupView(LookupView):
    """The customers matching what is typed in a customer field's search box."""

    lookup = CUSTOMERS
