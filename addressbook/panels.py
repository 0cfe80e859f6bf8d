"""The addresses and contacts panels that ``{% record_panels obj %}`` shows on owner pages."""

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from addressbook.kinds import ADDRESS, CONTACT, Kind
from addressbook.owners import is_owner, owner_label, owner_url
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


def rows_html(kind: Kind, rows: list[dict], *, panel_id: str, csrf_token: str) -> SafeString:
    """The panel's ``<li>`` rows, written here in one pass rather than by the template's loop
    (the same markup; every value escaped, ``row["phone"]`` and ``row["confirm"]`` come safe)."""
    esc = conditional_escape
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


def render_panel(request: HttpRequest, owner, kind: Kind, *, new_form=None) -> SafeString:
    company = request.company
    links = list(kind.links_for_owner(company=company, owner=owner))
    shared = panel_context(kind, owner)
    rows = link_rows(kind, owner, links)
    context = {
        **shared,
        "links": links,
        "rows": rows,
        "rows_html": rows_html(
            kind, rows, panel_id=shared["panel_id"], csrf_token=get_token(request)
        ),
        # A form sent back with its errors is rendered as it is; the empty one comes ready.
        "new_form": new_form,
        "new_form_html": "" if new_form is not None else empty_new_form_html(kind, company),
    }
    return render_to_string("addressbook/partials/_panel.html", context, request=request)


def _renderer(kind: Kind):
    def render(request: HttpRequest, obj: object) -> SafeString | None:
        company = getattr(request, "company", None)
        if company is None or not is_owner(obj):
            return None
        if getattr(obj, "company_id", obj.pk) != company.pk:
            return None  # another company's record (or another company itself)
        return render_panel(request, obj, kind)

    return render


render_addresses_panel = _renderer(ADDRESS)
render_contacts_panel = _renderer(CONTACT)
