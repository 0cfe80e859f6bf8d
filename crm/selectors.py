"""Reads that span the core models (the dashboard's figures)."""

from django.apps import apps
from django.db.models import prefetch_related_objects
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.models import Activity, Company, SystemEvent
from crm.timeline import entries_the_user_may_view
from crm.ui.pagination import bounded_count

# (app_label.Model, label, list url name): counted on the dashboard once the model exists.
_DASHBOARD_COUNTS = [
    ("crm.SalesPartner", _("Sales partners"), "crm:partner_list"),
    ("crm.Product", _("Products"), "crm:product_list"),
    ("crm.Salesperson", _("Salespeople"), "crm:salesperson_list"),
    ("addressbook.Address", _("Addresses"), "addressbook:address_list"),
    ("addressbook.Contact", _("Contacts"), "addressbook:contact_list"),
]


def dashboard_summary(*, company: Company) -> list[dict]:
    """One row per record type that exists so far: its label, count and list page."""
    rows = []
    for label, title, url_name in _DASHBOARD_COUNTS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            url = ""
        # A bounded count: "10,000+" says as much as 2,000,000 here, and costs no full scan.
        count, more = bounded_count(model.objects.filter(company=company))
        rows.append({"title": title, "count": count, "more": more, "url": url})
    return rows


def recent_activity(*, company: Company, limit: int = 8, user=None):
    """The company's newest timeline entries, people's first: notes, calls, meetings and tasks
    fill the list, and system events (conversions, status moves) only the places they leave,
    newest first either way. Each entry comes with its owner, in a bounded number of queries:
    one or two for the entries (as their subtypes, at most one more per subtype present) and
    one per kind of owner.
    """
    # Recent means already happened: planned meetings and due dates are not news.
    happened = (
        Activity.objects.filter(company=company, occurred_at__lte=timezone.now())
        .select_related("author", "owner_type")
        .order_by("-occurred_at", "-pk")
    )
    # Given the ``user``, entries of or about records beyond their view level are left out
    # (twice as many read, so the card still fills; one more query per kind of such record).
    spare = 2 if user is not None else 1
    entries = entries_the_user_may_view(
        list(happened.not_instance_of(SystemEvent)[: limit * spare]), user, company
    )
    entries = entries[:limit]
    if len(entries) < limit:
        missing = limit - len(entries)
        system = list(happened.instance_of(SystemEvent)[: missing * spare])
        entries += entries_the_user_may_view(system, user, company)[:missing]
        entries.sort(key=lambda entry: (entry.occurred_at, entry.pk), reverse=True)
    prefetch_related_objects(entries, "owner")
    return entries
