"""Lead pages and the wish list; every write goes through leads.services."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import DeleteView, DetailView

from crm.access import Action, access_filter
from crm.access.views import AccessContextMixin, AccessQuerysetMixin
from crm.errors import DomainError
from crm.ui.bulk import BulkAction, BulkActions
from crm.ui.export import Column, Export
from crm.ui.next_step import next_step_for
from crm.ui.page_forms import kept_form_fields
from crm.views.bulk import BulkActionMixin
from crm.views.mixins import (
    CompanyListView,
    CompanyQuerysetMixin,
    MyRecordsMixin,
)
from crm.views.records import ObjectActionView, ServiceCreateView, ServiceUpdateView
from leads import services
from leads.filters import LeadFilter
from leads.forms import (
    LeadForm,
    LeadStatusForm,
    SalesRecordBulkForm,
    WishListItemForm,
)
from leads.models import Lead, Opportunity, WishListItem
from leads.next_steps import lead_opportunity
from leads.selectors import has_wish_list, wish_list_of
from leads.tables import lead_table
from leads.wish_pricing import price_wish_list


def _assign_lead(lead, *, actor, salesperson):
    return services.lead_assign_salesperson(lead=lead, salesperson=salesperson, actor=actor)


def _mark_lead_lost(lead, *, actor, lost_reason):
    return services.lead_set_status(
        lead=lead, status=Lead.Status.LOST, lost_reason=lost_reason, actor=actor
    )


def _leads_assigned_message(count: int, params) -> str:
    return ngettext(
        "%(count)d lead assigned to %(salesperson)s.",
        "%(count)d leads assigned to %(salesperson)s.",
        count,
    ) % {"count": count, "salesperson": params["salesperson"]}


def _marked_lost_message(count: int, params) -> str:
    return ngettext(
        "%(count)d lead marked lost (%(reason)s).",
        "%(count)d leads marked lost (%(reason)s).",
        count,
    ) % {"count": count, "reason": params["lost_reason"]}


lead_bulk_actions = BulkActions(Lead, form_class=SalesRecordBulkForm)
lead_bulk_actions.register(
    BulkAction(
        name="assign_salesperson",
        label=gettext_lazy("Assign to a salesperson"),
        fields=("salesperson",),
        run=_assign_lead,
        message=_leads_assigned_message,
    )
)
lead_bulk_actions.register(
    BulkAction(
        name="mark_lost",
        label=gettext_lazy("Mark as lost"),
        fields=("lost_reason",),
        run=_mark_lead_lost,
        message=_marked_lost_message,
    )
)


class LeadListView(BulkActionMixin, MyRecordsMixin, AccessQuerysetMixin, CompanyListView):
    model = Lead
    bulk_actions = lead_bulk_actions
    filterset_class = LeadFilter
    template_name = "leads/lead_list.html"
    export = Export(
        "leads",
        [
            Column(gettext_lazy("ID"), "pk"),
            Column(gettext_lazy("First name"), "first_name"),
            Column(gettext_lazy("Last name"), "last_name"),
            Column(gettext_lazy("Organization"), "organization_name"),
            Column(gettext_lazy("E-mail"), "email"),
            Column(gettext_lazy("Phone"), "phone"),
            Column(gettext_lazy("Status"), "status"),
            Column(gettext_lazy("Lost reason"), "lost_reason__name"),
            Column(gettext_lazy("Source"), "source__name"),
            Column(gettext_lazy("Salesperson"), "salesperson__name"),
            Column(gettext_lazy("Sales partner"), "sales_partner__name"),
            Column(gettext_lazy("Created"), "created_at"),
        ],
    )
    partial_template_name = "leads/partials/_lead_table.html"
    table = lead_table
    sort_fields = {
        "name": "last_name",
        "organization": "organization_name",
        "status": "status",
        "created": "created_at",
    }
    default_sort = "-created"
    # Within one status or name, oldest first (newest first sorted the other way); the
    # (company, column, created_at, id) indexes serve each sort and the filters alike.
    sort_tiebreak = ("created_at", "pk")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("source", "salesperson")
            .only(
                "pk",
                "company_id",
                "first_name",
                "last_name",
                "organization_name",
                "email",
                "phone",
                "status",
                "created_at",
                "source__name",
                "salesperson__name",
            )
        )


class LeadDetailView(AccessContextMixin, AccessQuerysetMixin, CompanyQuerysetMixin, DetailView):
    model = Lead
    template_name = "leads/lead_detail.html"
    context_object_name = "lead"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            # The opportunity in the same query: the page and its next step both read it.
            .select_related("source", "salesperson", "sales_partner", "lost_reason", "opportunity")
            .annotate(has_wish_list=has_wish_list("lead"))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lead = self.object
        context["wish_list"] = price_wish_list(party=lead, items=wish_list_of(lead))
        context["opportunity"] = lead_opportunity(lead)
        context["can_edit_wish_list"] = context["can_edit"] and lead.status != Lead.Status.CONVERTED
        company = self.request.company
        if context["can_edit_wish_list"]:
            context["wish_form_fields"] = kept_form_fields(
                company, ("leads.wish_list",), lambda: WishListItemForm(company=company)
            )
        allowed = Lead.TRANSITIONS[lead.status] - {Lead.Status.CONVERTED}
        if allowed and context["can_edit"]:
            context["status_form_fields"] = kept_form_fields(
                company,
                ("leads.lead_status", lead.status),
                lambda: _status_form(company, allowed),
            )
        context["next_step"] = next_step_for(self.request, lead)
        return context


def _status_form(company, allowed) -> LeadStatusForm:
    """The lead page's status form, offering the statuses the lead may move to."""
    form = LeadStatusForm(company=company)
    form.fields["status"].choices = [
        (value, label) for value, label in Lead.Status.choices if value in allowed
    ]
    return form


