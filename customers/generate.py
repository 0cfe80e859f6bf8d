"""Generated customers (``manage.py generate_data``).

First the run's won opportunities become customers, as ``opportunity_convert_to_customer`` makes
them: named after the lead's organization (or the person), a business or private type by that,
the lead and opportunity kept as the origin (a ``CustomerLink``), the same address and contact
rows linked. The rest are customers entered directly, created evenly over the two years: private
people and businesses of the company's customer types and groups, some businesses under a parent
(a small hierarchy), a few inactive and a few on hold (with a reason), each with its own
addresses and contacts.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from addressbook.generate import AddressBookRows, Book, Party
from addressbook.models import Address, AddressLink, Contact, ContactLink
from crm.models import SalesPartner, Salesperson
from crm.sample.generate import GenerationRun, Plan
from crm.sample.generate_values import (
    CUSTOMER_NOTES,
    organization,
    personal_email,
    phone_number,
    pick,
    pick_country,
    work_email,
)
from customers.models import Customer, CustomerGroup, CustomerLink, CustomerType, phone_digits
from leads.models import Lead, Opportunity, OpportunityStage

DAY = datetime.timedelta(days=1)
# Every HEAD_EVERY-th directly entered customer is a business that others may have as parent.
HEAD_EVERY = 25

CUSTOMER_COLUMNS = (
    "id", "company_id", "name", "customer_type_id", "customer_group_id", "email", "phone",
    "phone_digits", "internal_information", "status", "hold_reason", "held_at", "parent_id",
    "salesperson_id", "sales_partner_id", "lead_id", "opportunity_id", "created_at",
    "updated_at",
)  # fmt: skip
# Why a generated customer is on hold (one in fifty of those entered directly).
HOLD_REASONS = (
    "Two invoices overdue by more than 60 days",
    "Credit limit reached: waiting for the new limit",
    "Disputed delivery under review",
    "Bank details being verified",
)
CUSTOMER_LINK_COLUMNS = (
    "company_id",
    "customer_id",
    "lead_id",
    "opportunity_id",
    "kind",
    "created_at",
    "lead_created_at",
)


def ids_needed(plan: Plan) -> dict:
    per_record = plan.addresses_per_record
    return {
        Customer: plan.customers,
        Address: per_record * plan.customers,
        Contact: per_record * plan.customers,
    }


class _CustomerMaker:
    def __init__(self, run: GenerationRun) -> None:
        company = run.company
        self.run = run
        self.company_id = company.pk
        self.rng = run.random("customers")
        self.time_rng = run.random("customers.time")
        self.book = AddressBookRows(run, stream="customers.addressbook")
        self.customer_ids = run.ids(Customer)
        self.types = list(CustomerType.objects.filter(company=company).order_by("pk"))
        self.business_types = [t for t in self.types if t.is_business]
        self.private_types = [t for t in self.types if not t.is_business]
        self.groups = list(
            CustomerGroup.objects.filter(company=company)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        self.salespeople = list(
            Salesperson.objects.filter(company=company, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        self.partners = list(
            SalesPartner.objects.filter(company=company, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for model, ids in (
            (CustomerType, [t.pk for t in self.types]),
            (CustomerGroup, self.groups),
            (Salesperson, self.salespeople),
            (SalesPartner, self.partners),
        ):
            run.keep(model.objects.filter(company=company, pk__in=ids))
        self.heads: list[int] = []
        self.customers: list[tuple] = []
        self.customer_links: list[tuple] = []

    def _default_type(self, *, business: bool) -> CustomerType:
        """The type a conversion gives: the first of the right kind, else the first."""
        matching = self.business_types if business else self.private_types
        return (matching or self.types)[0]

    def _group(self, rng: random.Random) -> int | None:
        return pick(rng, self.groups) if self.groups and rng.random() < 0.8 else None

    def flush(self) -> None:
        self.book.flush()
        self.run.write(Customer, CUSTOMER_COLUMNS, self.customers)
        self.run.write(CustomerLink, CUSTOMER_LINK_COLUMNS, self.customer_links)
        self.customers, self.customer_links = [], []

    # Won opportunities -------------------------------------------------------------------

    def convert_won(self, limit: int, bar) -> int:
        """Customers from the run's won opportunities (at most ``limit``); how many were made."""
        block = self.run.blocks.get(Opportunity)
        if block is None or not block.taken or not limit:
            return 0
        opportunities = (
            Opportunity.objects.filter(
                company=self.company_id,
                pk__gte=block.taken.start,
                pk__lt=block.taken.stop,
                stage__kind=OpportunityStage.Kind.WON,
                lead__isnull=False,
            )
            .order_by("pk")
            .values_list(
                "pk",
                "lead_id",
                "salesperson_id",
                "sales_partner_id",
                "updated_at",
                "lead__first_name",
                "lead__last_name",
                "lead__organization_name",
                "lead__email",
                "lead__phone",
                "lead__created_at",
            )
        )
        made, last_pk = 0, 0
        while made < limit:
            size = min(self.run.plan.batch_size, limit - made)
            rows = list(opportunities.filter(pk__gt=last_pk)[:size])
            if not rows:
                break
            books = self._books_of_leads([row[1] for row in rows])
            for row in rows:
                self._convert(row, books.get(row[1]))
            last_pk = rows[-1][0]
            self.flush()
            made += len(rows)
            bar.advance(len(rows))
        return made

    def _books_of_leads(self, lead_ids: list[int]) -> dict[int, Book]:
        """The address and contact rows linked to each lead, primary first."""
        lead_type = ContentType.objects.get_for_model(Lead)
        found: dict[str, dict[int, list]] = {
            "addresses": defaultdict(list),
            "contacts": defaultdict(list),
        }
        for key, model, target, extra in (
            ("addresses", AddressLink, "address_id", "purpose"),
            ("contacts", ContactLink, "contact_id", "role"),
        ):
            links = (
                model.objects.filter(
                    company=self.company_id, owner_type=lead_type, owner_id__in=lead_ids
                )
                .order_by("owner_id", "-is_primary", "pk")
                .values_list("owner_id", target, extra)
            )
            for owner_id, target_id, value in links:
                found[key][owner_id].append((target_id, value))
        return {
            lead_id: Book(
                tuple(found["addresses"].get(lead_id, ())),
                tuple(found["contacts"].get(lead_id, ())),
            )
            for lead_id in lead_ids
        }

    def _convert(self, row, book: Book | None) -> None:
        (
            opportunity_id,
            lead_id,
            salesperson,
            partner,
            won_at,
            first,
            last,
            organization_name,
            email,
            phone,
            lead_created,
        ) = row
        customer_id = self.customer_ids.take()
        customer_type = self._default_type(business=bool(organization_name))
        name = organization_name or f"{first} {last}".strip()
        self.customers.append(
            (
                customer_id,
                self.company_id,
                name[:200],
                customer_type.pk,
                self._group(self.rng),
                email,
                phone,
                phone_digits(phone),
                "",
                Customer.Status.ACTIVE,
                "",
                None,
                None,
                salesperson,
                partner,
                lead_id,
                opportunity_id,
                won_at,
                won_at,
            )
        )
        self.customer_links.append(
            (
                self.company_id,
                customer_id,
                lead_id,
                opportunity_id,
                CustomerLink.Kind.CREATED,
                won_at,
                lead_created,
            )
        )
        if book is not None:
            self.book.link(Customer, customer_id, book, created_at=won_at)

    # Entered directly --------------------------------------------------------------------

    def add(self, index: int, count: int) -> None:
        run, rng = self.run, self.rng
        created = run.spread(index, count, self.time_rng)
        head = index % HEAD_EVERY == 0 and bool(self.business_types)
        if head or (self.business_types and (not self.private_types or rng.random() < 0.6)):
            customer_type = pick(rng, self.business_types)
        else:
            customer_type = pick(rng, self.private_types or self.types)
        country = pick_country(rng)
        city = pick(rng, country.cities)
        first, last = pick(rng, country.first_names), pick(rng, country.last_names)
        if customer_type.is_business:
            name, domain = organization(rng, country, pick(rng, country.last_names), city)
            email = work_email(first, last, domain)
        else:
            name, domain = f"{first} {last}", ""
            email = personal_email(rng, first, last)
        phone = phone_number(rng, country, city)
        parent = None
        if customer_type.is_business and not head and self.heads and rng.random() < 0.1:
            parent = pick(rng, self.heads)
        customer_id = self.customer_ids.take()
        if head:
            self.heads.append(customer_id)
        age = run.anchor - created
        group = self._group(rng)
        notes = pick(rng, CUSTOMER_NOTES) if rng.random() < 0.08 else ""
        draw = 1.0 if index == 0 else rng.random()
        salesperson = (
            pick(rng, self.salespeople) if self.salespeople and rng.random() < 0.95 else None
        )
        partner = pick(rng, self.partners) if self.partners and rng.random() < 0.1 else None
        updated = created + min(age / 2, 60 * DAY) * self.time_rng.random()
        status, hold_reason, held_at = Customer.Status.ACTIVE, "", None
        if draw < 0.04:
            status = Customer.Status.INACTIVE
        elif draw < 0.06:
            # The reason by position, not by a draw: the random streams stay as they were.
            status, hold_reason = Customer.Status.ON_HOLD, HOLD_REASONS[index % len(HOLD_REASONS)]
            held_at = updated
        self.customers.append(
            (
                customer_id,
                self.company_id,
                name[:200],
                customer_type.pk,
                group,
                email,
                phone,
                phone_digits(phone),
                notes,
                status,
                hold_reason,
                held_at,
                parent,
                salesperson,
                partner,
                None,
                None,
                created,
                updated,
            )
        )
        party = Party(country, city, first, last, email, phone, name if domain else "", domain)
        self.book.add(Customer, customer_id, party, created_at=created)


def generate_customers(run: GenerationRun) -> None:
    count = run.plan.customers
    if not count:
        return
    maker = _CustomerMaker(run)
    with run.progress(_("Customers"), count) as bar:
        converted = maker.convert_won(count, bar)
        direct = count - converted
        for batch in run.batches(direct):
            for index in batch:
                maker.add(index, direct)
            maker.flush()
            bar.advance(len(batch))
