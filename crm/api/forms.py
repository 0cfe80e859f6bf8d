"""The API validates input with the pages' own forms, so a rule is written once.

``form_serializer`` describes a form's fields as a DRF serializer: it checks the JSON's types
(a number where a number belongs, ids in range, no NUL characters) and documents the request
body in the schema; the form then applies the rules the pages apply (choices from the company,
required fields, clean()). ``form_data`` gives a PATCH the record's current values under the
fields the request leaves out.
"""

from __future__ import annotations

from django import forms
from django.core import validators
from django.forms.models import model_to_dict
from rest_framework import serializers

from crm.api.errors import FormInvalid

BIGINT_MAX = 2**63 - 1


def _bounds(field: forms.Field) -> dict:
    found = {}
    for validator in field.validators:
        if isinstance(validator, validators.MinValueValidator):
            found["min_value"] = validator.limit_value
        elif isinstance(validator, validators.MaxValueValidator):
            found["max_value"] = validator.limit_value
    return found


def serializer_field(field: forms.Field, *, required: bool | None = None) -> serializers.Field:
    """The DRF field that accepts what ``field`` accepts, for the JSON body (``required``:
    whether the body must have it, by default as the form says)."""
    common = {
        "required": field.required if required is None else required,
        "label": str(field.label) if field.label else None,
        "help_text": str(field.help_text) if field.help_text else None,
    }
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=BIGINT_MAX),
            allow_empty=not field.required,
            **common,
        )
    if isinstance(field, forms.ModelChoiceField):
        return serializers.IntegerField(
            min_value=1, max_value=BIGINT_MAX, allow_null=not field.required, **common
        )
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**{**common, "required": False})
    if isinstance(field, forms.ChoiceField):
        choices = [(value, label) for value, label in field.choices if value not in ("", None)]
        return serializers.ChoiceField(
            choices=choices, allow_blank=not field.required, allow_null=not field.required, **common
        )
    if isinstance(field, forms.DecimalField):
        return serializers.DecimalField(
            max_digits=field.max_digits,
            decimal_places=field.decimal_places,
            allow_null=not field.required,
            coerce_to_string=True,
            **_bounds(field),
            **common,
        )
    if isinstance(field, forms.IntegerField):
        bounds = {"min_value": -BIGINT_MAX, "max_value": BIGINT_MAX, **_bounds(field)}
        return serializers.IntegerField(allow_null=not field.required, **bounds, **common)
    if isinstance(field, forms.DateTimeField):
        return serializers.DateTimeField(allow_null=not field.required, **common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(allow_null=not field.required, **common)
    kind = serializers.EmailField if isinstance(field, forms.EmailField) else serializers.CharField
    return kind(
        max_length=getattr(field, "max_length", None),
        allow_blank=not field.required,
        allow_null=not field.required,
        **common,
    )


def form_serializer(form_class: type[forms.BaseForm], name: str, *, exclude=()) -> type:
    """A serializer class named ``name`` with one field per field of ``form_class``."""
    fields = {
        field_name: serializer_field(field)
        for field_name, field in form_class.base_fields.items()
        if field_name not in exclude
    }
    return type(name, (serializers.Serializer,), fields)


def form_data(validated: dict, *, form_class, instance=None) -> dict:
    """The form's data: for an existing record its current values, then the request's."""
    data = {}
    if instance is not None and instance.pk is not None:
        data = model_to_dict(instance, fields=list(form_class.base_fields))
    for name, value in validated.items():
        data[name] = "" if value is None else value
    return data


def validated_form(form_class, *, data: dict, **kwargs):
    """The bound form, valid, or the request refused with its errors."""
    form = form_class(data=data, **kwargs)
    if not form.is_valid():
        raise FormInvalid(form)
    return form


def action_input(view, serializer_class, form_class, **form_kwargs):
    """An action's body: its JSON types checked by ``serializer_class``, then the page's form
    (bound to the request's company)."""
    serializer = serializer_class(data=view.request.data)
    serializer.is_valid(raise_exception=True)
    data = {
        name: ("" if value is None else value) for name, value in serializer.validated_data.items()
    }
    return validated_form(form_class, data=data, company=view.company, **form_kwargs)
