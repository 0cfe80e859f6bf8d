"""Bulk actions on list pages: which actions a list offers, the form that picks one, and the
runner that applies it to the selected rows.

An app describes each action once (``BulkAction``: a label, the extra fields it needs and a
function that calls the app's service for one row) and registers it on the list's
``BulkActions``; ``crm.views.bulk.BulkActionMixin`` puts the action bar on the list page and
runs the chosen action. Adding an action later is one ``register`` call.

The rows are loaded only through the queryset the view hands over (the company's), so ids of
another company's rows are reported as not found and never touched. All rows change in one
transaction: if the service refuses any row, nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from crm.access.vocabulary import Action
from crm.errors import DomainError
from crm.ui.choices import use_cached_choices
from crm.ui.fast_forms import fast_renderer

# The most rows one request may change: enough for several full pages, small enough that one
# transaction holds its row locks for a moment, not a minute.
MAX_BULK_IDS = 500
# How many refusals the message names before it says "and N more".
MAX_REFUSALS_SHOWN = 10


@dataclass(frozen=True)
class BulkAction:
    """One thing a list can do to many rows.

    ``run(obj, actor=..., **params)`` calls the app's service for one row; ``params`` are the
    cleaned values of ``fields`` (extra form fields, declared on the list's form class).
    ``message(count, params)`` words the success, e.g. "3 leads assigned to Maria".
    ``allowed_roles`` limits who is offered the action (None: every member);
    ``access_action`` is what it does to each row for ``crm.access`` (rows outside the user's
    level for it are left out and counted).
    """

    name: str
    label: Any
    run: Callable[..., Any]
    message: Callable[[int, dict[str, Any]], str]
    fields: tuple[str, ...] = ()
    allowed_roles: frozenset[str] | None = None
    access_action: str = Action.EDIT


class BulkActions:
    """The bulk actions of one list, in the order they are offered."""

    def __init__(self, model: type[models.Model], form_class: type[BulkActionForm] | None = None):
        self.model = model
        self.form_class = form_class or BulkActionForm
        self._actions: dict[str, BulkAction] = {}

    def register(self, action: BulkAction) -> BulkAction:
        if action.name in self._actions:
            raise ValueError(f"{self.model.__name__} already has a bulk action {action.name!r}")
        unknown = set(action.fields) - set(self.form_class.base_fields)
        if unknown:
            raise ValueError(
                f"{self.form_class.__name__} has no field(s) {sorted(unknown)} "
                f"for the bulk action {action.name!r}"
            )
        self._actions[action.name] = action
        return action

    def __iter__(self):
        return iter(self._actions.values())

    def __len__(self) -> int:
        return len(self._actions)

    def offered(self, has_role: Callable[[frozenset[str]], bool]) -> list[BulkAction]:
        """The actions this user may run; ``has_role(roles)`` answers for the request."""
        return [
            action
            for action in self
            if action.allowed_roles is None or has_role(action.allowed_roles)
        ]


class IdListField(forms.Field):
    """The primary keys of the ticked rows (``<input type=checkbox name=ids>``, repeated)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "invalid": gettext_lazy("The selection is not valid: reload the page and select again."),
    }

    def to_python(self, value) -> list[int]:
        if value in self.empty_values:
            return []
        if isinstance(value, str):
            value = [value]
        ids = []
        for item in value:
            try:
                number = int(str(item).strip())
            except (TypeError, ValueError):
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
            if number <= 0:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            ids.append(number)
        return list(dict.fromkeys(ids))


