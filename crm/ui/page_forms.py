"""The small forms a record's page shows (the wish list's, the status', the timeline's, a new
address or contact), made as cheap as the list pages' filter forms.

A detail page renders four to six such forms on every view; their selects over the company's
reference lists cost a query each (three on PostgreSQL: a server-side cursor) and their widgets a
template each. ``page_form`` serves those selects from the cache keyed by the company's lists
version (``crm.ui.choices``), reads any other select's options in one plain query, and writes
the common widgets in Python (``crm.ui.fast_forms``): the same markup, byte for byte, with
fewer queries and templates.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.safestring import SafeString

from crm.models import Company
from crm.ui.choices import lists_cache_key, use_cached_choices
from crm.ui.fast_forms import fast_renderer, field_html
from crm.ui.kept_markup import kept, locale_key

FormT = TypeVar("FormT", bound=forms.BaseForm)


class PlainQueryChoiceIterator(ModelChoiceIterator):
    """The options in one plain query: Django's iterator reads them through a server-side
    cursor, three round trips on PostgreSQL for a select of a few dozen rows."""

    def _objects(self) -> list:
        if not hasattr(self, "_memo"):
            self._memo = list(self.queryset)
        return self._memo

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self._objects():
            yield self.choice(obj)

    def __len__(self):
        return len(self._objects()) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self._objects())


def page_form(form: FormT) -> FormT:
    """``form``, its reference-list selects cached, its other selects read in one plain query
    each, and its widgets written in Python."""
    use_cached_choices(form)
    for field in form.fields.values():
        if (
            isinstance(field, forms.ModelChoiceField)
            and field.iterator is ModelChoiceIterator
            and field.queryset is not None
        ):
            field.iterator = PlainQueryChoiceIterator
            # The widget holds the choices it was given at construction; point it at ours.
            field.widget.choices = field.choices
    form.renderer = fast_renderer
    return form


def kept_form_fields(
    company: Company, key: tuple, make_form: Callable[[], forms.BaseForm]
) -> SafeString:
    """The fields of ``make_form()`` (a ``page_form``) as ``{% for field in form %}{% form_field
    field %}{% endfor %}`` writes them, kept per process (``crm.ui.kept_markup``): an empty form
    on a record's page shows the same fields on every view, and building it (its selects' options
    from the cache) and writing it cost more than the rest of its card. ``key`` must hold
    whatever the fields show besides the company's reference lists (its lists version), the
    language, time zone and region, which are added here; the form is made only when nothing was
    kept under the key."""
    return kept(
        ("page_form_fields", lists_cache_key(company), locale_key(), *key),
        lambda: "".join(field_html(field) for field in page_form(make_form())),
    )
