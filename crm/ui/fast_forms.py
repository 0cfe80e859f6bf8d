"""A form renderer that writes the markup of the common widgets in Python.

Django renders every widget, every ``<option>`` of a select and every label through a template
(``django/forms/widgets/select.html`` includes ``select_option.html`` once per option, and each
of those includes ``attrs.html``). On a list page the filter form's ten fields cost more than the
rows: the profile of issue 17 puts 27 ms of a 56 ms request inside widget rendering.

``FastFormRenderer`` produces, byte for byte, what those templates produce for the plain
``<input>`` widgets (checkboxes and a radio button written apart from its label too), the
``<textarea>``, ``<select>`` (with or without option groups) and the label, from the same
context the widget builds; anything else (checkbox lists, a widget with a template of its own)
goes to the templates as before. ``tests/crm/test_fast_forms.py`` renders every list's filter
form both ways and compares them.

A list page's filters and bulk bar come out the same on every visit until someone filters, so
forms that opt in (``cache_rendered_fields = True``: every list's FilterSet form and bulk form)
keep each field's markup in a per-process memory, keyed by everything the markup is made from
(``_field_key``): the form's class, prefix and ids, the language, time zone and dialing region,
the field's label, help, widget and attributes, the options (a company's cached reference list
by its cache key, which names the lists version) and the value typed in or the initial one. A
form with errors, or a field whose options are read from the database, is rendered as before.
The memory is per process, so new code never meets markup an older version wrote.
"""

from __future__ import annotations

from django import forms
from django.db import models
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language

from crm.phones import active_region
from crm.ui.choices import CachedChoiceIterator
from crm.ui.kept_markup import ProcessMemory

_WIDGETS = "django/forms/widgets/"
_INPUT_TEMPLATES = frozenset(
    f"{_WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "search",
        "date",
        "datetime",
        "time",
        "number",
        "email",
        "url",
        "tel",
        "password",
        "hidden",
        "color",
        # Both only include input.html (a radio's input when its label is written apart).
        "checkbox",
        "radio_option",
    )
)
_TEXTAREA_TEMPLATE = f"{_WIDGETS}textarea.html"
_SELECT_TEMPLATE = f"{_WIDGETS}select.html"
_OPTION_TEMPLATE = f"{_WIDGETS}select_option.html"
_LABEL_TEMPLATE = "django/forms/label.html"


def _text(value) -> str:
    """``{{ value|stringformat:'s' }}`` under autoescape: ``%s`` of the value, escaped unless it
    was marked safe."""
    if isinstance(value, SafeData):
        return str(value)
    return conditional_escape(str(value))


def _plain(value) -> str:
    """``{{ value }}`` of a string label under autoescape."""
    if isinstance(value, Promise):
        value = str(value)
    return conditional_escape(value)


def _attrs(attrs: dict) -> str:
    """``attrs.html``: ``True`` writes the bare name, ``False`` leaves the attribute out."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_plain(name)}")
        else:
            parts.append(f' {_plain(name)}="{_text(value)}"')
    return "".join(parts)


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    return f'<input type="{_plain(widget["type"])}" name="{_plain(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _textarea(widget: dict) -> str:
    value = widget["value"]
    text = _plain(value) if value else ""
    return f'<textarea name="{_plain(widget["name"])}"{_attrs(widget["attrs"])}>\n{text}</textarea>'


def _option(option: dict) -> str:
    return f'<option value="{_text(option["value"])}"{_attrs(option["attrs"])}>{_plain(option["label"])}</option>'


def _select(widget: dict) -> str:
    parts = [f'<select name="{_plain(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_plain(group_name)}">')
        for option in group_choices:
            # The option's template ends in a newline, which its include keeps.
            parts.append(f"\n  {_option(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _label(context: dict) -> str:
    label = _plain(context["label"])
    if not context["use_tag"]:
        return label
    tag = _plain(context["tag"])
    return f"<{tag}{_attrs(context['attrs'] or {})}>{label}</{tag}>"


def _is_plain(value) -> bool:
    """Labels the templates would localize (numbers, dates) are left to them."""
    return isinstance(value, str | Promise)


class FastFormRenderer(DjangoTemplates):
    """Django's default renderer, with the common widgets and labels written in Python."""

    def render(self, template_name, context, request=None):
        if template_name in _INPUT_TEMPLATES and not context["widget"].get("wrap_label"):
            return mark_safe(_input(context["widget"]))
        if template_name == _TEXTAREA_TEMPLATE and _is_plain(context["widget"]["value"] or ""):
            return mark_safe(_textarea(context["widget"]))
        if template_name == _SELECT_TEMPLATE and self._plain_options(context["widget"]):
            return mark_safe(_select(context["widget"]))
        if template_name == _LABEL_TEMPLATE and _is_plain(context["label"]):
            return mark_safe(_label(context))
        return super().render(template_name, context, request=request)

    @staticmethod
    def _plain_options(widget: dict) -> bool:
        return all(
            option["template_name"] == _OPTION_TEMPLATE and _is_plain(option["label"])
            for _name, options, _index in widget["optgroups"]
            for option in options
        )


