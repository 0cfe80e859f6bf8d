"""Phone numbers: stored in E.164 ("+622155501234"), typed and shown as people write them.

A number typed without a country code ("021 5550 1234") is read in the company's dialing region
(``Company.dialing_region``); shown, a number of that region reads nationally ("(021) 55501234")
and any other internationally ("+49 30 1234567"), always linked as ``tel:+E164``.

Built on ``phonenumbers`` (Google's libphonenumber metadata) directly rather than on
django-phonenumber-field's model field: that field parses in one region for the whole site
(``PHONENUMBER_DEFAULT_REGION``) and hands ``PhoneNumber`` objects to code that expects text
(``values()`` lookups sent as JSON, XLSX exports, the bulk generators). Here the column stays
text, always E.164 once written through a form, an import or the API.
"""

import re
from contextvars import ContextVar, Token
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import TZPATH

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumbers import phonenumberutil

__all__ = [
    "PhoneField",
    "PhoneFormField",
    "activate_region",
    "active_region",
    "display_phone",
    "international_e164",
    "parse_phone",
    "region_choices",
    "region_for_time_zone",
    "reset_region",
    "to_e164",
]

INVALID_MESSAGE = _(
    "“%(value)s” is not a phone number that can be dialled. Type it as dialled in %(region)s "
    "(e.g. %(national)s) or with its country code (e.g. %(international)s)."
)
INVALID_MESSAGE_NO_REGION = _(
    "“%(value)s” is not a phone number that can be dialled. Type it with its country code, "
    "e.g. %(international)s."
)

# The region numbers are read and shown in when the caller names none: the active company's,
# set per request (crm.i18n.PreferredLocaleMiddleware) and per command (crm.i18n.company_locale).
_active_region: ContextVar[str] = ContextVar("active_phone_region", default="")


def activate_region(region: str) -> Token:
    return _active_region.set(region or "")


def reset_region(token: Token) -> None:
    _active_region.reset(token)


def active_region() -> str:
    return _active_region.get()


def parse_phone(value: str, *, region: str = "") -> phonenumbers.PhoneNumber | None:
    """The number ``value`` dials from ``region``, or None if it is no valid number. "00" and
    "+" both start an international number."""
    text = (value or "").strip()
    if not text:
        return None
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


# An international number written as digits with spaces, hyphens, dots or brackets between them
# ("+49 30 1234567", "+49 (0)30 123-4567", "+622155501234"): the form ``international_e164``
# reads without ``phonenumbers.parse``. Anything else goes through the library.
_INTERNATIONAL = re.compile(r"\+[1-9](?:[ ().-]*[0-9])*")
# What ``phonenumbers`` allows: a national significant number of 2 to 17 digits.
_MIN_NSN = phonenumberutil._MIN_LENGTH_FOR_NSN
_MAX_NSN = phonenumberutil._MAX_LENGTH_FOR_NSN
_NOT_RETAINED = (
    phonenumberutil.ValidationResult.TOO_SHORT,
    phonenumberutil.ValidationResult.IS_POSSIBLE_LOCAL_ONLY,
    phonenumberutil.ValidationResult.INVALID_LENGTH,
)


