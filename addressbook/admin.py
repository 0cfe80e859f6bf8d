from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from addressbook.models import Address, AddressLink, Contact, ContactLink
from addressbook.owners import owner_models
from crm.admin_base import CompanyScopedAdmin, CompanyScopedInlineMixin


class CompanyLinkInlineMixin(CompanyScopedInlineMixin):
    """New link rows get the active company, whatever admin the inline sits in."""

    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).filter(company=request.company)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        company = request.company

        class CompanyFormSet(formset):
            def save_new(self, form, commit=True):
                form.instance.company = company
                return super().save_new(form, commit=commit)

        return CompanyFormSet


class AddressLinkInline(CompanyLinkInlineMixin, GenericTabularInline):
    """Addresses of any owner; other apps add it to their admins (done for registered owners)."""

    model = AddressLink
    ct_field = "owner_type"
    ct_fk_field = "owner_id"
    fields = ["address", "purpose", "is_primary"]
    autocomplete_fields = ["address"]
    verbose_name = _("address")
    verbose_name_plural = _("addresses")


class ContactLinkInline(CompanyLinkInlineMixin, GenericTabularInline):
    model = ContactLink
    ct_field = "owner_type"
    ct_fk_field = "owner_id"
    fields = ["contact", "role", "is_primary"]
    autocomplete_fields = ["contact"]
    verbose_name = _("contact")
    verbose_name_plural = _("contacts")


@admin.register(Address)
class AddressAdmin(CompanyScopedAdmin):
    list_display = [
        "__str__",
        "label",
        "city",
        "postal_code",
        "country",
        "link_count",
        "updated_at",
    ]
    list_filter = ["country"]
    search_fields = ["label", "street", "street2", "city", "postal_code", "region", "country"]
    # The link count's GROUP BY drops the model's ordering; the autocomplete pages need one.
    ordering = ["city", "street", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(link_count=Count("links"))

    @admin.display(description=_("links"), ordering="link_count")
    def link_count(self, obj):
        return obj.link_count


@admin.register(Contact)
class ContactAdmin(CompanyScopedAdmin):
    # No filter by job title: one link per distinct title, and there are as many as contacts.
    list_display = ["full_name", "job_title", "email", "phone", "mobile", "link_count"]
    search_fields = ["first_name", "last_name", "email", "phone", "mobile", "job_title"]
    ordering = ["last_name", "first_name", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(link_count=Count("links"))

    @admin.display(description=_("links"), ordering="link_count")
    def link_count(self, obj):
        return obj.link_count


def attach_link_inlines(site: admin.AdminSite = admin.site) -> None:
    """Give every registered owner model's admin the address and contact inlines, once."""
    for model in owner_models():
        model_admin = site._registry.get(model)
        if model_admin is None:
            continue
        inlines = list(model_admin.inlines)
        for inline in (AddressLinkInline, ContactLinkInline):
            if inline not in inlines:
                inlines.append(inline)
        model_admin.inlines = inlines


attach_link_inlines()
