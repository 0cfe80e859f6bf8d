"""Demo leads and opportunities: the company's lists, ~30 leads, ~10 of them converted, and a
few more opportunities, so that every stage of the pipeline has some, each with a history."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Subquery
from django.utils import timezone

from addressbook import services as addressbook_services
from addressbook.models import Address, AddressLink, Contact
from crm.audit import history_model
from crm.models import Company, Product, SalesPartner, Salesperson, SystemEvent
from crm.sample.demo_values import email_domain_label, email_local_part, region_phone
from leads import services
from leads.models import (
    Lead,
    LeadSource,
    LostReason,
    Opportunity,
    OpportunityStage,
    OpportunityStageChange,
    WishListItem,
)
from leads.setup import DEFAULT_LOST_REASONS, DEFAULT_SOURCES, DEFAULT_STAGES

# Opportunities opened without a lead, spread over the stages, each with the person at the
# prospect the salesperson deals with: a won one becomes a customer named after that person
# (customers.services), never after the deal.
MORE_OPPORTUNITIES = [
    ("Office chairs for the new branch", "Katrin", "Vogel", "Office Manager"),
    ("Annual maintenance contract", "Henrik", "Dahl", "Facility Manager"),
    ("Laptop refresh, 40 seats", "Priya", "Nair", "IT Manager"),
    ("Meeting room displays", "Marco", "Conti", "Operations Lead"),
    ("Warehouse scanners", "Femke", "Bakker", "Warehouse Manager"),
    ("Printer fleet replacement", "Tomasz", "Kowalski", "Procurement Officer"),
    ("Conference headsets", "Aisha", "Rahman", "Team Assistant"),
    ("Second-site network upgrade", "Lukas", "Brandt", "Network Administrator"),
    ("Standing desks for the design team", "Sara", "Lindholm", "Design Director"),
    ("Point-of-sale terminals", "Diego", "Alvarez", "Store Manager"),
    ("Docking stations for the sales floor", "Chloé", "Moreau", "Sales Manager"),
    ("Server room cooling", "Rudi", "Hartono", "Head of IT"),
    ("Tablets for the field staff", "Ingrid", "Solberg", "Field Service Lead"),
    ("Video wall for the lobby", "Oskar", "Berg", "Marketing Director"),
]

# Which of the ten converted leads are recent (by index: Prospecting, Qualification, Won).
RECENT_CONVERSIONS = frozenset({0, 1, 4})
# How far back a recent conversion's lead may have come in, at most: well inside 30 days.
RECENT_DAYS = 21

# (first name, last name, organization, the country of their phone number)
PEOPLE = [
    ("Lena", "Krüger", "Krüger Bäckerei GmbH", "DE"),
    ("Tom", "Baker", "Baker & Sons Ltd", "GB"),
    ("Sofia", "Moretti", "Moretti Arredamenti", "IT"),
    ("Jan", "Jansen", "Jansen Logistiek BV", "NL"),
    ("Claire", "Dubois", "Atelier Dubois", "FR"),
    ("Marek", "Nowak", "Nowak Budownictwo", "PL"),
    ("Ines", "Ferreira", "Ferreira Vinhos", "PT"),
    ("Oliver", "Hughes", "", "GB"),
    ("Ayu", "Lestari", "PT Lestari Makmur", "ID"),
    ("Felix", "Wagner", "Wagner Maschinenbau AG", "DE"),
    ("Hanna", "Lindqvist", "Lindqvist Design AB", "SE"),
    ("Pablo", "Ruiz", "Ruiz Hostelería SL", "ES"),
    ("Mia", "Schneider", "", "DE"),
    ("Lucas", "Bernard", "Bernard Transports", "FR"),
    ("Eva", "Horvat", "Horvat d.o.o.", "HR"),
    ("Noah", "Fischer", "Fischer Elektro", "DE"),
    ("Zoe", "Clarke", "Clarke Consulting", "GB"),
    ("Budi", "Santoso", "CV Santoso Jaya", "ID"),
    ("Ana", "Kovač", "", "HR"),
    ("David", "Weber", "Weber Gastro GmbH", "DE"),
    ("Laura", "Bianchi", "Bianchi Ottica", "IT"),
    ("Max", "Hofmann", "Hofmann Kliniken", "DE"),
    ("Nora", "Berg", "Berg Eiendom AS", "NO"),
    ("Sam", "Taylor", "Taylor Print Shop", "US"),
    ("Elif", "Yılmaz", "Yılmaz Tekstil", "TR"),
    ("Paul", "Meyer", "", "DE"),
    ("Julia", "Zimmermann", "Zimmermann Reisen", "DE"),
    ("Hugo", "Laurent", "Laurent Immobilier", "FR"),
    ("Maja", "Novak", "Novak Studio", "SI"),
    ("Ben", "Richter", "Richter Sanitär", "DE"),
]


def _lists(company: Company):
    stages = []
    for name, order, probability, kind in DEFAULT_STAGES:
        stage, _ = OpportunityStage.objects.get_or_create(
            company=company,
            name=name,
            defaults={"order": order, "probability": probability, "kind": kind},
        )
        stages.append(stage)
    sources = [
        LeadSource.objects.get_or_create(company=company, name=name)[0] for name in DEFAULT_SOURCES
    ]
    reasons = [
        LostReason.objects.get_or_create(company=company, name=name)[0]
        for name in DEFAULT_LOST_REASONS
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
    for index, (first, last, organization, region) in enumerate(PEOPLE):
        domain = email_domain_label(organization or f"{first}{last}")
        lead = services.lead_save(
            lead=Lead(
                company=company,
                first_name=first,
                last_name=last,
                organization_name=organization,
                email=f"{email_local_part(first, last)}@{domain}.example.com",
                phone=region_phone(region, rnd.randint(2000000, 9999999)),
                source=rnd.choice(sources),
                salesperson=sellers[index % len(sellers)] if sellers else None,
                sales_partner=rnd.choice(partners) if partners and index % 3 == 0 else None,
                notes="Asked for a call back next week." if index % 4 == 0 else "",
            ),
            actor=None,
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

    # Ten qualified leads become opportunities and walk the pipeline to a stage each. A few of
    # them are this month's business whatever the date: they came in during the last three weeks,
    # so the dashboard's default period ("Last 30 days") always shows leads -> opportunities ->
    # customers.
    qualified = [
        lead for lead, status in zip(leads, statuses, strict=True) if status == "qualified"
    ]
    for index, lead in enumerate(qualified[:10]):
        services.lead_set_status(lead=lead, status=Lead.Status.QUALIFIED, actor=None)
        opportunity = services.lead_convert_to_opportunity(lead=lead, actor=None)
        target = stages[index % len(stages)]
        _walk_pipeline(
            opportunity, target, stages, reasons, rnd, now, recent=index in RECENT_CONVERSIONS
        )
    for index, (title, first, last, job_title) in enumerate(MORE_OPPORTUNITIES):
        opportunity = services.opportunity_save(
            opportunity=Opportunity(
                company=company,
                title=title,
                stage=stages[0],
                probability=stages[0].probability,
                expected_amount=Decimal(rnd.randint(8, 400) * 50),
                salesperson=sellers[(index + 1) % len(sellers)] if sellers else None,
            ),
            actor=None,
        )
        _contact_person(company, opportunity, first, last, job_title)
        _walk_pipeline(opportunity, stages[(index + 2) % len(stages)], stages, reasons, rnd, now)
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


def _contact_person(
    company: Company, opportunity: Opportunity, first: str, last: str, job_title: str
) -> None:
    """The opportunity's own contact person (no random draw: the seeders after this one draw
    the same numbers as before)."""
    addressbook_services.contact_create_and_link(
        company=company,
        owner=opportunity,
        fields={
            "first_name": first,
            "last_name": last,
            "job_title": job_title,
            "email": f"{email_local_part(first, last)}@example.com",
        },
        role="Decision maker",
        is_primary=True,
        actor=None,
    )


def _walk_pipeline(
    opportunity: Opportunity,
    target: OpportunityStage,
    stages: list[OpportunityStage],
    reasons: list[LostReason],
    rnd: random.Random,
    now,
    *,
    recent: bool = False,
) -> None:
    """Move the opportunity through the open stages up to ``target`` with the service, then
    spread its history (and the matching timeline events) over the past weeks.

    A ``recent`` one's lead came in, and its whole history happened, within ``RECENT_DAYS``.
    """
    open_stages = [stage for stage in stages if stage.kind == OpportunityStage.Kind.OPEN]
    if target.kind == OpportunityStage.Kind.OPEN:
        path = open_stages[: open_stages.index(target) + 1]
    elif target.kind == OpportunityStage.Kind.WON:
        path = [*open_stages, target]
    else:
        path = [*open_stages[: rnd.randint(1, len(open_stages) - 1)], target]
    for stage in path[1:]:
        lost = stage.kind == OpportunityStage.Kind.LOST
        opportunity = services.opportunity_set_stage(
            opportunity=opportunity,
            stage=stage,
            lost_reason=rnd.choice(reasons) if lost else None,
            actor=None,
        )

    # Backdate: opened some weeks ago, a few days to a few weeks in each stage (a recent one:
    # a day or two per stage, opened a few days after the lead came in: at most 4 stages x 3
    # days + 2 days + 5 days, under RECENT_DAYS).
    if recent:
        gaps = [timedelta(days=rnd.randint(1, 2), hours=rnd.randint(0, 23)) for _ in path[1:]]
        opened = now - sum(gaps, timedelta()) - timedelta(hours=rnd.randint(2, 48))
        lead_age = timedelta(days=rnd.randint(1, 4), hours=rnd.randint(0, 23))
    else:
        gaps = [timedelta(days=rnd.randint(2, 18), hours=rnd.randint(0, 23)) for _ in path[1:]]
        opened = now - sum(gaps, timedelta()) - timedelta(days=rnd.randint(1, 12))
        lead_age = timedelta(days=rnd.randint(3, 20))
    times = [opened]
    for gap in gaps:
        times.append(times[-1] + gap)
    rows = OpportunityStageChange.objects.filter(opportunity=opportunity).order_by("pk")
    for row, at in zip(rows, times, strict=True):
        OpportunityStageChange.objects.filter(pk=row.pk).update(changed_at=at)
    services.stage_stays_close(company_id=opportunity.company_id, opportunity_ids=[opportunity.pk])
    events = SystemEvent.objects.filter(
        company=opportunity.company_id,
        owner_id=opportunity.pk,
        owner_type=ContentType.objects.get_for_model(Opportunity),
    )
    events.filter(event_kind=SystemEvent.Kind.CONVERSION).update(occurred_at=opened)
    stage_events = events.filter(event_kind=SystemEvent.Kind.STAGE_CHANGE).order_by("pk")
    for event, at in zip(stage_events, times[1:], strict=True):
        SystemEvent.objects.filter(pk=event.pk).update(occurred_at=at)
    Opportunity.objects.filter(pk=opportunity.pk).update(created_at=opened)
    if opportunity.lead_id:
        # The lead was qualified and converted when the opportunity opened, and came in before.
        lead_events = SystemEvent.objects.filter(
            company=opportunity.company_id,
            owner_id=opportunity.lead_id,
            owner_type=ContentType.objects.get_for_model(Lead),
        )
        lead_events.filter(event_kind=SystemEvent.Kind.CONVERSION).update(occurred_at=opened)
        lead_events.filter(event_kind=SystemEvent.Kind.STATUS_CHANGE).update(
            occurred_at=opened - timedelta(hours=rnd.randint(2, 30))
        )
        leads = Lead.objects.filter(pk=opportunity.lead_id)
        if not recent:
            leads = leads.filter(created_at__gt=opened)
        leads.update(created_at=opened - lead_age)
        # The funnel's copy of the lead's created date follows (``KeepsLeadCreatedAt``).
        Opportunity.objects.filter(pk=opportunity.pk).update(
            lead_created_at=Subquery(
                Lead.objects.filter(pk=opportunity.lead_id).values("created_at")[:1]
            )
        )
    if target.kind == OpportunityStage.Kind.OPEN:
        close = timezone.localdate() + timedelta(days=rnd.randint(-10, 120))
    else:
        close = timezone.localtime(times[-1]).date()
    Opportunity.objects.filter(pk=opportunity.pk).update(expected_close_date=close)
    # Its history says so too, as if the date had been there from the start: the next real
    # change is compared with the newest row, and would otherwise show the demo's date as
    # changed by whoever moves the opportunity next.
    history_model(Opportunity)._base_manager.filter(
        company_id=opportunity.company_id, id=opportunity.pk
    ).update(expected_close_date=close)


WEB_FORM_VISITORS = [
    {
        "first_name": "Sari",
        "last_name": "Wijaya",
        "organization_name": "Toko Sari",
        "email": "sari@toko-sari.example",
        "message": "Do you ship docking stations to Jakarta?",
    },
    {"first_name": "Tom", "email": "no-name-given@example.com", "message": "Call me"},
    {"last_name": "Bot", "email": "bot@spam.example", "website": "http://spam.example"},
]


def seed_web_form(company: Company, rnd: random.Random) -> None:
    """The website's contact form, with what it received: a lead, a refusal, a bot."""
    from leads.models import WebForm
    from leads.webforms import web_form_save, web_form_submit

    if WebForm.objects.filter(company=company).exists():
        return
    form = web_form_save(
        form=WebForm(
            company=company,
            name="Website contact form",
            source=LeadSource.objects.filter(company=company, name="Website").first(),
        ),
        salespeople=Salesperson.objects.filter(company=company).order_by("pk")[:2],
        actor=None,
    )
    for visitor in WEB_FORM_VISITORS:
        web_form_submit(form=form, data=visitor, client=f"demo-{company.slug}")