class LeadCreateView(ServiceCreateView):
    model = Lead
    form_class = LeadForm
    cancel_url = reverse_lazy("leads:lead_list")
    success_message = gettext_lazy("Lead %(object)s was added.")
    extra_context = {"title": gettext_lazy("New lead")}

    def save_service(self, instance):
        return services.lead_save(lead=instance, actor=self.request.user)


class LeadUpdateView(AccessQuerysetMixin, ServiceUpdateView):
    model = Lead
    access_action = Action.EDIT
    form_class = LeadForm
    success_message = gettext_lazy("Lead %(object)s was saved.")
    extra_context = {"title": gettext_lazy("Edit lead")}

    def save_service(self, instance):
        return services.lead_save(lead=instance, actor=self.request.user)


class LeadConvertView(AccessQuerysetMixin, ObjectActionView):
    model = Lead
    access_action = Action.CONVERT

    def act(self, lead) -> str:
        opportunity = services.lead_convert_to_opportunity(lead=lead, actor=self.request.user)
        messages.success(
            self.request,
            _("%(lead)s is now the opportunity %(opportunity)s.")
            % {"lead": lead, "opportunity": opportunity},
        )
        return opportunity.get_absolute_url()


class LeadStatusView(AccessQuerysetMixin, ObjectActionView):
    """Sets the lead's status from its page or from a card of the lead board; the board posts
    ``next`` (itself, with its filters) and gets there again, refusals too."""

    model = Lead
    access_action = Action.EDIT

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            return HttpResponseRedirect(self.act(self.object))
        except DomainError as error:
            back = self.posted_next()
            if not back:
                messages.error(request, error.message)
                return HttpResponseRedirect(self.object.get_absolute_url())
            messages.error(
                request,
                _("%(lead)s was not moved: %(reason)s")
                % {"lead": self.object, "reason": error.message},
            )
            return HttpResponseRedirect(back)

    def posted_next(self) -> str:
        requested = self.request.POST.get("next", "")
        if requested and url_has_allowed_host_and_scheme(
            requested,
            allowed_hosts={self.request.get_host()},
            require_https=self.request.is_secure(),
        ):
            return requested
        return ""

    def act(self, lead) -> str:
        form = LeadStatusForm(self.request.POST, company=self.request.company)
        if not form.is_valid():
            errors = [error for errors in form.errors.values() for error in errors]
            raise DomainError(" ".join(errors))
        lead = services.lead_set_status(
            lead=lead,
            status=form.cleaned_data["status"],
            lost_reason=form.cleaned_data["lost_reason"],
            actor=self.request.user,
        )
        back = self.posted_next()
        if back:
            messages.success(
                self.request,
                _("%(lead)s moved to %(status)s.")
                % {"lead": lead, "status": lead.get_status_display()},
            )
            return back
        messages.success(self.request, _("Status saved."))
        return lead.get_absolute_url()


