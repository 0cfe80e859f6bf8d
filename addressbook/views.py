"""Address book pages and the owner panel's actions. Every object comes through the scope."""

from django.contrib import messages
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import CreateView, DeleteView, DetailView, UpdateView

from addressbook import selectors, services
from addressbook.filters import AddressFilterSet, ContactFilterSet
from addressbook.forms import AddressForm, ContactForm
from addressbook.kinds import ADDRESS, CONTACT, Kind
from addressbook.lookups import ADDRESSES, CONTACTS
from addressbook.models import Address, AddressLink, Contact, ContactLink
from addressbook.owners import owner_url, resolve_owner
from addressbook.panels import panel_context, render_panel
from addressbook.tables import address_table, contact_table
from crm.errors import DomainError
from crm.ui.export import Column, ColumnKind, Export
from crm.ui.lookup import LookupView
from crm.views.mixins import (
    CompanyFormKwargsMixin,
    CompanyListView,
    CompanyQuerysetMixin,
    VersionedFormViewMixin,
)

# ---------------------------------------------------------------------------------------------
# The owner panel: add, link, unlink, set primary.


class OwnerMixin:
    """Resolves ``owner_type``/``owner_id`` through the request's company, else 404."""

    kind: Kind = ADDRESS

    def dispatch(self, request, *args, **kwargs):
        self.owner = resolve_owner(request, kwargs["owner_type"], kwargs["owner_id"])
        return super().dispatch(request, *args, **kwargs)

    def done(self, message: str | None = None, *, error: bool = False) -> HttpResponse:
        """After a POST: the re-rendered panel for htmx, else back to the owner's page."""
        htmx = getattr(self.request, "htmx", False)
        # htmx swaps the panel in place, which shows a success by itself; errors still need words.
        if message and (error or not htmx):
            (messages.error if error else messages.success)(self.request, message)
        if htmx:
            return HttpResponse(render_panel(self.request, self.owner, self.kind))
        return HttpResponseRedirect(owner_url(self.owner))

    def get_context_data(self, **kwargs):
        return {**panel_context(self.kind, self.owner), **kwargs}


