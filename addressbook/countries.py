"""Finding a country by what a person types: a name in their language or in English (and in the
other languages django-countries knows, and in Indonesian from ``crm.country_names``: "Jerman"),
or an ISO code (ID, IDN, 360). The address stores the two-letter code; anything that names no
country is refused, never cut to two letters."""

from functools import cache

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from crm.country_names import code_by_own_name, country_name, country_names

__all__ = ["CountryField", "country_code", "country_name"]  # country_name: crm.country_names

# Names people type for their neighbours' countries too: "Deutschland", "Nederland", "España".
NAME_LANGUAGES = ("en", "de", "nl", "fr", "es", "it", "pt-br", "da", "sv", "nb", "pl", "tr")


def country_code(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code that ``text`` names, or None."""
    text = " ".join((text or "").split())
    if not text:
        return None
    code = countries.alpha2(text)  # two or three letters, or the numeric code, any case
    if code:
        return code
    languages = dict.fromkeys(
        [translation.get_language() or "en", *(code for code, _ in settings.LANGUAGES)]
    )
    for language in languages:
        code = code_by_own_name(text, language)
        if code:
            return code
    for language in (*languages, *NAME_LANGUAGES):
        code = countries.by_name(text, language=language)
        if code:
            return code
    return None


@cache
def _options_html(language: str):
    with translation.override(language):
        return format_html_join(
            "", '<option value="{}"></option>', ((name,) for name in country_names(language))
        )


class CountryInput(forms.TextInput):
    """A text box that suggests country names as the person types (a ``<datalist>``: no
    JavaScript needed)."""

    def __init__(self, attrs=None):
        super().__init__({"autocomplete": "country-name", **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or name}-countries"
        attrs["list"] = list_id
        box = super().render(name, value, attrs, renderer)
        options = _options_html(translation.get_language() or "en")
        return format_html('{}<datalist id="{}">{}</datalist>', box, list_id, options)


class CountryField(forms.CharField):
    """Takes a country's name or code, gives the two-letter code; shows the name."""

    widget = CountryInput
    default_error_messages = {
        "unknown": _(
            "No country is called “%(text)s”. Type its name, e.g. Indonesia or Deutschland, "
            "or its two-letter code, e.g. ID or DE."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.pop("max_length", None)  # the code is two letters; a name is longer
        kwargs.setdefault("help_text", _("Its name or its code, e.g. Indonesia or ID."))
        super().__init__(max_length=100, **kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return text
        code = country_code(text)
        if code is None:
            raise ValidationError(
                self.error_messages["unknown"], code="unknown", params={"text": text}
            )
        return code

    def has_changed(self, initial, data):
        # The initial value may be the code ("DE") or its name ("Germany"): compare codes.
        try:
            return (country_code(str(initial or "")) or "") != (self.to_python(data) or "")
        except ValidationError:
            return True

    def prepare_value(self, value):
        if isinstance(value, str) and len(value) == 2 and value.isupper():
            return country_name(value) or value
        return value