class BulkActionForm(forms.Form):
    """Picks an action and the rows; subclasses declare the extra fields actions need (each
    optional here: ``clean`` requires those of the chosen action).

    ``select_page`` (the "select all on this page" box) adds ``page_ids``, the ids of the rows
    shown, so the box works without JavaScript too.
    """

    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        error_messages={
            "required": gettext_lazy("Choose an action."),
            "invalid_choice": gettext_lazy("Choose one of the actions offered."),
        },
    )
    ids = IdListField(required=False)
    page_ids = IdListField(required=False)
    select_page = forms.BooleanField(required=False)
    # On every list page with bulk actions, beside the filters: the same markup without a
    # template per widget (crm.ui.fast_forms).
    default_renderer = fast_renderer
    # The same on every visit to the list: each field's markup is kept (crm.ui.fast_forms).
    cache_rendered_fields = True

    def __init__(self, *args, actions: Iterable[BulkAction], company, model, **kwargs):
        super().__init__(*args, **kwargs)
        self.actions = {action.name: action for action in actions}
        self.company = company
        self.model = model
        use_cached_choices(self)
        self.fields["action"].choices = [("", _("Choose an action"))] + [
            (action.name, action.label) for action in self.actions.values()
        ]
        # Which extra fields each action shows, for the script that hides the others.
        self.fields["action"].widget.attrs["data-bulk-action"] = ""
        for name in self.extra_field_names():
            self.fields[name].required = False

    @classmethod
    def extra_field_names(cls) -> list[str]:
        return [name for name in cls.base_fields if name not in BulkActionForm.base_fields]

    def extra_fields(self):
        """The bound extra fields, each with the names of the actions that use it."""
        for name in self.extra_field_names():
            users = [action.name for action in self.actions.values() if name in action.fields]
            if users:
                yield self[name], " ".join(users)

    def clean(self):
        cleaned = super().clean()
        action = self.actions.get(cleaned.get("action") or "")
        if action is None:
            return cleaned
        cleaned["action"] = action
        ids = list(cleaned.get("ids") or [])
        if cleaned.get("select_page"):
            ids = list(dict.fromkeys([*ids, *(cleaned.get("page_ids") or [])]))
        plural = self.model._meta.verbose_name_plural
        if not ids and "ids" not in self.errors and "page_ids" not in self.errors:
            raise forms.ValidationError(
                _("Select the %(records)s to change first.") % {"records": plural}
            )
        if len(ids) > MAX_BULK_IDS:
            raise forms.ValidationError(
                _(
                    "You selected %(count)d %(records)s; at most %(max)d can be changed at once. "
                    "Filter the list or select fewer."
                )
                % {"count": len(ids), "records": plural, "max": MAX_BULK_IDS}
            )
        cleaned["selected_ids"] = ids
        for name in action.fields:
            if cleaned.get(name) in (None, "") and name not in self.errors:
                self.add_error(
                    name,
                    forms.ValidationError(
                        _("Choose the %(field)s for “%(action)s”.")
                        % {"field": str(self.fields[name].label).lower(), "action": action.label},
                        code="required_for_action",
                    ),
                )
        return cleaned

    def action_params(self) -> dict[str, Any]:
        action = self.cleaned_data["action"]
        return {name: self.cleaned_data[name] for name in action.fields}

    def error_text(self) -> str:
        """All errors as one message; a field's own wording is prefixed with its label."""
        parts = []
        for name, errors in self.errors.as_data().items():
            for error in errors:
                text = " ".join(error.messages)
                if name in self.extra_field_names() and error.code != "required_for_action":
                    text = f"{self.fields[name].label}: {text}"
                parts.append(text)
        return " ".join(parts)


@dataclass(frozen=True)
class Refusal:
    row: models.Model
    name: str  # the row as it was named before the action touched it
    reason: str


