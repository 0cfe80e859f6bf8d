"""Country names in the active language, Bahasa Indonesia included.

django-countries names countries in many languages but not in Indonesian; for a language it has
no catalogue for, the names come from ``OWN_NAMES`` (``crm.country_names_id``: the Unicode CLDR's
names), and a code without one there falls back to django-countries' (English) name.
"""

from functools import cache

from django.utils import translation
from django_countries import countries

from crm.country_names_id import NAMES as INDONESIAN_NAMES

# Names django-countries has no catalogue for, by language: {code: name}.
OWN_NAMES = {"id": INDONESIAN_NAMES}


# Each name once per language and process: django-countries looks an English name up in some
# 70 us, and a record page names the country of each of its addresses.
_kept_names: dict[tuple[str, str], str] = {}


def country_name(code: str) -> str:
    """The country's name in the active language ("" for no country)."""
    if not code:
        return ""
    language = translation.get_language() or ""
    key = (language, code)
    name = _kept_names.get(key)
    if name is None:
        own = OWN_NAMES.get(language)
        name = own[code] if own and code in own else str(countries.name(code))
        _kept_names[key] = name
    return name


@cache
def _own_codes(language: str) -> dict[str, str]:
    return {name.casefold(): code for code, name in OWN_NAMES.get(language, {}).items()}


def code_by_own_name(text: str, language: str) -> str | None:
    """The code of the country ``OWN_NAMES`` calls ``text`` in ``language`` (any case), or None."""
    return _own_codes(language).get(text.casefold())


def country_names(language: str) -> list[str]:
    """Every country's name in ``language``, in alphabetical order (call inside
    ``translation.override(language)``)."""
    own = OWN_NAMES.get(language)
    if not own:
        return [name for _, name in countries]
    return sorted(
        (own.get(code) or str(countries.name(code)) for code, _ in countries), key=str.casefold
    )
