import django_filters
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from addressbook.models import Address, AddressLink, Contact, ContactLink
from addressbook.owners import owner_models
from crm.ui.filters import SearchFilterSet

NOT_LINKED = "none"


def linked_to_choices():
    choices = [
        (model._meta.label_lower, str(model._meta.verbose_name_plural).capitalize())
        for model in owner_models()
    ]
    return [*choices, (NOT_LINKED, _("Not linked to anything"))]


class LinkedToFilterMixin:
    link_model = None
    link_field = ""

    def filter_linked_to(self, queryset, name, value: str):
        links = self.link_model.objects.filter(**{self.link_field: OuterRef("pk")})
        if value == NOT_LINKED:
            return queryset.filter(~Exists(links))
        model = next((m for m in owner_models() if m._meta.label_lower == value), None)
        if model is None:
            return queryset.none()
        owner_type = ContentType.objects.get_for_model(model)
        return queryset.filter(Exists(links.filter(owner_type=owner_type)))


class AddressFilterSet(LinkedToFilterMixin, SearchFilterSet):
    link_model = AddressLink
    link_field = "address"

    country = django_filters.CharFilter(
        label=_("Country code"), field_name="country", lookup_expr="iexact"
    )
    city = django_filters.CharFilter(label=_("City"), field_name="city", lookup_expr="icontains")
    linked_to = django_filters.ChoiceFilter(
        label=_("Linked to"),
        choices=linked_to_choices,
        method="filter_linked_to",
        empty_label=_("Anything"),
    )

    class Meta:
        model = Address
        fields = ["q", "country", "city", "linked_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["q"].field.widget.input_type = "search"


class ContactFilterSet(LinkedToFilterMixin, SearchFilterSet):
    link_model = ContactLink
    link_field = "contact"

    linked_to = django_filters.ChoiceFilter(
        label=_("Linked to"),
        choices=linked_to_choices,
        method="filter_linked_to",
        empty_label=_("Anything"),
    )

    class Meta:
        model = Contact
        fields = ["q", "linked_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["q"].field.widget.input_type = "search"
