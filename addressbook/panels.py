"""The addresses and contacts panels that ``{% record_panels obj %}`` shows on owner pages."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString

from addressbook.kinds import ADDRESS, CONTACT, Kind
from addressbook.owners import is_owner, owner_label, owner_url
from crm.ui.page_forms import page_form


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


def render_panel(request: HttpRequest, owner, kind: Kind, *, new_form=None) -> SafeString:
    company = request.company
    args = [owner_label(owner), owner.pk]
    links = list(kind.links_for_owner(company=company, owner=owner))
    for link in links:
        link.target = getattr(link, kind.name)
        link.unlink_url = reverse(f"addressbook:owner_{kind.name}_unlink", args=[*args, link.pk])
        link.primary_url = reverse(f"addressbook:owner_{kind.name}_primary", args=[*args, link.pk])
    context = {
        **panel_context(kind, owner),
        "links": links,
        "new_form": new_form
        or page_form(kind.new_form(company=company, prefix=f"new-{kind.name}")),
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
