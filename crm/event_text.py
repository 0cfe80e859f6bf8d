"""What a system event says, stored untranslated and read in the reader's language.

A service describes what happened with ``event_message``: an English message id marked with
``gettext_noop`` (so ``makemessages`` extracts it and the catalogues translate it) and its
parameters. ``crm.timeline.activity_log_event`` keeps that description in
``SystemEvent.data["message"]`` and its English rendering in ``SystemEvent.body`` (search, the
admin's list, old readers); ``render_event`` turns it into text in the active language whenever
someone reads it: the timeline panel, the dashboard, the admin and the API all call it.

The stored description is plain JSON. A value is a string or a number (shown as it is: names,
numbers, what a person typed), or one of:

- ``{"msgid": ..., "params": {...}}``: another message (a reason, a prefix, the portal suffix);
- ``{"choice": "leads.Lead.status", "value": "qualified"}``: a choice's label;
- ``{"model": "selling.quotation"}``: a model's verbose name, first letter capitalised
  (``"capfirst": false``: as written);
- ``{"money": "12.50", "currency": "EUR"}``: an amount as the reader's locale writes it;
- ``{"date": "2026-12-01"}``: a date as the reader's locale writes it;
- ``{"join": "; ", "items": [...]}``: values one after the other.

Events written before this existed have no ``data["message"]``: they show their stored body.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext

from crm.money import format_money

EventValue = Any  # str | int | dict (one of the shapes above) | list


def event_message(msgid: str, /, **params: Any) -> dict:
    """What happened, as ``msgid`` (an English text marked with ``gettext_noop``, with
    ``%(name)s`` placeholders) and its parameters. A parameter the reader's language should
    show differently is built with ``choice``, ``model_name``, ``money`` or ``local_date``;
    an already translated (lazy) string is refused, as it would stay in one language."""
    return {"msgid": str(msgid), "params": {name: _value(value) for name, value in params.items()}}


def choice(model: type[Model] | Model, field_name: str, value: Any) -> dict:
    """The label of ``value`` among ``model.field_name``'s choices, in the reader's language."""
    opts = model._meta
    return {"choice": f"{opts.app_label}.{opts.object_name}.{field_name}", "value": value}


def model_name(model: type[Model] | Model, *, capitalized: bool = True) -> dict:
    """``model``'s verbose name, by default with a capital first letter ("Sales order")."""
    if capitalized:
        return {"model": model._meta.label_lower}
    return {"model": model._meta.label_lower, "capfirst": False}


def money(amount: Decimal | int | str, currency: str) -> dict:
    return {"money": str(amount), "currency": currency}


def local_date(value: datetime.date) -> dict:
    return {"date": value.isoformat()}


def joined(items: Iterable[EventValue], separator: str = " ") -> dict:
    return {"join": separator, "items": [_value(item) for item in items]}


def _value(value: Any) -> EventValue:
    if isinstance(value, Promise):
        raise TypeError(
            "A translated string would stay in the writer's language: pass its msgid with "
            "event_message(gettext_noop(...)), or choice() for a choice's label."
        )
    if value is None or isinstance(value, (bool, int, float, str, dict)):
        return value
    if isinstance(value, (list, tuple)):
        return [_value(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date):
        return local_date(value)
    return str(value)  # a record: its name, as it reads in every language


def render(value: EventValue) -> str:
    """``value`` as text in the active language."""
    if isinstance(value, dict):
        if "msgid" in value:
            text = gettext(value["msgid"])
            params = value.get("params") or {}
            if not params:
                return text
            return text % {name: render(param) for name, param in params.items()}
        if "choice" in value:
            return _choice_label(value["choice"], value.get("value"))
        if "model" in value:
            name = str(apps.get_model(value["model"])._meta.verbose_name)
            return capfirst(name) if value.get("capfirst", True) else name
        if "money" in value:
            return format_money(Decimal(value["money"]), value.get("currency") or "")
        if "date" in value:
            return formats.date_format(datetime.date.fromisoformat(value["date"]), "DATE_FORMAT")
        if "join" in value:
            return str(value["join"]).join(render(item) for item in value.get("items") or [])
        raise ValueError(f"Unknown event text value {sorted(value)}")
    if isinstance(value, list):
        return " ".join(render(item) for item in value)
    if value is None:
        return ""
    return str(value)


def _choice_label(path: str, stored: Any) -> str:
    app_label, model, field_name = path.split(".")
    field = apps.get_model(app_label, model)._meta.get_field(field_name)
    for key, label in field.flatchoices:
        if key == stored:
            return str(label)
    return "" if stored is None else str(stored)


def render_english(value: EventValue) -> str:
    """The text stored as the event's body."""
    with translation.override("en"):
        return render(value)


def render_event(event) -> str:
    """What a system event says, in the active language; its stored body for events written
    before messages were stored untranslated (or one whose description no longer renders)."""
    message = (getattr(event, "data", None) or {}).get("message")
    if not message:
        return event.body
    try:
        return render(message)
    except (LookupError, FieldDoesNotExist, TypeError, ValueError, ArithmeticError):
        return event.body
