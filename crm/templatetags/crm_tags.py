from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext

from crm.phones import active_region, display_phone_and_uri, tel_uri
from crm.ui.columns import sort_link, sort_state
from crm.ui.fast_forms import field_html
from crm.ui.kept_markup import kept
from crm.ui.layout import layout_top as cached_layout_top
from crm.ui.panels import panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with some parameters replaced (None/"" removes them)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_header(context, field: str, label: str) -> str:
    """A column header link that sorts by ``field`` and shows the direction to screen readers."""
    return sort_link(context["request"].GET, context.get("current_sort", ""), field, label)


@register.filter
def aria_sort(current_sort: str, field: str) -> str:
    return sort_state(current_sort, field)


@register.simple_tag(takes_context=True)
def record_panels(context, obj, only: str = "", exclude: str = "") -> str:
    """The panels other apps registered for ``obj`` (addresses, contacts, timeline, ...).

    ``only="addresses,contacts"`` or ``exclude="timeline"`` picks some by name.
    """

    def names(value: str) -> frozenset[str]:
        return frozenset(name.strip() for name in value.split(",") if name.strip())

    html = panels_for(
        context["request"], obj, only=names(only) if only else None, exclude=names(exclude)
    )
    return mark_safe("".join(html))


@register.simple_tag(takes_context=True)
def layout_top(context) -> str:
    """The top bar and the menu (``crm/partials/_layout_top.html``), cached (``crm.ui.layout``)."""
    return cached_layout_top(context)


@register.simple_tag(takes_context=True)
def kept_include(context, template_name: str, key=None) -> str:
    """``{% include template_name %}``, kept under ``key`` (``crm.ui.kept_markup``): the
    template is rendered with the page's context only when nothing was kept under the key.
    Without a key (None, or a variable the context does not have) it renders every time."""

    def render() -> str:
        return context.template.engine.get_template(template_name).render(context)

    return kept((template_name, key) if key else None, render)


@register.filter
def verbose_name(obj) -> str:
    return obj._meta.verbose_name


@register.simple_tag
def form_field(field, wide=False) -> str:
    """``crm/partials/_field.html`` for ``field``, written in Python (``crm.ui.fast_forms``)."""
    return field_html(field, wide=wide)


@register.filter
def minutes_text(duration) -> str:
    """A timedelta as "15 minutes" (rounded up: never promise less time than it takes)."""
    minutes = max(1, -(-int(duration.total_seconds()) // 60))
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


@register.filter
def tel_href(number: str) -> str:
    """A ``tel:+E164`` link target for a number (read in the active company's region), empty
    for text that is no number."""
    return tel_uri(number, region=active_region())


@register.filter(is_safe=True)
def phone(number: str) -> str:
    """A number as the active company dials it (national format for its own region,
    international otherwise), linked ``tel:+E164``; text that is no number shows as it is."""
    # Parsed once and remembered per number and region (a record page's contacts show the
    # same numbers on every view; parsing is the dear part).
    shown, href = display_phone_and_uri(number, region=active_region())
    if not shown:
        return ""
    if not href:
        return conditional_escape(shown)
    return format_html('<a href="{}">{}</a>', href, shown)
