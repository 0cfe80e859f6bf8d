"""Pieces for a kind's fast path: the checks a form's text fields make, without the form's
per-value overhead, and unsaved model instances made without ``Model.__init__``."""

from __future__ import annotations

import re
from collections.abc import Callable

from django import forms
from django.core.validators import (
    EmailValidator,
    MaxLengthValidator,
    MinLengthValidator,
    ProhibitNullCharactersValidator,
)
from django.db.models.base import ModelState

from crm.phones import PhoneFormField, international_e164

_LENGTH_VALIDATORS = (MaxLengthValidator, MinLengthValidator, ProhibitNullCharactersValidator)

# A plain address (dot-atom name, domain labels, letters-only top-level domain) that Django's
# EmailValidator certainly accepts: checked with one compiled pattern instead of its lazy ones.
# Anything else goes through the validator itself.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9_%+-]+(?:\.[a-z0-9_%+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}",
    re.IGNORECASE,
)


def _fast_validator(validator):
    if type(validator) is EmailValidator and not set(validator.domain_allowlist) - {"localhost"}:
        plain = _PLAIN_EMAIL.fullmatch

        def validate(value: str) -> None:
            if len(value) > 320 or not plain(value):
                validator(value)

        return validate
    return validator


def text_cleaner(field: forms.CharField) -> Callable[[str], str]:
    """What ``field.clean`` answers for a text value (stripped, as the reader gives it): the
    same length, NUL and validator checks (e.g. the e-mail check). A value that fails goes
    through ``field.clean`` itself, so the message is exactly the form's."""
    if isinstance(field, PhoneFormField):
        return phone_cleaner(field)
    others = [_fast_validator(v) for v in field.validators if not isinstance(v, _LENGTH_VALIDATORS)]
    max_length = field.max_length
    min_length = field.min_length
    required = field.required
    empty = field.empty_value

    def clean(value: str) -> str:
        if not value:
            if required:
                return field.clean(value)
            return empty
        if (
            (max_length is not None and len(value) > max_length)
            or (min_length is not None and len(value) < min_length)
            or "\x00" in value
        ):
            return field.clean(value)
        for validator in others:
            validator(value)
        return value

    return clean


def phone_cleaner(field: PhoneFormField) -> Callable[[str], str]:
    """What ``field.clean`` answers for a phone number (stripped, as the reader gives it): a
    number written internationally is read by ``international_e164`` alone, without the
    form field's steps around it; anything else (empty, national, invalid) goes through
    ``field.clean``, so the value stored and the message are exactly the form's."""
    # The field's validators check the E.164 it answers (length, NUL): an E.164 number passes
    # them when it fits the field. Any other validator: the field decides every value.
    if any(not isinstance(v, _LENGTH_VALIDATORS) for v in field.validators):
        return field.clean
    max_length = field.max_length
    min_length = field.min_length or 0
    slow = field.clean

    def clean(value: str) -> str:
        if value:
            number = international_e164("+" + value[2:] if value.startswith("00") else value)
            if (
                number is not None
                and min_length <= len(number)
                and (max_length is None or len(number) <= max_length)
            ):
                return number
        return slow(value)

    return clean


def instance_maker(model) -> Callable[[dict], object]:
    """New unsaved instances with every field at its default, then ``values`` (attribute
    names) on top: what ``model(**values)`` makes, without its per-field work each time."""
    template = dict(model().__dict__)
    template.pop("_state", None)
    new = model.__new__

    def make(values: dict):
        instance = new(model)
        state = dict(template)
        state.update(values)
        instance.__dict__ = state
        instance._state = ModelState()
        return instance

    return make
