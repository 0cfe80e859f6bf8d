"""The addresses and contacts panels that ``{% record_panels obj %}`` shows on owner pages."""

import html

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from addressbook.kinds import ADDRESS, CONTACT, Kind
from addressbook.owners import is_owner, owner_label, owner_url
from addressbook.selectors import links_for_owner_both
from crm.templatetags.crm_tags import phone
from crm.ui.page_forms import page_form
from crm.ui.rows import interpolate, url_maker


def panel_context(kind: Kind, owner) -> dict:
    """URLs and ids the panel and the pages behind it share."""
    args = [owner_label(owner), owner.pk]
    return {
        "kind": kind,
        "owner": owner,
        "owner_type": args[0],
        "owner_url": owner_url(owner),
        "panel_id": f"{kind.plural}-panel",
        "add_url": reverse(f"addressbook:owner_{kind.name}_add", args=args),
        "link_url": reverse(f"addressbook:owner_{kind.name}_link", args=args),
    }


def link_rows(kind: Kind, owner, links) -> list[dict]:
    """What each row of the panel shows, computed once per row here (URLs reversed once per
    panel, labels and the phone link), so that the template only writes it out."""
    args = [owner_label(owner), owner.pk]
    detail_url = url_maker(f"addressbook:{kind.name}_detail")
    unlink_url = url_maker(f"addressbook:owner_{kind.name}_unlink", *args)
    primary_url = url_maker(f"addressbook:owner_{kind.name}_primary", *args)
    confirm = _("Unlink %(target)s from %(owner)s? It stays in the address book.")
    is_address = kind.name == "address"
    # The purposes' labels in one lookup for the panel, not one get_purpose_display() a row
    # (each builds the choices' mapping again).
    purposes = {}
    if is_address and links:
        purposes = dict(type(links[0])._meta.get_field("purpose").flatchoices)
    rows = []
    for link in links:
        target = getattr(link, kind.name)
        label = str(target)
        row = {
            "link": link,
            "target": target,
            "label": label,
            "url": detail_url(target.pk),
            "is_primary": link.is_primary,
            "badge": str(purposes.get(link.purpose, link.purpose)) if is_address else link.role,
            "has_badge": is_address or bool(link.role),
            "unlink_url": unlink_url(link.pk),
            "primary_url": primary_url(link.pk),
            "confirm": interpolate(confirm, target=label, owner=owner),
        }
        if not is_address:
            row["phone"] = phone(target.phone) if target.phone else ""
        rows.append(row)
    return rows


def _escape(value) -> str:
    """What ``conditional_escape(value)`` writes, without its wrapper for lazy arguments (which
    looks through every argument on each call): the panels escape some 200 values a page."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def rows_html(kind: Kind, rows: list[dict], *, panel_id: str, csrf_token: str) -> SafeString:
    """The panel's ``<li>`` rows, written here in one pass rather than by the template's loop
    (the same markup; every value escaped, ``row["phone"]`` and ``row["confirm"]`` come safe)."""
    esc = _escape
    token_input = f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(csrf_token)}">'
    target_attrs = f'hx-target="#{esc(panel_id)}" hx-swap="outerHTML"'
    primary = esc(_("Primary"))
    make_primary = esc(_("Make primary"))
    unlink = esc(_("Unlink"))
    is_contact = kind.name == "contact"
    out = []
    for row in rows:
        label = esc(row["label"])
        parts = [f'<li class="panel-row">\n<div>\n<a href="{esc(row["url"])}">{label}</a>\n']
        if row["is_primary"]:
            parts.append(f'<span class="badge badge-primary">{primary}</span>\n')
        if row["has_badge"]:
            parts.append(f'<span class="badge">{esc(row["badge"])}</span>\n')
        if is_contact:
            target = row["target"]
            meta = []
            if target.job_title:
                meta.append(f"<span>{esc(target.job_title)}</span>")
            if target.email:
                email = esc(target.email)
                meta.append(f'<span><a href="mailto:{email}">{email}</a></span>')
            if row["phone"]:
                meta.append(f"<span>{esc(row['phone'])}</span>")
            parts.append(f'<div class="muted panel-meta">{"".join(meta)}</div>\n')
        parts.append('</div>\n<div class="actions">\n')
        if not row["is_primary"]:
            url = esc(row["primary_url"])
            parts.append(
                f'<form method="post" action="{url}" hx-post="{url}" {target_attrs}>\n'
                f'{token_input}\n<button type="submit" class="link-button">{make_primary}'
                f'<span class="visually-hidden"> {label}</span></button>\n</form>\n'
            )
        url = esc(row["unlink_url"])
        parts.append(
            f'<form method="post" action="{url}" hx-post="{url}" {target_attrs}\n'
            f'hx-confirm="{esc(row["confirm"])}">\n{token_input}\n'
            f'<button type="submit" class="link-button danger">{unlink}'
            f'<span class="visually-hidden"> {label}</span></button>\n</form>\n</div>\n</li>'
        )
        out.append("".join(parts))
    return mark_safe("\n".join(out))


# The empty "add a new address/contact" form's fields, rendered once per kind and language in
# each process: they show nothing of a company's (no choices from its rows, no values, no
# region-dependent markup), yet rendering them was a third of the panel's time.
_empty_new_forms: dict[tuple[str, str | None], SafeString] = {}


def empty_new_form_html(kind: Kind, company) -> SafeString:
    """``crm/partials/_form.html`` of the kind's empty new form, as the panel includes it."""
    key = (kind.name, get_language())
    html = _empty_new_forms.get(key)
    if html is None:
        form = page_form(kind.new_form(company=company, prefix=f"new-{kind.name}"))
        html = render_to_string("crm/partials/_form.html", {"form": form})
        _empty_new_forms[key] = html
    return html