@dataclass
class BulkOutcome:
    """What a bulk run did: the rows changed (none if any was refused), the ids not found among
    the company's rows, the ids left out because they are not the user's to change, and each
    refused row with the service's reason."""

    done: list[models.Model] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    not_allowed: list[int] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def bulk_run(
    *,
    action: BulkAction,
    queryset: models.QuerySet,
    ids: list[int],
    actor,
    params: dict[str, Any],
    allowed: models.Q | None = None,
) -> BulkOutcome:
    """Run ``action`` on the rows of ``queryset`` whose pk is in ``ids``, all or nothing.

    ``queryset`` must be the company's (the view's scoped queryset): ids outside it are only
    reported. The rows are locked in primary-key order first, so two bulk runs over overlapping
    rows queue instead of deadlocking. Every row is tried, so a refusal lists every refused row;
    then the whole run is rolled back. Rows outside ``allowed`` (the user's access level for the
    action) are skipped and counted, not refused: the others still change.
    """
    outcome = BulkOutcome()
    with transaction.atomic():
        rows = list(queryset.filter(pk__in=ids).select_for_update(of=("self",)).order_by("pk"))
        found = {row.pk for row in rows}
        outcome.missing = [pk for pk in ids if pk not in found]
        if allowed is not None and rows:
            permitted = set(
                queryset.filter(pk__in=found).filter(allowed).values_list("pk", flat=True)
            )
            outcome.not_allowed = [row.pk for row in rows if row.pk not in permitted]
            rows = [row for row in rows if row.pk in permitted]
        for row in rows:
            name = str(row)
            try:
                # A savepoint per row: a refused row leaves nothing behind, whatever ``run``
                # had written before the service said no.
                with transaction.atomic():
                    action.run(row, actor=actor, **params)
            except DomainError as error:
                outcome.refused.append(Refusal(row=row, name=name, reason=str(error.message)))
            else:
                outcome.done.append(row)
        if outcome.refused:
            outcome.done = []
            transaction.set_rollback(True)
    return outcome


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def refusal_message(outcome: BulkOutcome, *, model: type[models.Model], tried: int) -> str:
    """ "Nothing was changed: 2 of 5 leads were refused. Ada Lovelace: ... Bob: ..." """
    count = len(outcome.refused)
    head = ngettext(
        "Nothing was changed: %(count)d of %(tried)d %(records)s was refused.",
        "Nothing was changed: %(count)d of %(tried)d %(records)s were refused.",
        count,
    ) % {"count": count, "tried": tried, "records": model._meta.verbose_name_plural}
    parts = [head]
    parts += [
        _sentence(f"{refusal.name}: {refusal.reason}")
        for refusal in outcome.refused[:MAX_REFUSALS_SHOWN]
    ]
    more = count - MAX_REFUSALS_SHOWN
    if more > 0:
        parts.append(ngettext("And %(count)d more.", "And %(count)d more.", more) % {"count": more})
    return " ".join(parts)


def missing_message(outcome: BulkOutcome, *, model: type[models.Model]) -> str:
    count = len(outcome.missing)
    return ngettext(
        "%(count)d selected %(record)s was not found (deleted in the meantime?) and was left out.",
        "%(count)d selected %(records)s were not found (deleted in the meantime?) and were left "
        "out.",
        count,
    ) % {
        "count": count,
        "record": model._meta.verbose_name,
        "records": model._meta.verbose_name_plural,
    }


def not_allowed_message(outcome: BulkOutcome, *, model: type[models.Model]) -> str:
    count = len(outcome.not_allowed)
    return ngettext(
        "%(count)d selected %(record)s is not yours to change and was left out.",
        "%(count)d selected %(records)s are not yours to change and were left out.",
        count,
    ) % {
        "count": count,
        "record": model._meta.verbose_name,
        "records": model._meta.verbose_name_plural,
    }


def bulk_words(model: type[models.Model]) -> dict[str, str]:
    """The action bar's wording for a list of ``model`` rows (the legend, the "select all"
    label, and the count of ticked rows that the script shows)."""
    names = {"record": model._meta.verbose_name, "records": model._meta.verbose_name_plural}
    return {
        "legend": _("Change the selected %(records)s") % names,
        "select_page": _("Select all %(records)s on this page") % names,
        "count_none": _("No %(records)s selected") % names,
        "count_one": _("1 %(record)s selected") % names,
        "count_many": _("%(count)s %(records)s selected") % {**names, "count": "__count__"},
    }