class OwnerAddView(OwnerMixin, View):
    """A new address or contact, linked to the owner at once."""

    template_name = "addressbook/owner_add.html"

    def get_form(self, data=None):
        return self.kind.new_form(
            data, company=self.request.company, prefix=f"new-{self.kind.name}"
        )

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name, self.get_context_data(form=self.get_form()))

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if form.is_valid():
            extra = {name: form.cleaned_data.pop(name) for name in self.kind.link_extra_fields}
            try:
                link = self.kind.create_and_link(
                    company=request.company,
                    owner=self.owner,
                    fields=form.cleaned_data,
                    actor=request.user,
                    **extra,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                target = getattr(link, self.kind.name)
                return self.done(_("%(object)s was added.") % {"object": target})
        return render(request, self.template_name, self.get_context_data(form=form))


class OwnerLinkView(OwnerMixin, View):
    """Find one of the company's addresses or contacts and link it (htmx search or plain GET)."""

    template_name = "addressbook/owner_link.html"
    results_template_name = "addressbook/partials/_search_results.html"

    def linked_ids(self):
        links = self.kind.links_for_owner(company=self.request.company, owner=self.owner)
        return links.values_list(f"{self.kind.name}_id", flat=True)

    def get(self, request, *args, **kwargs):
        query = request.GET.get("q", "").strip()
        results = self.kind.search(
            company=request.company, query=query, exclude_ids=self.linked_ids()
        )
        context = self.get_context_data(
            query=query, results=results, form=self.kind.link_form(company=request.company)
        )
        if getattr(request, "htmx", False):
            return render(request, self.results_template_name, context)
        return render(request, self.template_name, context)

    def post(self, request, *args, **kwargs):
        form = self.kind.link_form(request.POST, company=request.company)
        if form.is_valid():
            data = dict(form.cleaned_data)
            target = data.pop(self.kind.name)
            try:
                self.kind.link(
                    company=request.company,
                    owner=self.owner,
                    actor=request.user,
                    **{self.kind.name: target},
                    **data,
                )
            except DomainError as error:
                return self.done(error.message, error=True)
            return self.done(_("%(object)s was linked.") % {"object": target})
        context = self.get_context_data(query="", results=[], form=form)
        return render(request, self.template_name, context, status=400)


class LinkActionMixin(OwnerMixin):
    """POST-only actions on one of the owner's link rows (``link_pk``)."""

    http_method_names = ["post"]

    def get_link(self):
        links = self.kind.links_for_owner(company=self.request.company, owner=self.owner)
        return get_object_or_404(links, pk=self.kwargs["link_pk"])


class UnlinkView(LinkActionMixin, View):
    def post(self, request, *args, **kwargs):
        link = self.get_link()
        services.link_unlink(link=link, actor=request.user)
        target = getattr(link, self.kind.name)
        return self.done(_("%(object)s is no longer linked here.") % {"object": target})


class SetPrimaryView(LinkActionMixin, View):
    def post(self, request, *args, **kwargs):
        link = self.get_link()
        try:
            services.link_set_primary(link=link, actor=request.user)
        except DomainError as error:
            return self.done(error.message, error=True)
        target = getattr(link, self.kind.name)
        return self.done(_("%(object)s is now the primary one.") % {"object": target})


class AddressAddView(OwnerAddView):
    kind = ADDRESS


class ContactAddView(OwnerAddView):
    kind = CONTACT


class AddressLinkView(OwnerLinkView):
    kind = ADDRESS


class ContactLinkView(OwnerLinkView):
    kind = CONTACT


class AddressUnlinkView(UnlinkView):
    kind = ADDRESS
    url_models = {"link_pk": AddressLink}


class ContactUnlinkView(UnlinkView):
    kind = CONTACT
    url_models = {"link_pk": ContactLink}


class AddressSetPrimaryView(SetPrimaryView):
    kind = ADDRESS
    url_models = {"link_pk": AddressLink}


class ContactSetPrimaryView(SetPrimaryView):
    kind = CONTACT
    url_models = {"link_pk": ContactLink}


# ---------------------------------------------------------------------------------------------
# Address book pages.


def link_count(link_model, target: str, *, sorted_by_it: bool):
    """How many records an address or contact is linked to. Counted per row shown: a
    ``Count("links")`` groups the company's whole address book before the page's 50 rows are
    picked (a quarter of a second at 100,000 addresses), while a subquery reads the links of
    the page's rows only, and the capped count reads none. Sorted by the count, every row's
    count is needed anyway, and one grouped pass is cheaper than a subquery per row."""
    if sorted_by_it:
        return Count("links")
    links = (
        link_model.objects.filter(**{target: OuterRef("pk")})
        .order_by()
        .values(target)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(links), 0)


class LinkCountListMixin:
    def _sorted_by_links(self) -> bool:
        return self.get_sort().lstrip("-") == "links"


class AddressListView(LinkCountListMixin, CompanyListView):
    model = Address
    filterset_class = AddressFilterSet
    template_name = "addressbook/address_list.html"
    export = Export(
        "addresses",
        [
            Column(gettext_lazy("ID"), "pk"),
            Column(gettext_lazy("Label"), "label"),
            Column(gettext_lazy("Street"), "street"),
            Column(gettext_lazy("Street (line 2)"), "street2"),
            Column(gettext_lazy("Postal code"), "postal_code"),
            Column(gettext_lazy("City"), "city"),
            Column(gettext_lazy("Region"), "region"),
            Column(gettext_lazy("Country"), "country"),
            Column(gettext_lazy("Links"), "link_count", kind=ColumnKind.NUMBER),
        ],
    )
    partial_template_name = "addressbook/partials/_address_table.html"
    table = address_table
    sort_fields = {
        "label": "label",
        "street": "street",
        "postal_code": "postal_code",
        "city": "city",
        "country": "country",
        "links": "link_count",
    }
    default_sort = "city"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                link_count=link_count(AddressLink, "address", sorted_by_it=self._sorted_by_links())
            )
        )


