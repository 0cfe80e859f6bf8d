"""Dates typed the way the page's language writes them, with a calendar to pick one.

A native ``<input type="date">`` shows the *browser's* format: an American Chromium shows
mm/dd/yyyy on an Indonesian page. This input is text in the active language's first
``DATE_INPUT_FORMATS`` (``crm/formats``: dd/mm/yyyy in English and in Bahasa Indonesia), names that
format in the reader's words ("dd/mm/yyyy", "hh/bb/tttt"), accepts every input format of the
language and ISO, and says how to type a date it cannot read. Without JavaScript it is a plain
text field; ``app.js`` adds a button that opens a keyboard-operable calendar dialog, labelled
from the month and weekday names rendered here in the page's language.
"""

import json
from datetime import date
from functools import lru_cache

from django import forms
from django.utils import formats
from django.utils.dates import MONTHS, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext_lazy as _

__all__ = [
    "DateInput",
    "LocalDateField",
    "date_format",
    "date_placeholder",
    "localise_date_fields",
]

# A date whose day cannot be taken for a month: the example in messages.
_EXAMPLE = date(2026, 12, 31)


def date_format() -> str:
    """The strptime format dates are shown and first read in, for the active language."""
    return formats.get_format("DATE_INPUT_FORMATS")[0]


def date_placeholder(pattern: str = "") -> str:
    """The format in the reader's words: "dd/mm/yyyy" (English), "hh/bb/tttt" (Indonesian)."""
    words = {
        "%d": pgettext("letters for the day in a date format", "dd"),
        "%m": pgettext("letters for the month in a date format", "mm"),
        "%Y": pgettext("letters for the year in a date format", "yyyy"),
        "%y": pgettext("letters for a two-digit year in a date format", "yy"),
        "%b": pgettext("letters for a month's short name in a date format", "mmm"),
        "%B": pgettext("letters for a month's name in a date format", "mmmm"),
    }
    text = pattern or date_format()
    for code, word in words.items():
        text = text.replace(code, word)
    return text


def _example() -> str:
    return _EXAMPLE.strftime(date_format())


INVALID_DATE = format_lazy(
    _("Type the date as {format}, for example {example}."),
    format=lazy(date_placeholder, str)(),
    example=lazy(_example, str)(),
)


class DateInput(forms.DateInput):
    """A text input in the active language's date format, with a calendar button (app.js)."""

    template_name = "crm/widgets/date.html"
    input_type = "text"

    def __init__(self, attrs=None, format=None):
        attrs = {"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"} | (
            attrs or {}
        )
        attrs.pop("type", None)
        super().__init__(attrs=attrs, format=format)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        pattern = self.format or date_format()
        widget = context["widget"]
        widget["attrs"].setdefault("placeholder", date_placeholder(pattern))
        widget["attrs"]["class"] = " ".join(
            filter(None, (widget["attrs"].get("class"), "date-input-text"))
        )
        widget["date_format"] = pattern
        widget["calendar"] = _calendar(get_language())
        return context


@lru_cache(maxsize=16)
def _calendar(language: str | None) -> dict:
    """The calendar's month and weekday names in ``language`` (the active one), translated once
    per language rather than for each date field of each page."""
    return {
        "months": json.dumps([str(MONTHS[number]) for number in range(1, 13)]),
        # Sunday first, as JavaScript's Date.getDay() counts.
        "weekdays": json.dumps([str(WEEKDAYS[(day + 6) % 7]) for day in range(7)]),
        "weekdays_abbr": json.dumps([str(WEEKDAYS_ABBR[(day + 6) % 7]) for day in range(7)]),
        "first_day": formats.get_format("FIRST_DAY_OF_WEEK"),
    }


class LocalDateField(forms.DateField):
    """A date in the active language's format, with a message that says how to type one."""

    widget = DateInput
    default_error_messages = {"invalid": INVALID_DATE}


def localise_date_fields(form: forms.BaseForm) -> None:
    """Give a form's date fields (those a ModelForm made from the model too) the local date
    input and its message."""
    for field in form.fields.values():
        if not isinstance(field, forms.DateField):
            continue
        if not isinstance(field.widget, DateInput):
            attrs = {key: value for key, value in field.widget.attrs.items() if key != "type"}
            field.widget = DateInput(attrs=attrs)
            field.widget.is_required = field.required
        if not isinstance(field, LocalDateField):
            field.error_messages["invalid"] = INVALID_DATE
