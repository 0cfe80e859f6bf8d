"""The addresses and contacts panels that ``{% record_panels obj %}`` shows on owner pages."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
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
            "badge": link.get_purpose_display() if is_address else link.role,
            "has_badge": is_address or bool(link.role),
            "unlink_url": unlink_url(link.pk),
            "primary_url": primary_url(link.pk),
            "confirm": interpolate(confirm, target=label, owner=owner),
        }
        if not is_address:
            row["phone"] = phone(target.phone) if target.phone else ""
        rows.append(row)
    return rows


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
    context = {
        **panel_context(kind, owner),
        "links": links,
        "rows": link_rows(kind, owner, links),
        "primary_text": _("Primary"),
        "make_primary_text": _("Make primary"),
        "unlink_text": _("Unlink"),
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
