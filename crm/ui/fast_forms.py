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
"""

from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe

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


def field_html(field, wide: bool = False) -> SafeString:
    """``crm/partials/_field.html`` for one bound field (the ``{% form_field %}`` tag), written
    in Python: a list page's filters and bulk bar render it ten times, and the template's
    lookups cost more than the widget itself. ``tests/crm/test_fast_forms.py`` renders forms
    both ways and compares them."""
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
