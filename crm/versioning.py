"""Optimistic locking: an edit form never silently puts back what someone else saved meanwhile.

A versioned row carries ``version`` (bumped by every save), ``updated_by`` and ``updated_at``.
Its edit form (a page or the Django admin) sends back the version the person saw; if the row has
moved on, the form is refused with who changed it, when, and every field where the saved value
and theirs now differ, and it then carries the new version, so saving again keeps theirs on
purpose. The same check is repeated in the UPDATE itself (``WHERE version = seen``), so two
saves that pass the form at the same moment cannot both land. The API will use the same rule
through ETag / If-Match.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.errors import DomainError
from crm.phones import PhoneFormField, active_region, display_phone

VERSION_FIELD = "version"


class StaleEditError(DomainError):
    """The row changed after the person opened the form; nothing was written."""

    def __init__(self, instance: Versioned) -> None:
        super().__init__(stale_headline(instance), code="stale")
        self.instance = instance


class Versioned(models.Model):
    version = models.PositiveIntegerField(
        gettext_lazy("version"), default=1, db_default=1, editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=gettext_lazy("last changed by"),
    )
    updated_at = models.DateTimeField(gettext_lazy("updated"), auto_now=True, db_default=Now())

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk is not None:
            update_fields = kwargs.get("update_fields")
            self.version = (self.version or 0) + 1
            # Whoever saves without saying who (a service, a command) is not the last editor.
            self.updated_by = self.__dict__.pop("_editor", None)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "version", "updated_by", "updated_at"}
        else:
            self.updated_by = self.__dict__.pop("_editor", None)
        super().save(*args, **kwargs)

    def edited_by(self, user, *, seen_version: int | None = None) -> None:
        """Mark the next save as ``user``'s edit of the version they saw (None: unchecked)."""
        self._editor = user if getattr(user, "is_authenticated", False) else None
        self._seen_version = seen_version

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        seen = self.__dict__.pop("_seen_version", None)
        if seen is None:
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        if super()._do_update(
            base_qs.filter(version=seen), using, pk_val, values, update_fields, forced_update
        ):
            return True
        self.version = seen  # nothing was written: the instance is still the version they saw
        current = type(self)._base_manager.filter(pk=pk_val).first()
        raise StaleEditError(current or self)


def carry_edit_mark(source, target) -> None:
    """Move ``edited_by``'s mark from an instance to a fresh copy of the same row."""
    for name in ("_editor", "_seen_version"):
        if name in source.__dict__:
            target.__dict__[name] = source.__dict__.pop(name)


def stale_headline(instance: Versioned) -> str:
    when = formats.date_format(timezone.localtime(instance.updated_at), "DATETIME_FORMAT")
    noun = instance._meta.verbose_name
    if instance.updated_by is not None:
        who = instance.updated_by.get_full_name() or instance.updated_by.get_username()
        return _(
            "%(who)s changed this %(noun)s at %(when)s, after you opened it. Nothing of yours "
            "was saved. Where their saved values and yours differ is listed below; save again "
            "to keep yours."
        ) % {"who": who, "noun": noun, "when": when}
    return _(
        "This %(noun)s was changed at %(when)s, after you opened it. Nothing of yours was "
        "saved. Where the saved values and yours differ is listed below; save again to keep "
        "yours."
    ) % {"noun": noun, "when": when}


def _shown(field: forms.Field, value) -> str:
    """A value as the form shows it: a choice's label, a record's name, a blank as a dash."""
    if value in (None, "", [], ()):
        return "–"
    if isinstance(field, forms.ModelMultipleChoiceField):
        return ", ".join(str(item) for item in value) or "–"
    if isinstance(field, forms.ModelChoiceField):
        return str(value)
    choices = dict(getattr(field, "flatchoices", None) or getattr(field, "choices", None) or [])
    if choices:
        return str(choices.get(value, choices.get(str(value), value)))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(field, PhoneFormField):
        return display_phone(str(value), region=active_region())
    return str(formats.localize(value))


def differences(form: forms.ModelForm) -> list[tuple[str, str, str]]:
    """(label, saved value, your value) for each field where the row now differs from the form."""
    saved = type(form.instance)._base_manager.get(pk=form.instance.pk)
    rows = []
    for name, field in form.fields.items():
        if name == VERSION_FIELD or name not in form.cleaned_data:
            continue
        try:
            model_field = saved._meta.get_field(name)
        except Exception:  # a form-only field: nothing saved to compare with
            continue
        if model_field.many_to_many:
            theirs = list(getattr(saved, name).all())
        elif model_field.is_relation:
            theirs = getattr(saved, name)
        else:
            theirs = model_field.value_from_object(saved)
        yours = form.cleaned_data[name]
        if field.has_changed(field.prepare_value(theirs), field.prepare_value(yours)) or (
            _comparable(theirs) != _comparable(yours)
        ):
            rows.append((str(field.label or name), _shown(field, theirs), _shown(field, yours)))
    return rows


def _comparable(value):
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | models.QuerySet):
        return sorted(_comparable(item) for item in value)
    return "" if value is None else value


class VersionedFormMixin:
    """Carries the version the person saw (a hidden field) and refuses a stale save with the
    differences. Mixed in by ``versioned_form``, which declares the field."""

    stale_differences: list[tuple[str, str, str]] | None = None  # set when refused as stale

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # (Again, for forms that narrow their fields down in __init__.)
        self.fields[VERSION_FIELD] = forms.IntegerField(
            widget=forms.HiddenInput, required=False, initial=self.instance.version
        )

    def clean(self):
        cleaned = super().clean()
        # Not a value to save: callers that pass cleaned_data on (services) never see it.
        seen = cleaned.pop(VERSION_FIELD, None) if self.instance.pk is not None else None
        cleaned.pop(VERSION_FIELD, None)
        self._seen_version = seen
        if seen is not None and seen != self.instance.version:
            self.stale_differences = differences(self)
            messages = [stale_headline(self.instance)]
            messages += [
                _("%(field)s: saved “%(theirs)s”, yours “%(yours)s”.")
                % {"field": label, "theirs": theirs, "yours": yours}
                for label, theirs, yours in self.stale_differences
            ]
            # Seen now: saving again overwrites on purpose.
            self.data = self.data.copy()
            self.data[self.add_prefix(VERSION_FIELD)] = str(self.instance.version)
            raise forms.ValidationError(messages, code="stale")
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        if self.instance.pk is not None:
            self.instance._seen_version = getattr(self, "_seen_version", None)


def versioned_form(form_class: type[forms.ModelForm]) -> type[forms.ModelForm]:
    """The form class with optimistic locking, if its model is versioned."""
    model = form_class._meta.model
    if not issubclass(model, Versioned) or issubclass(form_class, VersionedFormMixin):
        return form_class
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    return type(form_class.__name__, (VersionedFormMixin, form_class), {VERSION_FIELD: version})