@cache
def _type_patterns(region: str, country_code: int) -> dict[int, tuple[re.Pattern, re.Pattern]]:
    """A region's validity checks by length of the national number: its general pattern and one
    pattern for the number types ``phonenumbers`` tries (in ``_number_type_helper``) before it
    answers "unknown", either of which matching the whole number as the library's own checks
    do (a full match of one of the alternatives is a full match of one of the patterns)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        country_code, region.upper()
    )
    if metadata is None:  # no rules: the library finds no number valid there
        return {}
    descs = [
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
        metadata.fixed_line,
    ]
    if not metadata.same_mobile_and_fixed_line_pattern:
        descs.append(metadata.mobile)

    def pattern(desc, length: int) -> str | None:
        # ``_is_number_matching_desc``: no description, a length it does not allow or an
        # empty pattern never matches.
        if desc is None or not desc.national_number_pattern:
            return None
        if desc.possible_length and length not in desc.possible_length:
            return None
        return desc.national_number_pattern

    checks = {}
    for length in range(_MAX_NSN + 1):
        general = pattern(metadata.general_desc, length)
        types = [p for p in (pattern(desc, length) for desc in descs) if p is not None]
        if general is not None and types:
            checks[length] = (
                re.compile(general),
                re.compile("|".join(f"(?:{p})" for p in types)),
            )
    return checks


def _has_type(nsn: str, region: str, country_code: int) -> bool:
    """``_number_type_helper(nsn, metadata) != UNKNOWN``, from the same patterns."""
    check = _type_patterns(region, country_code).get(len(nsn))
    return check is not None and bool(check[0].fullmatch(nsn)) and bool(check[1].fullmatch(nsn))


@dataclass(frozen=True)
class _CountryRules:
    """What ``international_e164`` needs of one country calling code, looked up once: its
    regions, the metadata the library parses with, the national prefix's pattern and the
    lengths after which a stripped prefix is kept."""

    code: int
    regions: tuple[str, ...]
    metadata: phonenumbers.PhoneMetadata
    national_prefix: re.Pattern | None
    # Lengths of the national number for which ``_test_number_length`` answers a result the
    # library keeps the stripped number for (possible or too long).
    kept_lengths: frozenset[int]
    # The one region's ``_type_patterns``; None where the code is shared (the number's
    # leading digits choose the region).
    checks: dict[int, tuple[re.Pattern, re.Pattern]] | None


# Longer than any text ``international_e164`` reads (60 characters), so every length it meets
# is in the table.
_LENGTHS = range(64)


@cache
def _country_rules(country_code: int) -> _CountryRules:
    regions = tuple(phonenumberutil.COUNTRY_CODE_TO_REGION_CODE[country_code])
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        country_code, phonenumbers.region_code_for_country_code(country_code)
    )
    prefix = metadata.national_prefix_for_parsing
    kept = frozenset(
        length
        for length in _LENGTHS
        if phonenumberutil._test_number_length("0" * length, metadata) not in _NOT_RETAINED
    )
    return _CountryRules(
        code=country_code,
        regions=regions,
        metadata=metadata,
        national_prefix=re.compile(prefix) if prefix else None,
        kept_lengths=kept,
        checks=_type_patterns(regions[0], country_code) if len(regions) == 1 else None,
    )


# Country calling codes (1 to 3 digits, none starting with 0) by their digits: the lookup
# ``phonenumberutil._extract_country_code`` does by trying each prefix as a number.
_CALLING_CODES = {str(code): code for code in phonenumberutil.COUNTRY_CODE_TO_REGION_CODE}
_MAX_CODE_DIGITS = max(len(digits) for digits in _CALLING_CODES)


def international_e164(text: str) -> str | None:
    """The E.164 form ``phonenumbers`` gives a valid international number written as
    ``_INTERNATIONAL`` allows, reached by the library's own steps for such text (no extension,
    letters or dialling prefix to find: the country code, the national prefix, the length
    rules and the number type's patterns), or None where the library must decide (an unknown
    country code, a number it finds invalid, any other way of writing it). Compared with
    ``phonenumbers`` over many numbers in tests/crm/test_phones_fast.py.

    Each country's rules are looked up once (``_country_rules``); the national prefix goes
    through the library's own stripping only where its pattern matches."""
    if len(text) > 60 or not _INTERNATIONAL.fullmatch(text):
        return None
    # Five ``replace`` calls are a quarter of one ``translate`` with a deletion table.
    digits = (
        text[1:]
        .replace(" ", "")
        .replace("-", "")
        .replace(".", "")
        .replace("(", "")
        .replace(")", "")
    )
    if len(digits) <= _MIN_NSN:
        return None
    for size in range(1, _MAX_CODE_DIGITS + 1):
        country_code = _CALLING_CODES.get(digits[:size])
        if country_code is not None:
            national = digits[size:]
            break
    else:
        return None
    if len(national) < _MIN_NSN:
        return None
    rules = _country_rules(country_code)
    prefix = rules.national_prefix
    if prefix is not None and prefix.match(national):
        _carrier, stripped, _ = phonenumberutil._maybe_strip_national_prefix_carrier_code(
            national, rules.metadata
        )
        if len(stripped) in rules.kept_lengths:
            national = stripped
    if not _MIN_NSN <= len(national) <= _MAX_NSN:
        return None
    # The national significant number keeps its leading zeros (Italy's), so it is ``national``.
    if rules.checks is not None:
        check = rules.checks.get(len(national))
        if check is None or not check[0].fullmatch(national) or not check[1].fullmatch(national):
            return None
    else:
        region = _region_of(national, rules.regions, country_code)
        if region is None or not _has_type(national, region, country_code):
            return None
    return f"+{country_code}{national}"


