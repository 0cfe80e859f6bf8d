"""The forms of the customer's user administration: invite a user, give a user roles, and the
customer's own roles with a level per portal permission."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.access import Level, portal_record_types
from crm.models.access import PORTAL_LEVEL_CHOICES
from customers.models import Customer, CustomerRole


class RoleChoiceField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, role):
        if role.customer_id:
            return _("%(role)s (role of %(customer)s)") % {"role": role, "customer": role.customer}
        return str(role)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.none(), empty_label=None
    )
    roles = RoleChoiceField(
        label=_("Roles"),
        queryset=CustomerRole.objects.none(),
        help_text=_("A role of another customer cannot be given to this one."),
    )

    def __init__(self, *args, customers, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        self.fields["roles"].queryset = roles


class UserRolesForm(forms.Form):
    roles = RoleChoiceField(label=_("Roles"), queryset=CustomerRole.objects.none())

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].queryset = roles


def level_field_name(record_type: str, action: str) -> str:
    return f"level__{record_type.replace('.', '__')}__{action}"


class RoleForm(forms.Form):
    """A customer's own role: its name and a level per portal record type and action. A portal
    administrator is offered no level above their own (the service refuses one all the same)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args, actor, levels=None, **kwargs):
        super().__init__(*args, **kwargs)
        levels = levels or {}
        order = list(Level.values)
        self.permission_rows = []
        for record_type in portal_record_types():
            row = {"label": record_type.verbose_name_plural, "fields": []}
            for action in record_type.actions:
                own = actor.portal_level(record_type.label, action)
                choices = [
                    (value, label)
                    for value, label in PORTAL_LEVEL_CHOICES
                    if order.index(value) >= order.index(own)
                ]
                name = level_field_name(record_type.label, action)
                self.fields[name] = forms.ChoiceField(
                    label=record_type.action_label(action),
                    choices=choices,
                    initial=levels.get((record_type.label, action), Level.NONE),
                    error_messages={
                        "invalid_choice": _("Choose a level up to your own (%(own)s).")
                        % {"own": Level.portal_label(own)}
                    },
                )
                self.fields[name].permission = (record_type.label, action)
                row["fields"].append(name)
            self.permission_rows.append(row)

    def levels(self) -> dict[tuple[str, str], str]:
        return {
            field.permission: self.cleaned_data[name]
            for name, field in self.fields.items()
            if hasattr(field, "permission")
        }

    def rows(self):
        """The level fields grouped by record type, for the template's table."""
        return [
            {"label": row["label"], "fields": [self[name] for name in row["fields"]]}
            for row in self.permission_rows
        ]
