"""The small forms a record's page shows (the wish list's, the status', the timeline's, a new
address or contact), made as cheap as the list pages' filter forms.

A detail page renders four to six such forms on every view; their selects over the company's
reference lists cost a query each (three on PostgreSQL: a server-side cursor) and their widgets a
template each. ``page_form`` serves those selects from the cache keyed by the company's lists
version (``crm.ui.choices``) and writes the common widgets in Python (``crm.ui.fast_forms``):
the same markup, byte for byte, without the queries and templates.
"""

from __future__ import annotations

from typing import TypeVar

from django import forms

from crm.ui.choices import use_cached_choices
from crm.ui.fast_forms import fast_renderer

FormT = TypeVar("FormT", bound=forms.BaseForm)


def page_form(form: FormT) -> FormT:
    """``form``, its reference-list selects cached and its widgets written in Python."""
    use_cached_choices(form)
    form.renderer = fast_renderer
    return form
