"""Values for the demo's hand-written records (``seed_demo``): e-mail addresses and phone numbers
that read as the person's own, wherever the person is.

The demo names people from many countries; their addresses are folded to ASCII as a real
company writes them (``Lena Krüger`` -> ``lena.krueger@``), and their numbers are valid numbers
of their own country, in E.164 as the phone fields store them. ``generate_data`` has its own,
faster pools (``crm.sample.generate_values``); only the folding is shared.
"""

from __future__ import annotations

import random
from functools import cache

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from crm.sample.generate_values import ascii_slug

# How many digits of libphonenumber's example number stay as they are: an area code or a mobile
# prefix, so that a number starts as the country's numbers do.
_KEPT_DIGITS = 3


def email_local_part(first: str, last: str = "") -> str:
    """``Lena``, ``Krüger`` -> ``lena.krueger``; ``Chloé`` -> ``chloe``; ``Groß`` -> ``gross``."""
    return ".".join(part for part in (ascii_slug(first), ascii_slug(last)) if part)


def email_domain_label(name: str) -> str:
    """An organization's domain label: its first word that is no short legal form in front
    (``Café Amsel`` -> ``cafe``, ``PT Lestari Makmur`` -> ``lestari``)."""
    words = [ascii_slug(word) for word in name.split()]
    return next((word for word in words if len(word) > 2), "".join(words))


@cache
def _number_starts(region: str) -> tuple[tuple[str, int], ...]:
    """(E.164 start, digits that follow) of the region's fixed-line and mobile numbers, from
    libphonenumber's example numbers."""
    calling_code = phonenumbers.country_code_for_region(region)
    starts = []
    for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE):
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        national = phonenumbers.national_significant_number(example)
        start = (f"+{calling_code}{national[:_KEPT_DIGITS]}", len(national) - _KEPT_DIGITS)
        if start not in starts:
            starts.append(start)
    if not starts:
        raise LookupError(region)
    return tuple(starts)


def _valid_in(number: str, region: str) -> phonenumbers.PhoneNumber | None:
    parsed = phonenumbers.parse(number)
    return parsed if phonenumbers.is_valid_number_for_region(parsed, region) else None


def region_phone(region: str, draw: int) -> str:
    """A valid number of ``region`` (``"GB"``) in E.164, landline or mobile, chosen by ``draw``.

    The seeders pass one number they drew from their own ``Random`` (as they always did for a
    phone), so the draws of every seeder after them stay the same."""
    starts = _number_starts(region)
    start, length = starts[draw % len(starts)]
    digits = random.Random(draw)
    for _attempt in range(100):
        number = start + "".join(str(digits.randrange(10)) for _ in range(length))
        parsed = _valid_in(number, region)
        if parsed is not None:
            return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.FIXED_LINE)
    return phonenumbers.format_number(example, PhoneNumberFormat.E164)
