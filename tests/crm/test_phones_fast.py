"""The shortcut for international numbers (``crm.phones.international_e164``) answers exactly
what ``phonenumbers`` answers, or leaves the number to the library: compared over every region's
example numbers of every type, changed digit by digit, and over generated text. No database."""

import random

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from crm.phones import international_e164, parse_phone, to_e164

TYPES = [
    PhoneNumberType.FIXED_LINE,
    PhoneNumberType.MOBILE,
    PhoneNumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.VOIP,
    PhoneNumberType.PERSONAL_NUMBER,
    PhoneNumberType.PAGER,
    PhoneNumberType.UAN,
    PhoneNumberType.VOICEMAIL,
]


def library_e164(text: str) -> str | None:
    """What the form stored before the shortcut: ``phonenumbers`` alone."""
    number = parse_phone(text)
    if number is None:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def example_numbers() -> list[str]:
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for number_type in TYPES:
            example = phonenumbers.example_number_for_type(region, number_type)
            if example is not None:
                for style in (PhoneNumberFormat.E164, PhoneNumberFormat.INTERNATIONAL):
                    found.append(phonenumbers.format_number(example, style))
    for code in phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS:
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            found.append(phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL))
    return found


def changed(text: str, rng: random.Random) -> str:
    """The number with a digit changed, added or dropped, a "(0)" put in, or its subscriber
    digits drawn anew: near-valid numbers, valid and not."""
    chars = list(text)
    digits = [i for i, ch in enumerate(chars) if ch.isdigit()]
    how = rng.randrange(5)
    if how == 0:
        chars[rng.choice(digits)] = str(rng.randrange(10))
    elif how == 1:
        chars.insert(rng.choice(digits) + 1, str(rng.randrange(10)))
    elif how == 2 and len(digits) > 1:
        del chars[rng.choice(digits[1:])]
    elif how == 3 and " " in text:
        space = text.index(" ")
        chars[space : space + 1] = list(" (0) ")
    else:
        for i in digits[3:]:
            chars[i] = str(rng.randrange(10))
    return "".join(chars)


def test_every_regions_numbers_and_their_neighbours_read_as_the_library_reads_them():
    rng = random.Random(2026)
    answered = 0
    for example in example_numbers():
        for text in [example, *(changed(example, rng) for _ in range(12))]:
            fast = international_e164(text)
            if fast is not None:
                answered += 1
                assert fast == library_e164(text), text
    assert answered > 5000  # the shortcut takes most well-written numbers


def test_random_digits_after_every_country_code_read_as_the_library_reads_them():
    rng = random.Random(17)
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        for _ in range(60):
            digits = "".join(str(rng.randrange(10)) for _ in range(rng.randrange(1, 17)))
            text = f"+{code}{digits}"
            # Both ways: what the shortcut reads is right, and every valid number is read.
            assert international_e164(text) == library_e164(text), text


@settings(max_examples=600, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    code=st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
    body=st.text(alphabet="0123456789 ().-", min_size=1, max_size=24),
    lead=st.sampled_from(["+", "00", "+0", "+ ", "0"]),
)
def test_written_any_way_a_number_reads_as_the_library_reads_it(code, body, lead):
    text = f"{lead}{code}{body}"
    for region in ("", "ID", "DE", "US", "IT"):
        try:
            ours = to_e164(text, region=region)
        except ValidationError:
            ours = None
        number = parse_phone(text, region=region)
        expected = phonenumbers.format_number(number, PhoneNumberFormat.E164) if number else None
        if (text or "").strip():
            assert ours == expected, (text, region)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+49 30 1234567", "+49301234567"),
        ("+49 (0)30 123-4567", "+49301234567"),  # the national prefix in brackets is dropped
        ("0049 30 1234567", "+49301234567"),
        ("+39 06 6982 1234", "+390669821234"),  # Italy keeps its leading zero
        ("+1 650-253-0000", "+16502530000"),  # a shared country code: the region decides
        ("+62 21 5550 1234", "+622155501234"),
    ],
)
def test_the_shortcut_answers_common_ways_of_writing_a_number(text, expected):
    assert to_e164(text) == expected == library_e164(text)
    assert international_e164(text.replace("00", "+", 1) if text.startswith("00") else text)


@pytest.mark.parametrize(
    "text",
    [
        "+49 30",  # too short: the library says why
        "+0 30 1234567",  # no country code starts with 0
        "+999 1234567",  # no such country code
        "+49 30 1234567 ext. 12",  # an extension
        "+1 800 FLOWERS",  # letters
        "+49/30/1234567",  # a slash may start a second number
        "+49 30 1234567890123456789",  # too long
    ],
)
def test_other_numbers_are_left_to_the_library(text):
    assert international_e164(text) is None