fast_renderer = FastFormRenderer()


# Field markup of the forms that opt in, by ``_field_key``. Emptied when full: list pages use a
# few dozen keys, searches typed in add one per search and field.
_RENDERED = ProcessMemory(limit=4096)
_UNKEYED = object()


def _plain_key(value):
    """A value as a key: lazy translations as their text, model rows as their table and key,
    containers item by item."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, models.Model):
        return ("row", value._meta.label_lower, value.pk)
    if isinstance(value, dict):
        return tuple((key, _plain_key(item)) for key, item in value.items())
    if isinstance(value, list | tuple):
        return tuple(_plain_key(item) for item in value)
    if isinstance(value, str) or value is None:
        return value
    # With its type: 1, 1.0 and True are equal keys but not the same text.
    return (type(value).__qualname__, repr(value))


def _form_key(form) -> tuple | None:
    """What every field of ``form`` shares: None when the form is not to be cached."""
    memo = form.__dict__.get("_rendered_form_key", _UNKEYED)
    if memo is not _UNKEYED:
        return memo
    key = None
    if getattr(form, "cache_rendered_fields", False) and not (form.is_bound and form.errors):
        key = (
            type(form).__module__,
            type(form).__qualname__,
            form.prefix,
            form.auto_id,
            _plain_key(form.label_suffix),
            form.use_required_attribute,
            form.is_bound,
            get_language(),
            timezone.get_current_timezone_name(),
            active_region(),
        )
    form.__dict__["_rendered_form_key"] = key
    return key


def _options_key(widget):
    """The options a select shows, as a key; ``_UNKEYED`` when they come from the database."""
    choices = getattr(widget, "choices", None)
    if choices is None:
        return None
    if isinstance(choices, CachedChoiceIterator):
        cache_key = choices.cache_key()
        if cache_key is None:
            return _UNKEYED
        return (cache_key, _plain_key(choices.field.empty_label))
    if isinstance(choices, ModelChoiceIterator):
        return _UNKEYED
    return _plain_key(list(choices))


def _field_key(field, wide: bool) -> tuple | None:
    """Everything ``field_html`` writes ``field`` from, or None when it must be rendered."""
    form_key = _form_key(field.form)
    if form_key is None:
        return None
    widget = field.field.widget
    if isinstance(widget, forms.MultiWidget):
        return None
    options = _options_key(widget)
    if options is _UNKEYED:
        return None
    form = field.form
    typed = (
        widget.value_from_datadict(form.data, form.files, field.html_name)
        if form.is_bound
        else None
    )
    return (
        form_key,
        field.name,
        wide,
        type(field.field).__qualname__,
        type(widget).__module__,
        type(widget).__qualname__,
        widget.template_name,
        _plain_key(getattr(widget, "format", None)),
        widget.is_localized,
        field.field.localize,
        _plain_key(widget.attrs),
        _plain_key(field.field.label),
        _plain_key(field.field.label_suffix),
        _plain_key(field.field.help_text),
        field.field.required,
        field.field.disabled,
        field.field.show_hidden_initial,
        options,
        _plain_key(typed),
        _plain_key(field.initial),
    )


def field_html(field, wide: bool = False) -> SafeString:
    """``crm/partials/_field.html`` for one bound field (the ``{% form_field %}`` tag), written
    in Python: a list page's filters and bulk bar render it ten times, and the template's
    lookups cost more than the widget itself. ``tests/crm/test_fast_forms.py`` renders forms
    both ways and compares them.

    Fields of a form that opts in (``cache_rendered_fields``) come from the per-process memory
    when written before with the same key."""
    key = _field_key(field, wide)
    if key is None:
        return _field_html(field, wide)
    html = _RENDERED.get(key)
    if html is None:
        html = _RENDERED.keep(key, _field_html(field, wide))
    return html


def _field_html(field, wide: bool) -> SafeString:
    if field.is_hidden:
        return mark_safe(f"{conditional_escape(field)}\n")
    checkbox = field.widget_type == "checkbox"
    errors = field.errors
    css = "field"
    if errors:
        css += " field-invalid"
    if wide:
        css += " field-wide"
    if checkbox:
        css += " field-checkbox"
    widget = conditional_escape(field)
    label = conditional_escape(field.label_tag())
    inner = f"\n    {widget} {label}\n  " if checkbox else f"\n    {label}\n    {widget}\n  "
    auto_id = conditional_escape(field.auto_id)
    help_html = (
        f'<p class="help" id="{auto_id}_helptext">{conditional_escape(field.help_text)}</p>'
        if field.help_text
        else ""
    )
    errors_html = "".join(
        f'<p class="field-error" id="{auto_id}_error">{conditional_escape(error)}</p>'
        for error in errors
    )
    return mark_safe(
        f'\n<div class="{css}">\n  {inner}\n  {help_html}\n  {errors_html}\n</div>\n\n'
    )
