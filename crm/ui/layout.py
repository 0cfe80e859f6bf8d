"""The top of every staff page (the top bar and the menu), rendered once and cached.

``crm/partials/_layout_top.html`` shows the companies the user may switch to, the user's name
and role, the language switcher and the menu, whose items depend on the role and whose current
item on the page. Rendering it cost every page about as much as the rows of a list. It changes
with none of a request's own data except three values: the CSRF token (three forms), the
address of the page (the switchers' ``next``) and the words in the search box. So it is
rendered once with unguessable placeholders in their place, kept in the cache, and each request
fills the three in, escaped as the template would escape them.

The cache key holds the user's and the company's ids and everything the fragment shows (the
names, the role, the flags that choose the menu items, the page's URL name, the language) and
the templates' own source: another user's or company's fragment cannot be read, and a rename, a
new role, a joined company or a changed template makes a new key, so nothing needs to be
invalidated. ``tests/crm/test_layout.py`` renders pages both ways and compares them.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

TEMPLATE = "crm/partials/_layout_top.html"
# Included by the fragment: their source is part of the key too.
INCLUDED = ("crm/partials/_nav.html", "crm/partials/_language_switcher.html")
CACHE_SECONDS = 60 * 60

# Fresh in every process: text a user typed (a company's name) cannot forge one.
_SLOT = f"\ue000{secrets.token_hex(8)}"
CSRF, NEXT_PATH, SEARCH = (f"{_SLOT}:{name}\ue001" for name in ("csrf", "next", "q"))
_SLOTS = {CSRF: "csrf", NEXT_PATH: "next", SEARCH: "q"}


def _template_version() -> str:
    sources = (get_template(name).template.source for name in (TEMPLATE, *INCLUDED))
    return hashlib.sha256("\0".join(sources).encode()).hexdigest()[:16]


def _key(context, request) -> str:
    user = context.get("user")
    company = context.get("active_company")
    membership = context.get("active_membership")
    match = request.resolver_match
    shown = (
        _template_version(),
        get_language(),
        get_script_prefix(),
        settings.ROOT_URLCONF,
        match.namespace if match else "",
        match.url_name if match else "",
        match.view_name == "crm:search" if match else False,
        getattr(user, "pk", None),
        user.get_full_name() if user is not None else "",
        user.get_username() if user is not None else "",
        getattr(user, "is_staff", False),
        getattr(user, "is_superuser", False),
        getattr(company, "pk", None),
        getattr(company, "name", None),
        membership.role if membership is not None else None,
        [(c.pk, c.name) for c in context.get("switchable_companies") or ()],
    )
    digest = hashlib.sha256(repr(shown).encode()).hexdigest()[:40]
    return f"layout_top:{digest}"


def _fragment(context, request, **values) -> str:
    match = request.resolver_match
    on_search = match is not None and match.view_name == "crm:search"
    return get_template(TEMPLATE).render(
        {
            "user": context.get("user"),
            "active_company": context.get("active_company"),
            "active_membership": context.get("active_membership"),
            "switchable_companies": context.get("switchable_companies"),
            "nav_section": match.namespace if match else "",
            "nav_url_name": match.url_name if match else "",
            **values,
            "search_value": values["search_value"] if on_search else "",
        }
    )


def _render(context, request) -> list[str]:
    """The fragment as text pieces and placeholder names, alternating."""
    fragment = _fragment(
        context, request, csrf_token=CSRF, next_path=NEXT_PATH, search_value=SEARCH
    )
    pieces: list[str] = []
    rest = fragment
    while True:
        positions = [(rest.find(slot), slot) for slot in _SLOTS if slot in rest]
        if not positions:
            pieces.append(rest)
            return pieces
        index, slot = min(positions)
        pieces.extend([rest[:index], _SLOTS[slot]])
        rest = rest[index + len(slot) :]


def layout_top(context) -> SafeString:
    """``_layout_top.html`` for this request, from the cache when it was rendered before."""
    request = context["request"]
    # The page's own token (the same masked value as its other forms), as {% csrf_token %} reads it.
    token = context.get("csrf_token")
    if token is None or str(token) == "NOTPROVIDED":
        # No token to fill in: {% csrf_token %} writes nothing, so render it as it is.
        return _fragment(
            context,
            request,
            next_path=request.get_full_path(),
            search_value=request.GET.get("q", ""),
        )
    key = _key(context, request)
    pieces = cache.get(key)
    if pieces is None:
        pieces = _render(context, request)
        cache.set(key, pieces, CACHE_SECONDS)
    values = {
        "csrf": escape(str(token)),
        "next": escape(request.get_full_path()),
        "q": escape(request.GET.get("q", "")),
    }
    # Text and placeholder names alternate: every odd piece is a name.
    return mark_safe(
        "".join(piece if i % 2 == 0 else values[piece] for i, piece in enumerate(pieces))
    )