def _region_of(nsn: str, regions: list[str], country_code: int) -> str | None:
    """``_region_code_for_number_from_list``: the first region whose leading digits or
    number types take the number."""
    for region in regions:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            if re.compile(metadata.leading_digits).match(nsn):
                return region
        elif _has_type(nsn, region, country_code):
            return region
    return None


def to_e164(value: str, *, region: str = "") -> str:
    """``value`` in E.164; empty stays empty. Raises ``ValidationError`` (code
    ``invalid_phone``) with a message that says how to type it."""
    text = (value or "").strip()
    if not text:
        return ""
    fast = international_e164("+" + text[2:] if text.startswith("00") else text)
    if fast is not None:
        return fast
    number = parse_phone(value, region=region)
    if number is None:
        example = phonenumbers.example_number(region or "ID")
        params = {
            "value": value.strip(),
            "region": region_name(region),
            "national": phonenumbers.format_number(
                example, phonenumbers.PhoneNumberFormat.NATIONAL
            ),
            "international": phonenumbers.format_number(
                example, phonenumbers.PhoneNumberFormat.INTERNATIONAL
            ),
        }
        message = INVALID_MESSAGE if region else INVALID_MESSAGE_NO_REGION
        raise ValidationError(message, code="invalid_phone", params=params)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def e164_or_text(value: str, *, region: str = "") -> str:
    """``value`` in E.164 if it is a number of ``region``, else as it is (for comparisons)."""
    number = parse_phone(value, region=region)
    if number is None:
        return (value or "").strip()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(value: str, *, region: str = "") -> str:
    """National format for a number of ``region``, international for any other; text that is
    no number (stored before numbers were checked) comes back as it is."""
    number = parse_phone(value, region=region)
    if number is None:
        return (value or "").strip()
    return _shown(number, region)


def _shown(number: phonenumbers.PhoneNumber, region: str) -> str:
    if region and phonenumbers.region_code_for_number(number) == region:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def display_phone_and_uri(value: str, *, region: str = "") -> tuple[str, str]:
    """``display_phone`` and ``tel_uri`` of one number, parsed once (a list's phone column
    shows both on every row, and parsing is the dear part)."""
    return _display_phone_and_uri(value, region)


# A list's first page shows the same numbers on every view, and parsing and formatting is the
# dear part (50 numbers: 42 ms parsed, 0.01 ms from here, measured at a load of 11 on two
# cores). The answer depends on the text and the region alone.
@lru_cache(maxsize=4096)
def _display_phone_and_uri(value: str, region: str) -> tuple[str, str]:
    number = parse_phone(value, region=region)
    if number is None:
        return (value or "").strip(), ""
    return (
        _shown(number, region),
        "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
    )


def tel_uri(value: str, *, region: str = "") -> str:
    """``tel:+E164`` for a number, empty for text that is none."""
    number = parse_phone(value, region=region)
    if number is None:
        return ""
    return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def region_name(region: str) -> str:
    from crm.country_names import country_name

    return country_name(region) or region


def region_choices() -> list[tuple[str, str]]:
    """The regions libphonenumber can read national numbers in, by name in the active language."""
    from django_countries import countries

    supported = phonenumbers.SUPPORTED_REGIONS
    return [(code, str(name)) for code, name in countries if code in supported]


def validate_region(region: str) -> None:
    if region and region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(
            _("“%(region)s” is no dialing region. Use a country code such as ID or DE."),
            params={"region": region},
        )


@cache
def _zone_regions() -> dict[str, str]:
    """Time zone -> country code, from the tz database's zone.tab (absent: nothing guessed)."""
    for base in TZPATH:
        path = Path(base) / "zone.tab"
        if path.is_file():
            regions = {}
            for line in path.read_text(encoding="utf-8").splitlines():
                if line and not line.startswith("#"):
                    parts = line.split("\t")
                    if len(parts) >= 3:
                        regions[parts[2]] = parts[0]
            return regions
    return {}


