"""The address book lists' columns (``crm.ui.columns``)."""

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from crm.ui.columns import Column, Table, badge, detail_url, link, mailto, phone, text


def _street(address, row) -> str:
    html = link(row.url, address.street)
    if address.label:
        html = format_html("{} {}", html, badge(address.label))
    if address.street2:
        html = format_html('{}<div class="muted">{}</div>', html, address.street2)
    return html


def _city(address, row) -> str:
    if address.region:
        return format_html('{} <span class="muted">({})</span>', address.city, address.region)
    return text(address.city)


address_table = Table(
    caption=_("Addresses"),
    url=detail_url("addressbook:address_detail"),
    columns=[
        Column("street", _("Address"), _street, sort="street"),
        Column(
            "postal_code",
            _("Postal code"),
            lambda a, row: text(a.postal_code),
            sort="postal_code",
        ),
        Column("city", _("City"), _city, sort="city"),
        Column("country", _("Country"), lambda a, row: text(a.country), sort="country"),
        Column("links", _("Links"), lambda a, row: text(a.link_count), sort="links", num=True),
    ],
)

contact_table = Table(
    caption=_("Contacts"),
    url=detail_url("addressbook:contact_detail"),
    columns=[
        Column("name", _("Name"), lambda c, row: link(row.url, c.full_name), sort="last_name"),
        Column("job_title", _("Job title"), lambda c, row: text(c.job_title), sort="job_title"),
        Column("email", _("E-mail"), lambda c, row: mailto(c.email), sort="email"),
        Column("phone", _("Phone"), lambda c, row: phone(c.phone or c.mobile), sort="phone"),
        Column("mobile", _("Mobile"), lambda c, row: phone(c.mobile), optional=True),
        Column("links", _("Links"), lambda c, row: text(c.link_count), sort="links", num=True),
    ],
)
