"""Generated leads and opportunities (``manage.py generate_data``).

Leads come in evenly over the two years before the run, each with its own addresses and
contacts and a short wish list; the newer a lead, the likelier it is still new. ``opportunities``
of them, spread evenly over the list, are converted the way ``lead_convert_to_opportunity``
converts: the lead becomes ``converted``, the opportunity copies its people, ownership and wish
list (its expected amount is the wish list's value), the lead's address and contact rows are
linked to it, and its stage history walks the company's pipeline from the first open stage to
where it is now, with the lost reason on a lost one. The older an opportunity, the likelier it
is won or lost.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.utils.translation import gettext as _
from django_scopes import scope

from addressbook.generate import AddressBookRows, Party
from addressbook.models import Address, Contact
from crm.errors import DomainError
from crm.models import Company, Product, SalesPartner, Salesperson
from crm.sample.generate import GenerationRun, Plan
from crm.sample.generate_values import (
    LEAD_NOTES,
    Weighted,
    below,
    organization,
    personal_email,
    phone_number,
    pick,
    pick_country,
    work_email,
)
from leads.models import (
    Lead,
    LeadSource,
    LostReason,
    Opportunity,
    OpportunityStage,
    OpportunityStageChange,
    WishListItem,
)
from leads.services import wish_list_amount

MAX_WISHES = 3
DAY = datetime.timedelta(days=1)

LEAD_COLUMNS = (
    "id", "company_id", "first_name", "last_name", "organization_name", "email", "phone",
    "source_id", "status", "lost_reason_id", "salesperson_id", "sales_partner_id", "notes",
    "created_at", "updated_at",
)  # fmt: skip
WISH_COLUMNS = ("company_id", "lead_id", "opportunity_id", "product_id", "quantity", "note")
OPPORTUNITY_WISH_COLUMNS = ("id", *WISH_COLUMNS)
OPPORTUNITY_COLUMNS = (
    "id", "company_id", "lead_id", "title", "stage_id", "probability", "expected_close_date",
    "expected_amount", "lost_reason_id", "salesperson_id", "sales_partner_id", "created_at",
    "updated_at", "lead_created_at", "lead_names",
)  # fmt: skip
STAGE_CHANGE_COLUMNS = (
    "company_id", "opportunity_id", "from_stage_id", "to_stage_id", "changed_at",
    "changed_by_id", "probability", "lost_reason_id", "left_at",
)  # fmt: skip

QUANTITIES = tuple(
    Decimal(q) for q in ("1", "1", "1", "2", "2", "3", "4", "5", "6", "10", "12", "20", "25", "2.5")
)
WISH_NOTES = ("Colour: black", "Needed by the end of the month", "Alternative model is fine", "")
_STATUSES = (Lead.Status.NEW, Lead.Status.CONTACTED, Lead.Status.QUALIFIED, Lead.Status.LOST)
# The status of a lead not converted, by its age in days: the newer, the likelier still new.
STATUS_BY_AGE = (
    (14, Weighted(_STATUSES, (60, 28, 10, 2))),
    (90, Weighted(_STATUSES, (20, 35, 30, 15))),
    (None, Weighted(_STATUSES, (6, 20, 34, 40))),
)
WISH_COUNT = Weighted((0, 1, 2, 3), (35, 35, 20, 10))


def check_plan(plan: Plan, company: Company | None) -> None:
    if plan.opportunities > plan.leads:
        raise DomainError(
            _(
                "--opportunities (%(opportunities)d) cannot be more than --leads (%(leads)d): "
                "every generated opportunity comes from a converted lead."
            )
            % {"opportunities": plan.opportunities, "leads": plan.leads}
        )
    if company is not None and plan.opportunities:
        with scope(company=company):
            stages = OpportunityStage.objects.filter(company=company)
            if stages.exists() and not stages.filter(kind=OpportunityStage.Kind.OPEN).exists():
                raise DomainError(
                    _(
                        "%(company)s has no open opportunity stage for converted leads to start "
                        "in: add one under Settings first."
                    )
                    % {"company": company}
                )


def ids_needed(plan: Plan) -> dict:
    per_record = plan.addresses_per_record
    return {
        Lead: plan.leads,
        Opportunity: plan.opportunities,
        WishListItem: MAX_WISHES * plan.opportunities,
        Address: per_record * plan.leads,
        Contact: per_record * plan.leads,
    }


@dataclass
class _Lists:
    """The company's rows the records point to, read once (ids only, in pk order)."""

    sources: list[int]
    lost_reasons: list[int]
    open_stages: list[OpportunityStage]
    won_stage: OpportunityStage | None
    lost_stage: OpportunityStage | None
    salespeople: list[int]
    partners: list[int]
    products: list[Product]

    def keep(self, run: GenerationRun) -> None:
        """Lock what the records point to (see ``GenerationRun.keep``)."""
        company = run.company
        for model, ids in (
            (LeadSource, self.sources),
            (LostReason, self.lost_reasons),
            (OpportunityStage, [stage.pk for stage in self.open_stages]),
            (Salesperson, self.salespeople),
            (SalesPartner, self.partners),
            (Product, [product.pk for product in self.products]),
        ):
            run.keep(model.objects.filter(company=company, pk__in=ids))
        closing = [stage.pk for stage in (self.won_stage, self.lost_stage) if stage]
        run.keep(OpportunityStage.objects.filter(company=company, pk__in=closing))

    @classmethod
    def load(cls, company: Company) -> _Lists:
        stages = list(OpportunityStage.objects.filter(company=company).order_by("order", "pk"))

        def first_of(kind):
            return next((stage for stage in stages if stage.kind == kind), None)

        def ids(model, **filters):
            return list(
                model.objects.filter(company=company, **filters)
                .order_by("pk")
                .values_list("pk", flat=True)
            )

        return cls(
            sources=ids(LeadSource),
            lost_reasons=ids(LostReason),
            open_stages=[stage for stage in stages if stage.kind == OpportunityStage.Kind.OPEN],
            won_stage=first_of(OpportunityStage.Kind.WON),
            lost_stage=first_of(OpportunityStage.Kind.LOST),
            salespeople=ids(Salesperson, is_active=True),
            partners=ids(SalesPartner, is_active=True),
            products=list(Product.objects.filter(company=company, is_active=True).order_by("pk")),
        )