def render_panel(
    request: HttpRequest, owner, kind: Kind, *, new_form=None, links=None
) -> SafeString:
    context = full_panel_context(request, owner, kind, new_form=new_form, links=links)
    if new_form is None:
        return panel_html(context, csrf_token=_csrf_token(request))
    return render_to_string("addressbook/partials/_panel.html", context, request=request)


def _csrf_token(request: HttpRequest) -> str:
    """The request's CSRF token for the panels' forms, masked once per request (as a page's
    ``{% csrf_token %}`` tags share one value): each ``get_token`` call masks it anew, and the
    two panels asked for it four times."""
    token = request.__dict__.get("_addressbook_csrf_token")
    if token is None:
        token = request.__dict__["_addressbook_csrf_token"] = get_token(request)
    return token


def full_panel_context(
    request: HttpRequest, owner, kind: Kind, *, new_form=None, links=None
) -> dict:
    """What ``addressbook/partials/_panel.html`` shows (``panel_html`` writes the same);
    ``links``: the owner's links of the kind if read already."""
    company = request.company
    if links is None:
        links = list(kind.links_for_owner(company=company, owner=owner))
    shared = panel_context(kind, owner)
    rows = link_rows(kind, owner, links)
    return {
        **shared,
        "links": links,
        "rows": rows,
        "rows_html": rows_html(
            kind, rows, panel_id=shared["panel_id"], csrf_token=_csrf_token(request)
        ),
        # A form sent back with its errors is rendered as it is; the empty one comes ready.
        "new_form": new_form,
        "new_form_html": "" if new_form is not None else empty_new_form_html(kind, company),
    }


def panel_html(context: dict, *, csrf_token: str) -> SafeString:
    """``addressbook/partials/_panel.html`` with its empty new form, written here: the panel
    shows twice on every record page (the same markup; ``tests/addressbook/test_views.py``
    renders it both ways)."""
    esc = _escape
    kind = context["kind"]
    panel_id = esc(context["panel_id"])
    link_url = esc(context["link_url"])
    if context["rows"]:
        body = f'\n  <ul class="plain">\n{context["rows_html"]}\n  </ul>\n  '
    else:
        body = f'\n  <p class="muted">{esc(kind.empty_text)}</p>\n  '
    add = _("Add address") if kind.name == "address" else _("Add contact")
    return mark_safe(
        f'\n<link rel="stylesheet" href="{esc(static("addressbook/addressbook.css"))}">\n'
        f'<section class="card addressbook-panel" id="{panel_id}" '
        f'aria-labelledby="{panel_id}-heading">\n'
        f'  <div class="card-header">\n    <h2 id="{panel_id}-heading">{esc(kind.title)}</h2>\n'
        f"  </div>\n  {body}\n\n"
        f'  <details class="panel-details">\n    <summary>{esc(kind.add_label)}</summary>\n'
        f'    <form method="post" action="{esc(context["add_url"])}" novalidate>\n'
        f'      <input type="hidden" name="csrfmiddlewaretoken" value="{esc(csrf_token)}">\n'
        f"      {context['new_form_html']}\n"
        f'      <div class="form-actions"><button type="submit" class="button button-primary">'
        f"{esc(add)}</button></div>\n    </form>\n  </details>\n\n"
        f'  <details class="panel-details">\n    <summary>{esc(kind.link_label)}</summary>\n'
        f'    <form method="get" action="{link_url}" role="search" class="panel-search">\n'
        f'      <div class="field">\n'
        f'        <label for="{panel_id}-q">{esc(_("Search the address book"))}</label>\n'
        f'        <input type="search" id="{panel_id}-q" name="q" autocomplete="off"\n'
        f'               hx-get="{link_url}" hx-trigger="input changed delay:300ms, search" '
        f'hx-target="#{panel_id}-results">\n      </div>\n'
        f'      <button type="submit" class="button">{esc(_("Search"))}</button>\n    </form>\n'
        f'    <div id="{panel_id}-results" aria-live="polite"></div>\n  </details>\n</section>\n'
    )


def _renderer(kind: Kind):
    def render(request: HttpRequest, obj: object) -> SafeString | None:
        company = getattr(request, "company", None)
        if company is None or not is_owner(obj):
            return None
        if getattr(obj, "company_id", obj.pk) != company.pk:
            return None  # another company's record (or another company itself)
        return render_panel(request, obj, kind, links=_page_links(request, obj, kind))

    return render


def _page_links(request: HttpRequest, owner, kind: Kind) -> list | None:
    """The owner's links of ``kind`` for its page's panel: the addresses' panel, which comes
    first, reads the contacts' links in the same query and keeps them on the request for the
    contacts' panel (None: read them apart)."""
    kept = request.__dict__.setdefault("_addressbook_panel_links", {})
    key = (type(owner), owner.pk)
    if kind is ADDRESS:
        addresses, contacts = links_for_owner_both(company=request.company, owner=owner)
        kept[key] = contacts
        return addresses
    return kept.pop(key, None)


render_addresses_panel = _renderer(ADDRESS)
render_contacts_panel = _renderer(CONTACT)