class ContactListView(LinkCountListMixin, CompanyListView):
    model = Contact
    filterset_class = ContactFilterSet
    template_name = "addressbook/contact_list.html"
    export = Export(
        "contacts",
        [
            Column(gettext_lazy("ID"), "pk"),
            Column(gettext_lazy("First name"), "first_name"),
            Column(gettext_lazy("Last name"), "last_name"),
            Column(gettext_lazy("Job title"), "job_title"),
            Column(gettext_lazy("E-mail"), "email"),
            Column(gettext_lazy("Phone"), "phone"),
            Column(gettext_lazy("Mobile"), "mobile"),
            Column(gettext_lazy("Links"), "link_count", kind=ColumnKind.NUMBER),
        ],
    )
    partial_template_name = "addressbook/partials/_contact_table.html"
    table = contact_table
    sort_fields = {
        "last_name": "last_name",
        "job_title": "job_title",
        "email": "email",
        "phone": "phone",
        "links": "link_count",
    }
    default_sort = "last_name"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                link_count=link_count(ContactLink, "contact", sorted_by_it=self._sorted_by_links())
            )
        )


class AddressDetailView(CompanyQuerysetMixin, DetailView):
    model = Address
    template_name = "addressbook/address_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["linked_records"] = selectors.address_linked_records(
            company=self.request.company, address=self.object
        )
        return context


class ContactDetailView(CompanyQuerysetMixin, DetailView):
    model = Contact
    template_name = "addressbook/contact_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["linked_records"] = selectors.contact_linked_records(
            company=self.request.company, contact=self.object
        )
        return context


class ServiceFormMixin(VersionedFormViewMixin, CompanyFormKwargsMixin):
    """Create/update through the service; its DomainError becomes a form error."""

    template_name = "addressbook/record_form.html"
    success_message = ""

    def save(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        self.mark_editor(form)
        try:
            self.object = self.save(form)
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message % {"object": self.object})
        return HttpResponseRedirect(self.object.get_absolute_url())


class AddressCreateView(ServiceFormMixin, CreateView):
    model = Address
    form_class = AddressForm
    success_message = gettext_lazy("%(object)s was added.")

    def save(self, form):
        return services.address_create(
            company=self.request.company, fields=form.cleaned_data, actor=self.request.user
        )


class AddressUpdateView(ServiceFormMixin, CompanyQuerysetMixin, UpdateView):
    model = Address
    form_class = AddressForm
    success_message = gettext_lazy("%(object)s was saved.")

    def save(self, form):
        return services.address_update(
            address=self.object, fields=form.cleaned_data, actor=self.request.user
        )


class ContactCreateView(ServiceFormMixin, CreateView):
    model = Contact
    form_class = ContactForm
    success_message = gettext_lazy("%(object)s was added.")

    def save(self, form):
        return services.contact_create(
            company=self.request.company, fields=form.cleaned_data, actor=self.request.user
        )


class ContactUpdateView(ServiceFormMixin, CompanyQuerysetMixin, UpdateView):
    model = Contact
    form_class = ContactForm
    success_message = gettext_lazy("%(object)s was saved.")

    def save(self, form):
        return services.contact_update(
            contact=self.object, fields=form.cleaned_data, actor=self.request.user
        )


class ServiceDeleteView(CompanyQuerysetMixin, DeleteView):
    """Delete through the service, which refuses while the row is still linked."""

    template_name = "addressbook/record_confirm_delete.html"
    delete_service = None
    success_url_name = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["link_count"] = self.object.links.count()
        return context

    def form_valid(self, form):
        try:
            type(self).delete_service(self.object, actor=self.request.user)
        except DomainError as error:
            messages.error(self.request, error.message)
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(self.request, _("%(object)s was deleted.") % {"object": self.object})
        return HttpResponseRedirect(reverse(self.success_url_name))


class AddressDeleteView(ServiceDeleteView):
    model = Address
    success_url_name = "addressbook:address_list"

    @staticmethod
    def delete_service(address, *, actor):
        services.address_delete(address=address, actor=actor)


class ContactDeleteView(ServiceDeleteView):
    model = Contact
    success_url_name = "addressbook:contact_list"

    @staticmethod
    def delete_service(contact, *, actor):
        services.contact_delete(contact=contact, actor=actor)


class AddressLookupView(LookupView):
    """The addresses matching what is typed in an address field's search box."""

    lookup = ADDRESSES


class ContactLookupView(LookupView):
    """The contacts matching what is typed in a contact field's search box."""

    lookup = CONTACTS