class _LeadMaker:
    """Makes one batch of leads with everything that hangs off them, then writes it."""

    def __init__(self, run: GenerationRun, lists: _Lists) -> None:
        self.run = run
        self.lists = lists
        self.company_id = run.company.pk
        self.leads_total = run.plan.leads
        self.opportunities_total = run.plan.opportunities
        self.rng = run.random("leads")
        self.time_rng = run.random("leads.time")
        self.wish_rng = run.random("leads.wishes")
        self.pipeline_rng = run.random("leads.pipeline")
        self.book = AddressBookRows(run, stream="leads.addressbook")
        # How far along the pipeline an open opportunity is: earlier stages are fuller.
        count = len(lists.open_stages)
        self.reached = (
            Weighted(range(count), [count - position for position in range(count)])
            if count
            else None
        )
        self.lead_ids = run.ids(Lead)
        self.opportunity_ids = run.ids(Opportunity)
        self.wish_ids = run.ids(WishListItem)
        self._reset()

    def _reset(self) -> None:
        self.leads: list[tuple] = []
        self.lead_wishes: list[tuple] = []
        self.opportunities: list[tuple] = []
        self.stage_changes: list[tuple] = []
        self.opportunity_wishes: list[tuple] = []

    def _converted(self, index: int) -> bool:
        """Exactly ``opportunities`` of the leads, spread evenly over the list."""
        total, count = self.leads_total, self.opportunities_total
        return (index + 1) * count // total > index * count // total

    def _status(self, age: datetime.timedelta) -> tuple[str, int | None]:
        statuses = next(
            statuses for limit, statuses in STATUS_BY_AGE if limit is None or age.days < limit
        )
        status = statuses.pick(self.rng)
        if status == Lead.Status.LOST:
            if not self.lists.lost_reasons:  # nothing to say why: the lead stays qualified
                return Lead.Status.QUALIFIED, None
            return status, pick(self.rng, self.lists.lost_reasons)
        return status, None

    def _wishes(self, converted: bool) -> list[tuple[Product, Decimal, str]]:
        rng = self.wish_rng
        products = self.lists.products
        if not products:
            return []
        count = WISH_COUNT.pick(rng)
        if converted:
            count = max(count, 1)  # converted leads had something in mind
        count = min(count, len(products), MAX_WISHES)
        chosen = rng.sample(products, count)
        return [
            (product, pick(rng, QUANTITIES), pick(rng, WISH_NOTES) if rng.random() < 0.1 else "")
            for product in chosen
        ]

    def add(self, index: int) -> None:
        run, rng, lists = self.run, self.rng, self.lists
        created = run.spread(index, self.leads_total, self.time_rng)
        country = pick_country(rng)
        city = pick(rng, country.cities)
        first, last = pick(rng, country.first_names), pick(rng, country.last_names)
        if rng.random() < 0.65:
            owner_name = last if rng.random() < 0.5 else pick(rng, country.last_names)
            organization_name, domain = organization(rng, country, owner_name, city)
            email = work_email(first, last, domain)
        else:
            organization_name, domain = "", ""
            email = personal_email(rng, first, last)
        if rng.random() < 0.05:
            email = ""
        phone = phone_number(rng, country, city) if rng.random() < 0.9 else ""
        source = pick(rng, lists.sources) if lists.sources and rng.random() < 0.9 else None
        salesperson = (
            pick(rng, lists.salespeople) if lists.salespeople and rng.random() < 0.95 else None
        )
        partner = pick(rng, lists.partners) if lists.partners and rng.random() < 0.12 else None
        notes = pick(rng, LEAD_NOTES) if rng.random() < 0.1 else ""
        converted = self._converted(index)
        if converted:
            status, lost_reason = Lead.Status.CONVERTED, None
        else:
            status, lost_reason = self._status(run.anchor - created)

        lead_id = self.lead_ids.take()
        wishes = self._wishes(converted)
        for product, quantity, note in wishes:
            self.lead_wishes.append((self.company_id, lead_id, None, product.pk, quantity, note))
        party = Party(country, city, first, last, email, phone, organization_name, domain)
        book = self.book.add(Lead, lead_id, party, created_at=created)

        if converted:
            person = f"{first} {last}"
            title = f"{person} ({organization_name})" if organization_name else person
            updated = self._opportunity(
                lead_id=lead_id,
                lead_created=created,
                title=title,
                # The lead's search document, as leads.lead_names stores it.
                names=" ".join((first, last, organization_name, email, phone)),
                wishes=wishes,
                salesperson=salesperson,
                partner=partner,
                book=book,
            )
        else:
            age = run.anchor - created
            updated = created + min(age / 2, 45 * DAY) * self.time_rng.random()
        self.leads.append(
            (
                lead_id,
                self.company_id,
                first,
                last,
                organization_name,
                email,
                phone,
                source,
                status,
                lost_reason,
                salesperson,
                partner,
                notes,
                created,
                updated,
            )
        )

    def _path(self, opened: datetime.datetime) -> list[OpportunityStage]:
        """The stages an opportunity went through, first open stage first, current stage last."""
        rng, lists = self.pipeline_rng, self.lists
        stages = lists.open_stages
        closed_chance = min(0.85, (self.run.anchor - opened).days / 200)
        if rng.random() < closed_chance:
            can_lose = lists.lost_stage is not None and lists.lost_reasons
            if lists.won_stage is not None and (not can_lose or rng.random() < 0.45):
                return stages[: below(rng, len(stages)) + 1] + [lists.won_stage]
            if can_lose:
                return stages[: below(rng, len(stages)) + 1] + [lists.lost_stage]
        return stages[: self.reached.pick(rng) + 1]

    def _opportunity(
        self, *, lead_id, lead_created, title, names, wishes, salesperson, partner, book
    ) -> datetime.datetime:
        """The opportunity the lead was converted to; returns when the lead last changed."""
        rng, anchor = self.pipeline_rng, self.run.anchor
        opened = lead_created + min((anchor - lead_created) / 2, rng.uniform(0.5, 21) * DAY)
        opportunity_id = self.opportunity_ids.take()
        path = self._path(opened)
        stage = path[-1]
        lost_reason = (
            pick(rng, self.lists.lost_reasons) if stage.kind == OpportunityStage.Kind.LOST else None
        )
        moments = [opened]
        for _step in path[1:]:
            moments.append(moments[-1] + min((anchor - moments[-1]) / 2, rng.uniform(1, 20) * DAY))
        moment, previous = moments[-1], None
        # Each stay ends when the next begins (``left_at``), the last one not yet.
        for step, entered, left in zip(path, moments, [*moments[1:], None], strict=True):
            self.stage_changes.append(
                (
                    self.company_id,
                    opportunity_id,
                    previous.pk if previous else None,
                    step.pk,
                    entered,
                    None,
                    step.probability,
                    lost_reason if step is stage else None,
                    left,
                )
            )
            previous = step
        if stage.kind == OpportunityStage.Kind.OPEN:
            close_date = (opened + rng.uniform(20, 120) * DAY).date()
        else:
            close_date = moment.date()
        amount = wish_list_amount(
            [SimpleNamespace(product=product, quantity=quantity) for product, quantity, _ in wishes]
        )
        self.opportunities.append(
            (
                opportunity_id,
                self.company_id,
                lead_id,
                title[:200],
                stage.pk,
                stage.probability,
                close_date,
                amount,
                lost_reason,
                salesperson,
                partner,
                opened,
                moment,
                lead_created,
                names,
            )
        )
        for product, quantity, note in wishes:
            self.opportunity_wishes.append(
                (
                    self.wish_ids.take(),
                    self.company_id,
                    None,
                    opportunity_id,
                    product.pk,
                    quantity,
                    note,
                )
            )
        self.book.link(Opportunity, opportunity_id, book, created_at=opened)
        return opened

    def flush(self) -> None:
        run = self.run
        self.book.flush()
        run.write(Lead, LEAD_COLUMNS, self.leads)
        run.write(WishListItem, WISH_COLUMNS, self.lead_wishes)
        run.write(Opportunity, OPPORTUNITY_COLUMNS, self.opportunities)
        run.write(OpportunityStageChange, STAGE_CHANGE_COLUMNS, self.stage_changes)
        run.write(WishListItem, OPPORTUNITY_WISH_COLUMNS, self.opportunity_wishes)
        self._reset()


def generate_leads(run: GenerationRun) -> None:
    plan = run.plan
    if not plan.leads:
        return
    lists = _Lists.load(run.company)
    lists.keep(run)
    if plan.opportunities and not lists.open_stages:
        raise DomainError(_("The company has no open opportunity stage for converted leads."))
    maker = _LeadMaker(run, lists)
    with run.progress(_("Leads"), plan.leads) as bar:
        for batch in run.batches(plan.leads):
            for index in batch:
                maker.add(index)
            maker.flush()
            bar.advance(len(batch))
