"""Demo leads and opportunities: the company's lists, ~30 leads, ~10 of them converted."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from addressbook import services as addressbook_services
from addressbook.models import Address, AddressLink, Contact
from crm.models import Company, Product, SalesPartner, Salesperson
from leads import services
from leads.models import Lead, LeadSource, LostReason, OpportunityStage, WishListItem

STAGES = [
    ("Prospecting", 10, 10, OpportunityStage.Kind.OPEN),
    ("Qualification", 20, 25, OpportunityStage.Kind.OPEN),
    ("Proposal", 30, 50, OpportunityStage.Kind.OPEN),
    ("Negotiation", 40, 75, OpportunityStage.Kind.OPEN),
    ("Won", 50, 100, OpportunityStage.Kind.WON),
    ("Lost", 60, 0, OpportunityStage.Kind.LOST),
]
SOURCES = ["Website", "Trade fair", "Referral", "Cold call", "Partner", "Newsletter"]
LOST_REASONS = ["Too expensive", "Chose a competitor", "No budget", "No response"]

PEOPLE = [
    ("Lena", "Krüger", "Krüger Bäckerei GmbH"),
    ("Tom", "Baker", "Baker & Sons Ltd"),
    ("Sofia", "Moretti", "Moretti Arredamenti"),
    ("Jan", "Jansen", "Jansen Logistiek BV"),
    ("Claire", "Dubois", "Atelier Dubois"),
    ("Marek", "Nowak", "Nowak Budownictwo"),
    ("Ines", "Ferreira", "Ferreira Vinhos"),
    ("Oliver", "Hughes", ""),
    ("Ayu", "Lestari", "PT Lestari Makmur"),
    ("Felix", "Wagner", "Wagner Maschinenbau AG"),
    ("Hanna", "Lindqvist", "Lindqvist Design AB"),
    ("Pablo", "Ruiz", "Ruiz Hostelería SL"),
    ("Mia", "Schneider", ""),
    ("Lucas", "Bernard", "Bernard Transports"),
    ("Eva", "Horvat", "Horvat d.o.o."),
    ("Noah", "Fischer", "Fischer Elektro"),
    ("Zoe", "Clarke", "Clarke Consulting"),
    ("Budi", "Santoso", "CV Santoso Jaya"),
    ("Ana", "Kovač", ""),
    ("David", "Weber", "Weber Gastro GmbH"),
    ("Laura", "Bianchi", "Bianchi Ottica"),
    ("Max", "Hofmann", "Hofmann Kliniken"),
    ("Nora", "Berg", "Berg Eiendom AS"),
    ("Sam", "Taylor", "Taylor Print Shop"),
    ("Elif", "Yılmaz", "Yılmaz Tekstil"),
    ("Paul", "Meyer", ""),
    ("Julia", "Zimmermann", "Zimmermann Reisen"),
    ("Hugo", "Laurent", "Laurent Immobilier"),
    ("Maja", "Novak", "Novak Studio"),
    ("Ben", "Richter", "Richter Sanitär"),
]


def _lists(company: Company):
    stages = []
    for name, order, probability, kind in STAGES:
        stage, _ = OpportunityStage.objects.get_or_create(
            company=company,
            name=name,
            defaults={"order": order, "probability": probability, "kind": kind},
        )
        stages.append(stage)
    sources = [LeadSource.objects.get_or_create(company=company, name=name)[0] for name in SOURCES]
    reasons = [
        LostReason.objects.get_or_create(company=company, name=name)[0] for name in LOST_REASONS
    ]
    return stages, sources, reasons


def _created_at(rnd: random.Random, now):
    """When a demo lead came in: within the last year, more of them lately (a growing business),
    so each of the dashboard's periods has something to show."""
    days = min(int(rnd.expovariate(1 / 60)), 364)
    return now - timedelta(days=days, hours=rnd.randint(0, 23))


def seed_leads(company: Company, rnd: random.Random) -> None:
    stages, sources, reasons = _lists(company)
    if Lead.objects.filter(company=company).exists():
        return
    sellers = list(Salesperson.objects.filter(company=company).order_by("pk"))
    partners = list(SalesPartner.objects.filter(company=company).non_polymorphic().order_by("pk"))
    products = list(Product.objects.filter(company=company, is_active=True).order_by("pk"))
    addresses = list(Address.objects.filter(company=company).order_by("pk"))
    contacts = list(Contact.objects.filter(company=company).order_by("pk"))
    statuses = [Lead.Status.NEW] * 8 + [Lead.Status.CONTACTED] * 6 + [Lead.Status.QUALIFIED] * 12
    statuses += [Lead.Status.LOST] * 4
    now = timezone.now()
    leads = []
    for index, (first, last, organization) in enumerate(PEOPLE):
        domain = (organization or f"{first}{last}").split()[0].lower()
        domain = "".join(ch for ch in domain if ch.isascii() and ch.isalnum()) or "example"
        lead = services.lead_save(
            lead=Lead(
                company=company,
                first_name=first,
                last_name=last,
                organization_name=organization,
                email=f"{''.join(c for c in first.lower() if c.isascii())}@{domain}.example.com",
                phone=f"+49 30 {rnd.randint(1000000, 9999999)}",
                source=rnd.choice(sources),
                salesperson=sellers[index % len(sellers)] if sellers else None,
                sales_partner=rnd.choice(partners) if partners and index % 3 == 0 else None,
                notes="Asked for a call back next week." if index % 4 == 0 else "",
            )
        )
        Lead.objects.filter(pk=lead.pk).update(created_at=_created_at(rnd, now))
        if addresses:
            addressbook_services.address_link(
                company=company,
                address=addresses[index % len(addresses)],
                owner=lead,
                purpose=rnd.choice(AddressLink.Purpose.values),
                actor=None,
            )
        if contacts and organization:
            addressbook_services.contact_link(
                company=company,
                contact=contacts[index % len(contacts)],
                owner=lead,
                role="Decision maker",
                actor=None,
            )
        for product in rnd.sample(products, k=min(len(products), rnd.randint(1, 3))):
            WishListItem.objects.create(
                company=company,
                lead=lead,
                product=product,
                quantity=Decimal(rnd.randint(1, 20)),
            )
        leads.append(lead)

    # Ten qualified leads become opportunities, spread over the stages.
    qualified = [
        lead for lead, status in zip(leads, statuses, strict=True) if status == "qualified"
    ]
    for index, lead in enumerate(qualified[:10]):
        stage = stages[index % len(stages)]
        services.lead_set_status(lead=lead, status=Lead.Status.QUALIFIED, actor=None)
        opportunity = services.lead_convert_to_opportunity(lead=lead, actor=None, stage=stage)
        if stage.kind == OpportunityStage.Kind.LOST:
            opportunity.lost_reason = rnd.choice(reasons)
        opportunity.expected_close_date = timezone.localdate() + timedelta(days=rnd.randint(7, 120))
        opportunity.save(update_fields=["lost_reason", "expected_close_date", "updated_at"])
    for lead, status in zip(leads, statuses, strict=True):
        if status in (Lead.Status.CONTACTED, Lead.Status.LOST) or (
            status == Lead.Status.QUALIFIED and lead not in qualified[:10]
        ):
            services.lead_set_status(
                lead=lead,
                status=status,
                lost_reason=rnd.choice(reasons) if status == Lead.Status.LOST else None,
                actor=None,
            )