def region_for_time_zone(zone: str) -> str:
    """The country a time zone belongs to ("Asia/Jakarta" -> "ID"), or "" (UTC, unknown)."""
    region = _zone_regions().get(zone or "", "")
    return region if region in phonenumbers.SUPPORTED_REGIONS else ""


class PhoneFormField(forms.CharField):
    """Reads what a person types in ``region`` (set per company by ``CompanyFormMixin``) and
    cleans to E.164; shows a stored number as it is dialled in that region."""

    widget = forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})

    def __init__(self, *args, region: str = "", **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)
        self.region = region
        self.widget.attrs.setdefault("type", "tel")
        self.widget.attrs.setdefault("autocomplete", "tel")

    def to_python(self, value):
        return to_e164(super().to_python(value), region=self.region or active_region())

    def has_changed(self, initial, data):
        # "+49 30 1234567" stored before and "+49301234567" typed now are the same number.
        try:
            return self.to_python(initial or "") != self.to_python(data)
        except ValidationError:
            return super().has_changed(initial, data)

    def prepare_value(self, value):
        if isinstance(value, str) and value.startswith("+"):
            return display_phone(value, region=self.region or active_region())
        return value


class PhoneField(models.CharField):
    """A phone number column: E.164 text. Forms read it in the company's region."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PhoneFormField, **kwargs})


@dataclass(frozen=True)
class UnreadableNumber:
    """A stored phone field whose text is no number of the company's region."""

    model: str  # the record type's name, e.g. "lead"
    pk: int
    record: str
    field: str
    value: str


def phone_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with phone columns (``PhoneField``) of its own table, and their names;
    history tables aside (they keep what was stored then)."""
    from django.apps import apps

    found = []
    for model in apps.get_models():
        if model.__name__.startswith("Historical") or model._meta.proxy:
            continue
        names = [f.name for f in model._meta.local_concrete_fields if isinstance(f, PhoneField)]
        if names:
            found.append((model, names))
    return found


def unreadable_numbers(company) -> list[UnreadableNumber]:
    """The company's stored numbers that do not parse in its region (stored before numbers
    were checked), in model and id order. Reads only: ``check_phone_numbers`` lists them."""
    region = company.dialing_region
    found = []
    for model, names in phone_fields():
        rows = model._base_manager.filter(company=company)
        query = models.Q()
        for name in names:
            query |= ~models.Q(**{name: ""})
        for row in rows.filter(query).order_by("pk"):
            for name in names:
                value = getattr(row, name)
                if value and parse_phone(value, region=region) is None:
                    found.append(
                        UnreadableNumber(
                            model=str(model._meta.verbose_name),
                            pk=row.pk,
                            record=str(row),
                            field=str(model._meta.get_field(name).verbose_name),
                            value=value,
                        )
                    )
    return found


def stored_numbers_to_e164(
    company_model, model, fields: tuple[str, ...], *, digits_field: str = ""
) -> int:
    """For data migrations and tests: rewrite ``fields`` of every ``model`` row in E.164 where
    the text is a number in its company's region; text that is none stays as it was
    (``check_phone_numbers`` lists it). ``digits_field`` is kept in step with the first field.
    Returns how many rows changed."""
    regions = {
        company.pk: company.phone_region or region_for_time_zone(company.time_zone)
        for company in company_model._base_manager.only("pk", "phone_region", "time_zone")
    }
    update_fields = [*fields, digits_field] if digits_field else list(fields)
    changed, batch = 0, []
    rows = model._base_manager.only("pk", "company_id", *fields)
    for row in rows.order_by("pk").iterator(chunk_size=2000):
        dirty = False
        for name in fields:
            value = getattr(row, name) or ""
            number = parse_phone(value, region=regions.get(row.company_id, ""))
            if number is None:
                continue
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if e164 != value:
                setattr(row, name, e164)
                dirty = True
        if dirty:
            if digits_field:
                setattr(
                    row, digits_field, "".join(ch for ch in getattr(row, fields[0]) if ch.isdigit())
                )
            batch.append(row)
        if len(batch) >= 1000:
            model._base_manager.bulk_update(batch, update_fields)
            changed, batch = changed + len(batch), []
    if batch:
        model._base_manager.bulk_update(batch, update_fields)
        changed += len(batch)
    return changed