class WishListAddView(AccessQuerysetMixin, ObjectActionView):
    """Adds a product to the wish list of a lead or an opportunity (``model`` says which), for
    those who may edit it."""

    access_action = Action.EDIT
    owner_field = "lead"

    def act(self, owner) -> str:
        form = WishListItemForm(self.request.POST, company=self.request.company)
        if not form.is_valid():
            errors = [
                f"{form.fields[name].label}: {error}" if name != "__all__" else error
                for name, errors in form.errors.items()
                for error in errors
            ]
            raise DomainError(" ".join(errors))
        services.wish_list_item_add(
            **{self.owner_field: owner},
            product=form.cleaned_data["product"],
            quantity=form.cleaned_data["quantity"],
            note=form.cleaned_data["note"],
            actor=self.request.user,
        )
        messages.success(self.request, _("Added to the wish list."))
        return owner.get_absolute_url()


class LeadWishListAddView(WishListAddView):
    model = Lead
    owner_field = "lead"


class OpportunityWishListAddView(WishListAddView):
    model = Opportunity
    owner_field = "opportunity"


class WishListRemoveView(ObjectActionView):
    """Removes an item from a wish list, for those who may edit its lead or opportunity: any
    other item is a 404, like another company's."""

    model = WishListItem

    def get_queryset(self):
        user, company = self.request.user, self.request.company
        editable = access_filter(user, company, Lead, Action.EDIT, via="lead") | access_filter(
            user, company, Opportunity, Action.EDIT, via="opportunity"
        )
        return super().get_queryset().filter(editable).select_related("lead", "opportunity")

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        back = self.object.get_absolute_url()
        try:
            services.wish_list_item_remove(item=self.object, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Removed from the wish list."))
        return HttpResponseRedirect(back)


class RecordDeleteView(AccessQuerysetMixin, CompanyQuerysetMixin, DeleteView):
    """Confirm, then delete through the service; a refusal is shown before anyone tries.

    Who may delete is the record type's delete level (``crm.access``; by default managers their
    team's, admins and owners any, salespeople none: they mark records lost). A record outside
    it is a 404. The rules of what may go are in ``leads.services``, next to ``lead_delete``.
    """

    access_action = Action.DELETE

    template_name = "leads/record_confirm_delete.html"
    success_url_name = ""
    consequences = gettext_lazy(
        "Its wish list, its timeline and its links to addresses and contacts go with it; the "
        "addresses and contacts themselves stay in the address book."
    )

    def refusal(self, obj) -> str | None:
        return None

    def delete_service(self, obj) -> None:
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["refusal"] = self.refusal(self.object)
        context["consequences"] = self.consequences
        return context

    def form_valid(self, form):
        try:
            self.delete_service(self.object)
        except DomainError as error:
            messages.error(self.request, error.message)
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(self.request, _("%(object)s was deleted.") % {"object": self.object})
        return HttpResponseRedirect(reverse(self.success_url_name))


class LeadDeleteView(RecordDeleteView):
    model = Lead
    success_url_name = "leads:lead_list"

    def refusal(self, lead) -> str | None:
        return services.lead_delete_refusal(lead)

    def delete_service(self, lead) -> None:
        services.lead_delete(lead=lead, actor=self.request.user)
