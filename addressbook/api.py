"""Addresses and contacts on the REST API (``/api/v1/addresses/``, ``/api/v1/contacts/``):
the address book's own rows, validated by the pages' forms and written by
``addressbook.services``. A row still linked to a record cannot be deleted (400)."""

from rest_framework import serializers

from addressbook import services
from addressbook.filters import AddressFilterSet, ContactFilterSet
from addressbook.forms import AddressForm, ContactForm
from addressbook.models import Address, Contact
from crm.api.forms import form_serializer
from crm.api.router import router
from crm.api.viewsets import FormViewSet


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", *services.ADDRESS_FIELDS, "version", "updated_at"]
        read_only_fields = fields


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", *services.CONTACT_FIELDS, "version", "updated_at"]
        read_only_fields = fields


def _fields(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


class AddressViewSet(FormViewSet):
    model = Address
    read_serializer_class = AddressSerializer
    input_serializer_class = form_serializer(AddressForm, "AddressInput")
    form_class = AddressForm
    filterset_class = AddressFilterSet

    def save_form(self, form):
        fields = _fields(form, services.ADDRESS_FIELDS)
        if form.instance.pk is None:
            return services.address_create(
                company=self.company, fields=fields, actor=self.request.user
            )
        return services.address_update(
            address=form.instance, fields=fields, actor=self.request.user
        )

    def delete_service(self, instance) -> None:
        services.address_delete(address=instance, actor=self.request.user)


class ContactViewSet(FormViewSet):
    model = Contact
    read_serializer_class = ContactSerializer
    input_serializer_class = form_serializer(ContactForm, "ContactInput")
    form_class = ContactForm
    filterset_class = ContactFilterSet

    def save_form(self, form):
        fields = _fields(form, services.CONTACT_FIELDS)
        if form.instance.pk is None:
            return services.contact_create(
                company=self.company, fields=fields, actor=self.request.user
            )
        return services.contact_update(
            contact=form.instance, fields=fields, actor=self.request.user
        )

    def delete_service(self, instance) -> None:
        services.contact_delete(contact=instance, actor=self.request.user)


router.register("addresses", AddressViewSet, basename="address")
router.register("contacts", ContactViewSet, basename="contact")
