"""Demo reference data: a small sales team, partners of both kinds and a B2B catalog.

Keyed by natural keys (salesperson name, partner display name, SKU), so running it again adds
only what is missing.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.contrib.auth import get_user_model

from crm.models import Company, IndividualPartner, OrganizationPartner, Product, Salesperson
from crm.sample.demo_values import email_local_part, region_phone
from crm.services import partner_save, product_save, salesperson_save

# (name, demo username or None, manager name or None); managers come before their team.
TEAM = [
    ("Dana Demo", "demo", None),
    ("Maria Manager", "maria", "Dana Demo"),
    ("Gus Globex", "gus", "Dana Demo"),
    ("Sam Seller", "sam", "Maria Manager"),
    ("Priya Raman", None, "Maria Manager"),
    ("Tomás Ortega", None, "Maria Manager"),
    ("Lena Fischer", None, "Gus Globex"),
]
# A demo user appears on the team only of companies they belong to; elsewhere someone else
# holds their place in the tree (seeing "Gus Globex" at Northwind would look like a leak).
STAND_INS = {
    "Dana Demo": "Noor Haddad",
    "Maria Manager": "Marco Rossi",
    "Gus Globex": "Grace Okafor",
    "Sam Seller": "Sara Lindgren",
}

# (first name, last name, commission rate, the country of their phone number)
INDIVIDUALS = [
    ("Hannah", "Berg", Decimal("7.50"), "NO"),
    ("Kofi", "Mensah", Decimal("5.00"), "GH"),
    ("Sofia", "Marino", Decimal("10.00"), "IT"),
    ("Jonas", "Lindqvist", Decimal("6.00"), "SE"),
    ("Aiko", "Tanaka", Decimal("8.00"), "JP"),
]

# (name, tax id, website, commission rate, the country of its phone number)
ORGANIZATIONS = [
    ("Brightline Consulting GmbH", "DE811223344", "https://brightline.example.com", "12.00", "DE"),
    ("Harbor & Co. Resellers", "NL003344556B01", "https://harbor.example.com", "15.00", "NL"),
    ("Summit IT Partners Ltd", "GB123456789", "https://summit-it.example.com", "10.00", "GB"),
    (
        "PT Nusantara Distribusi",
        "01.234.567.8-901.000",
        "https://nusantara.example.com",
        "9.50",
        "ID",
    ),
    (
        "Alpine Office Solutions AG",
        "CHE-123.456.789",
        "https://alpine-office.example.com",
        "8.00",
        "CH",
    ),
]

# (sku, name, description, net price, VAT rate or None for the company default)
PRODUCTS = [
    (
        "HW-LAP-14",
        'Business laptop 14"',
        "i7, 16 GB RAM, 512 GB SSD, 3-year warranty.",
        "1149.00",
        None,
    ),
    (
        "HW-LAP-16",
        'Workstation laptop 16"',
        "For CAD and video: 32 GB RAM, RTX graphics.",
        "2390.00",
        None,
    ),
    (
        "HW-MON-27",
        '27" USB-C monitor',
        "QHD, height-adjustable, 65 W power delivery.",
        "329.00",
        None,
    ),
    ("HW-DOCK-01", "USB-C docking station", "Dual display, Ethernet, 100 W.", "189.00", None),
    ("HW-HDST-02", "Noise-cancelling headset", "Certified for Teams and Zoom.", "149.00", None),
    (
        "HW-PRN-MF",
        "Multifunction laser printer",
        "Print, scan, copy, 40 ppm, duplex.",
        "649.00",
        None,
    ),
    ("HW-RTR-AX", "Office Wi-Fi 6 router", "Managed, up to 50 users.", "279.00", None),
    ("SW-CRM-SEAT", "CRM seat, monthly", "One named user, billed monthly.", "39.00", None),
    ("SW-OFF-SEAT", "Office suite seat, yearly", "Mail, documents, 1 TB storage.", "126.00", None),
    ("SW-AV-25", "Endpoint security, 25 devices", "One-year licence.", "540.00", None),
    ("SW-BKP-1TB", "Cloud backup 1 TB", "Daily backups, 90-day retention, yearly.", "240.00", None),
    ("SVC-INST-H", "On-site installation (hour)", "Technician time on site.", "95.00", None),
    ("SVC-CONS-D", "Consulting day", "Senior consultant, 8 hours.", "1200.00", None),
    ("SVC-TRAIN-D", "Training day (up to 10 people)", "On site or remote.", "950.00", "0.00"),
    ("SVC-SUP-GOLD", "Gold support, yearly", "4-hour response, business days.", "2400.00", None),
    ("SVC-SUP-SILV", "Silver support, yearly", "Next-business-day response.", "1200.00", None),
    (
        "SVC-MIGR",
        "Data migration package",
        "Move up to 50 GB from a legacy system.",
        "1800.00",
        None,
    ),
    ("OFF-PAPER-A4", "Copy paper A4, box of 5 reams", "80 g/m², FSC certified.", "24.90", "7.00"),
    (
        "OFF-TONER-BK",
        "Toner cartridge, black",
        "For the multifunction laser printer.",
        "89.00",
        None,
    ),
    (
        "OFF-CHAIR-ERG",
        "Ergonomic office chair",
        "Adjustable lumbar support, 5-year warranty.",
        "399.00",
        None,
    ),
    ("OFF-DESK-EL", "Electric standing desk", "160 x 80 cm, memory presets.", "689.00", None),
    ("OFF-COFFEE", "Coffee beans 1 kg, organic", "For the office machine.", "18.50", "7.00"),
    ("PUB-HANDBOOK", "IT security handbook", "Printed guide for employees.", "29.00", "7.00"),
    ("SVC-AUDIT", "Security audit", "Network and endpoint review with report.", "3500.00", None),
    (
        "HW-CABLE-KIT",
        "Cable kit (USB-C, HDMI, Ethernet)",
        "Ten cables for a desk set-up.",
        "45.00",
        None,
    ),
]


def seed_reference(company: Company, rnd: random.Random) -> None:
    _seed_team(company)
    _seed_partners(company, rnd)
    _seed_products(company)


def _seed_team(company: Company) -> None:
    users = {
        user.username: user
        for user in get_user_model().objects.filter(
            memberships__company=company, username__in=[u for _, u, _ in TEAM if u]
        )
    }
    existing = {person.name: person for person in Salesperson.objects.filter(company=company)}
    people: dict[str, Salesperson] = {}  # by the name in TEAM
    for name, username, manager_name in TEAM:
        shown = STAND_INS[name] if username and username not in users else name
        if shown in existing:
            people[name] = existing[shown]
            continue
        first = email_local_part(shown.split()[0])
        user = users.get(username) if username else None
        if user is not None and Salesperson.objects.filter(company=company, user=user).exists():
            user = None
        people[name] = salesperson_save(
            salesperson=Salesperson(
                company=company,
                name=shown,
                user=user,
                email=f"{first}@{company.slug}.example.com",
                # No draw from the seed's Random: the seeders after this one draw as before.
                phone=region_phone(company.dialing_region or "DE", len(people) + 10),
                manager=people.get(manager_name) if manager_name else None,
            )
        )


def _seed_partners(company: Company, rnd: random.Random) -> None:
    existing = set(
        IndividualPartner.objects.filter(company=company).values_list("name", flat=True)
    ) | set(OrganizationPartner.objects.filter(company=company).values_list("name", flat=True))
    for first, last, rate, region in INDIVIDUALS:
        name = f"{first} {last}"
        if name in existing:
            continue
        partner_save(
            partner=IndividualPartner(
                company=company,
                first_name=first,
                last_name=last,
                email=f"{email_local_part(first, last)}@partners.example.com",
                phone=region_phone(region, rnd.randint(2000000, 9999999)),
                commission_rate=rate,
            )
        )
    for index, (org, tax_id, website, rate, region) in enumerate(ORGANIZATIONS):
        if org in existing:
            continue
        partner_save(
            partner=OrganizationPartner(
                company=company,
                organization_name=org,
                tax_id=tax_id,
                website=website,
                email=f"partners@{website.split('//')[1]}",
                phone=region_phone(region, rnd.randint(2000000, 9999999)),
                commission_rate=Decimal(rate),
                # One former partner, so the active filter has something to show.
                is_active=index != len(ORGANIZATIONS) - 1,
            )
        )


def _seed_products(company: Company) -> None:
    existing = set(Product.objects.filter(company=company).values_list("sku", flat=True))
    for sku, name, description, price, vat_rate in PRODUCTS:
        if sku in existing:
            continue
        product_save(
            product=Product(
                company=company,
                sku=sku,
                name=name,
                description=description,
                unit_price=Decimal(price),
                vat_rate=Decimal(vat_rate) if vat_rate is not None else None,
                # A discontinued item keeps its history but is not offered any more.
                is_active=sku != "HW-LAP-16",
            )
        )
