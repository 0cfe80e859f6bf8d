"""Demo data: a few views shared with the company by its first owner or admin (or its first
member), so every member finds them one click from the lead, opportunity and quotation lists."""

import random

from django.utils.translation import gettext as _

from crm.models import Company, Membership, SavedView
from crm.saved_views import list_url, saved_view_create


def demo_views() -> list[tuple[str, str, str]]:
    """(list, name, query) of the shared demo views, named in the company's language."""
    return [
        ("leads:lead_list", _("Qualified leads"), "status=qualified&sort=-created"),
        ("leads:opportunity_list", _("Biggest opportunities"), "sort=-amount"),
        ("selling:quotation_list", _("Quotations sent"), "status=sent&sort=-date"),
    ]


def seed_saved_views(company: Company, rnd: random.Random) -> None:
    members = Membership.objects.filter(company=company).select_related("user")
    membership = (
        members.filter(role__in=Membership.ADMIN_ROLES).order_by("created_at", "pk").first()
        or members.order_by("created_at", "pk").first()
    )
    if membership is None:
        return  # nobody to share them: a company without members yet
    if SavedView.objects.filter(company=company, owner=membership.user).exists():
        return  # re-running adds nothing
    for list_key, name, query in demo_views():
        if list_url(list_key) is None:
            continue
        saved_view_create(
            company=company,
            owner=membership.user,
            list_key=list_key,
            name=name,
            query=query,
            shared=True,
        )
