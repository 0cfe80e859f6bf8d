"""Amounts, quantities and rates typed the way the page's language writes them.

A browser's ``<input type="number">`` reads what is typed in the *browser's* locale and drops
what it cannot read without a word: on an Indonesian page an English Chromium turned "1,5" into
15. These inputs are text (``inputmode="decimal"``, so phones still show a number pad), shown in
the active language's format, and read by the server alone: the language's decimal mark
(``DECIMAL_SEPARATOR``), thousands grouped with its ``THOUSAND_SEPARATOR`` or not grouped at all.
Anything else ("1.5" on an Indonesian page, "1,5" on an English one, "1.2.3") is refused with a
message that names the field and shows an example, never read as some other number. Values that
are not text (an API body's numbers, an import's already-read cells) are taken as they are.
"""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from crm.money import format_plain

__all__ = ["DecimalInput", "LocalDecimalField", "format_number", "localise_decimal_fields"]

_EXAMPLE = Decimal("1234.5")


def format_number(value, places: int | None = None) -> str:
    """``value`` as the active language writes it, thousands grouped, with ``places`` decimal
    places (None: as many as it needs): "1,234.50" in English, "1.234,50" in Indonesian."""
    if places is None:
        return format_plain(value)
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


def parse_local_number(text: str) -> str | None:
    """``text`` in the active language's number format as Python writes it ("1.234,50" ->
    "1234.50" in Indonesian); None when it is not written that way."""
    mark = re.escape(formats.get_format("DECIMAL_SEPARATOR"))
    group = re.escape(formats.get_format("THOUSAND_SEPARATOR"))
    match = re.fullmatch(
        rf"([+-]?)(\d+|\d{{1,3}}(?:{group}\d{{3}})+)(?:{mark}(\d+))?|([+-]?){mark}(\d+)", text
    )
    if match is None:
        return None
    sign, whole, fraction, bare_sign, bare_fraction = match.groups()
    if whole is None:  # ",5": no whole part
        return f"{bare_sign}0.{bare_fraction}"
    whole = re.sub(group, "", whole)
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"


class DecimalInput(forms.TextInput):
    """A text input for a number in the active language's format, with a number pad on phones."""

    def __init__(self, attrs=None):
        attrs = {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"} | {
            key: value for key, value in (attrs or {}).items() if key not in ("type", "step")
        }
        super().__init__(attrs=attrs)


class LocalDecimalField(forms.DecimalField):
    """A decimal number typed in the active language's format; each message names the field
    and writes its limits in that format."""

    widget = DecimalInput
    # Not the field's ``error_messages``: a ModelForm puts those over the model's own errors
    # too (its validators run after the form's), whose parameters hold no field name. The
    # field's own errors are given these instead (``_name_in``).
    named_messages = {
        "invalid": _("Type “%(field)s” as a number, for example %(example)s."),
        "min_value": _("Enter a value of at least %(limit_value)s in “%(field)s”."),
        "max_value": _("Enter a value of at most %(limit_value)s in “%(field)s”."),
        "max_digits": _("“%(field)s” can have at most %(max)s digits."),
        "max_decimal_places": _("“%(field)s” can have at most %(max)s decimal places."),
        "max_whole_digits": _(
            "“%(field)s” can have at most %(max)s digits before the decimal mark."
        ),
    }

    def __init__(self, **kwargs):
        kwargs["localize"] = True
        super().__init__(**kwargs)
        if not isinstance(self.widget, DecimalInput):
            self.widget = DecimalInput(attrs=self.widget.attrs)
            self.widget.is_required = self.required
        self.widget.is_localized = True

    def widget_attrs(self, widget):
        # A text input: no ``step``, ``min`` or ``max`` (the browser would validate them in its
        # own locale); the limits are checked, and named, by the server.
        return forms.Field.widget_attrs(self, widget)

    def _name(self) -> str:
        return str(self.label) if self.label else str(_("this field"))

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if value in self.empty_values:
                return None
            python = parse_local_number(value)
            if python is None:
                raise ValidationError(
                    self.named_messages["invalid"],
                    code="invalid",
                    params={"field": self._name(), "example": self._example()},
                )
            value = python
        return super().to_python(value)

    def validate(self, value):
        try:
            super().validate(value)
        except ValidationError as error:
            self._name_in(error)
            raise

    def run_validators(self, value):
        try:
            super().run_validators(value)
        except ValidationError as error:
            self._name_in(error)
            raise

    def _name_in(self, error: ValidationError) -> None:
        """Give each message the field's name, the example and limits in the page's format."""
        for each in error.error_list:
            if each.code in self.named_messages:
                each.message = self.named_messages[each.code]
            params = dict(each.params or {})
            if isinstance(params.get("limit_value"), Decimal | int | float):
                params["limit_value"] = format_number(params["limit_value"], self.decimal_places)
            each.params = params | {"field": self._name(), "example": self._example()}

    def _example(self) -> str:
        return format_number(_EXAMPLE, self.decimal_places if self.decimal_places else 1)


def localise_decimal_fields(form: forms.BaseForm) -> None:
    """Make a form's decimal fields (those a ModelForm made from the model too) local ones."""
    for name, field in list(form.fields.items()):
        if type(field) is not forms.DecimalField:
            continue
        attrs = {key: value for key, value in field.widget.attrs.items() if key == "class"}
        local = LocalDecimalField(
            max_value=field.max_value,
            min_value=field.min_value,
            max_digits=field.max_digits,
            decimal_places=field.decimal_places,
            step_size=field.step_size,
            required=field.required,
            label=field.label,
            initial=field.initial,
            help_text=field.help_text,
            disabled=field.disabled,
            widget=DecimalInput(attrs=attrs),
        )
        form.fields[name] = local
