"""Generated quotations and sales orders (``manage.py generate_data``).

Quotations are spread over the two years, each for one of the run's active customers (random
products) or open opportunities (their wish list becomes the lines, with the wish-list item
kept, as ``quotation_create`` does), never dated before its party existed. Every price, discount
and total comes from ``selling.pricing`` with the party's terms, so ``verify_figures`` agrees with
every stored figure. ``orders`` of the customers' quotations, spread evenly, are ``ordered`` and
have their order (``order_from_quotation``: the lines copied and pointing at the quotation's,
the same terms and totals). The others are draft, sent, accepted or rejected while valid, and
expired or rejected once past their date. Numbers continue the company's counters per year.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from crm.errors import DomainError
from crm.models import Company, Product
from crm.sample.generate import SPAN, GenerationRun, NumberCounters, Plan
from crm.sample.generate_values import DOCUMENT_NOTES, Weighted, below, pick
from customers.models import Customer, CustomerGroup, CustomerType
from customers.services import proposed_customer
from leads.models import Lead, Opportunity, OpportunityStage, WishListItem
from selling import pricing
from selling.models import Quotation, QuotationItem, SalesOrder, SalesOrderItem
from selling.party_names import OPPORTUNITY_NAMES

MAX_LINES = 5
VALIDITY_DAYS = (14, 30, 30, 30, 60)
QUANTITIES = tuple(Decimal(q) for q in ("1", "1", "2", "3", "4", "5", "8", "10", "12", "20", "25"))
LINE_COUNT = Weighted((1, 2, 3, 4, 5), (30, 30, 20, 12, 8))
PAST_STATUS = Weighted((Quotation.Status.EXPIRED, Quotation.Status.REJECTED), (60, 40))
VALID_STATUS = Weighted(
    (
        Quotation.Status.DRAFT,
        Quotation.Status.SENT,
        Quotation.Status.ACCEPTED,
        Quotation.Status.REJECTED,
    ),
    (30, 45, 15, 10),
)
_ORDER = SalesOrder.Status
OLD_ORDER_STATUS = Weighted((_ORDER.FULFILLED, _ORDER.CANCELLED, _ORDER.CONFIRMED), (85, 7, 8))
NEW_ORDER_STATUS = Weighted(
    (_ORDER.DRAFT, _ORDER.CONFIRMED, _ORDER.FULFILLED, _ORDER.CANCELLED), (20, 55, 18, 7)
)
# Tries to draw an active customer or an open opportunity before taking the first one found.
DRAWS = 20

# What both document tables share (SellingDocument), in the order _document_values gives them.
DOCUMENT_COLUMNS = (
    "id", "company_id", "number", "salesperson_id", "sales_partner_id", "currency",
    "prices_include_vat", "discount_percent", "discount_rule", "price_group_id", "price_rule",
    "payment_terms_days", "net_total", "vat_total", "gross_total", "notes", "created_by_id",
    "created_at", "updated_at", "party_names",
)  # fmt: skip
# What both line tables share (DocumentLine), in the order _line_values gives them.
LINE_COLUMNS = (
    "position", "product_id", "description", "quantity", "unit_price", "discount_percent",
    "vat_rate", "net_amount", "vat_amount", "gross_amount",
)  # fmt: skip
QUOTATION_COLUMNS = (
    *DOCUMENT_COLUMNS, "opportunity_id", "customer_id", "status", "quotation_date", "valid_until",
)  # fmt: skip
QUOTATION_ITEM_COLUMNS = (
    "id", "company_id", "quotation_id", *LINE_COLUMNS, "wish_list_item_id",
)  # fmt: skip
ORDER_COLUMNS = (
    *DOCUMENT_COLUMNS, "customer_id", "opportunity_id", "quotation_id", "status", "order_date",
    "delivery_date", "opportunity_stage_before_id",
)  # fmt: skip
ORDER_ITEM_COLUMNS = (
    "company_id", "order_id", *LINE_COLUMNS, "quotation_item_id", "wish_list_item_id",
)  # fmt: skip


def _line_values(line) -> tuple:
    """A priced line's LINE_COLUMNS."""
    return (
        line.position,
        line.product_id,
        line.description,
        line.quantity,
        line.unit_price,
        line.discount_percent,
        line.vat_rate,
        line.net_amount,
        line.vat_amount,
        line.gross_amount,
    )


def check_plan(plan: Plan, company: Company | None) -> None:
    if plan.orders > plan.quotations:
        raise DomainError(
            _(
                "--orders (%(orders)d) cannot be more than --quotations (%(quotations)d): each "
                "generated order is made from an accepted quotation."
            )
            % {"orders": plan.orders, "quotations": plan.quotations}
        )
    if plan.orders and not plan.customers:
        raise DomainError(_("--orders needs --customers: an order is always for a customer."))
    if plan.quotations and not (plan.customers or plan.opportunities):
        raise DomainError(
            _("--quotations needs --customers or --opportunities: someone to quote to.")
        )


def ids_needed(plan: Plan) -> dict:
    return {
        Quotation: plan.quotations,
        QuotationItem: MAX_LINES * plan.quotations,
        SalesOrder: plan.orders,
    }


@dataclass
class _Line:
    """A priced line, as ``pricing.document_totals`` reads it."""

    id: int
    position: int
    product_id: int
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    vat_rate: Decimal
    net_amount: Decimal
    vat_amount: Decimal
    gross_amount: Decimal
    wish_list_item_id: int | None = None


@dataclass(frozen=True)
class _Slot:
    """When a document is due (its share of the two years, and that date), and the random
    stream its party is drawn with: one per document, so that how the draws are batched into
    queries changes nothing."""

    fraction: float
    date: datetime.date
    rng: random.Random


@dataclass
class _Party:
    customer_id: int | None
    opportunity_id: int | None
    salesperson_id: int | None
    sales_partner_id: int | None
    created: datetime.date
    terms: pricing.Terms
    # What its quotations and orders store as the names they are found by (selling.party_names:
    # a quotation's customer, opportunity and the opportunity's customer; an order's customer).
    names: str = ""
    order_names: str = ""
    wishes: list[tuple] | None = None  # an opportunity's (item id, product id, quantity, note)


def _joined(*values, row: bool = False) -> str:
    """A row's search document as ``crm.ui.search.search_document`` builds it in SQL; given
    ``row``, the values come from a related row that may be missing (all None, a customer's name
    never is): then "", as ``selling.party_names`` stores it."""
    if row and all(value is None for value in values):
        return ""
    return " ".join(value or "" for value in values)


class _Parties:
    """Draws the run's active customers and open opportunities, a batch at a time."""

    def __init__(self, run: GenerationRun) -> None:
        company = run.company
        self.company = company
        self.customer_ids = self._taken(run, Customer)
        self.opportunity_ids = self._taken(run, Opportunity)
        self.types = CustomerType.objects.filter(company=company).in_bulk()
        self.groups = CustomerGroup.objects.filter(company=company).in_bulk()
        self._terms: dict = {}
        open_ones = Opportunity.objects.filter(
            company=company,
            pk__gte=self.opportunity_ids.start,
            pk__lt=self.opportunity_ids.stop,
            stage__kind=OpportunityStage.Kind.OPEN,
        )
        self.first_open = open_ones.order_by("pk").values_list("pk", flat=True).first()
        self.first_customer = (
            Customer.objects.filter(
                company=company,
                pk__gte=self.customer_ids.start,
                pk__lt=self.customer_ids.stop,
                status=Customer.Status.ACTIVE,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )

    @staticmethod
    def _taken(run: GenerationRun, model) -> range:
        block = run.blocks.get(model)
        return block.taken if block is not None else range(0)

    @property
    def has_customers(self) -> bool:
        return self.first_customer is not None

    @property
    def has_opportunities(self) -> bool:
        return self.first_open is not None

    def _customer_terms(self, type_id: int, group_id: int | None) -> pricing.Terms:
        key = ("customer", type_id, group_id)
        if key not in self._terms:
            customer = Customer(
                company=self.company,
                customer_type=self.types[type_id],
                customer_group=self.groups.get(group_id),
            )
            self._terms[key] = pricing.terms_for(customer=customer)
        return self._terms[key]

    def _prospect_terms(self, business: bool) -> pricing.Terms:
        """Priced as the customer the opportunity would become (its lead's organization makes
        it a business), as ``pricing.terms_for`` does for an opportunity without a customer."""
        key = ("prospect", business)
        if key not in self._terms:
            lead = Lead(company=self.company, organization_name="x" if business else "")
            proposal = proposed_customer(opportunity=Opportunity(company=self.company, lead=lead))
            self._terms[key] = pricing.terms_for(customer=proposal)
        return self._terms[key]

    def _draw(self, ids: range, slots: list[_Slot], load, fallback: int) -> list[_Party]:
        """A party for each slot that existed by the slot's date.

        Ids grow with creation time, so each draw is from the part of the run's ids made by
        then (``slot.fraction`` of them); a party made later (a customer converted late) or not
        eligible (inactive, not open) is drawn again. After ``DRAWS`` tries any eligible party
        is taken (the document's date then moves to its creation), and last the fallback.
        """
        picks: list[_Party | None] = [None] * len(slots)
        pending = list(range(len(slots)))
        for attempt in range(DRAWS + 1):
            if not pending:
                break
            wanted = {}
            for position in pending:
                slot = slots[position]
                reach = max(1, math.ceil(slot.fraction * len(ids)))
                wanted[position] = ids[below(slot.rng, min(reach, len(ids)))]
            found = load(set(wanted.values()))
            waiting = []
            for position in pending:
                party = found.get(wanted[position])
                if party is not None and (
                    party.created <= slots[position].date or attempt == DRAWS
                ):
                    picks[position] = party
                else:
                    waiting.append(position)
            pending = waiting
        if pending:
            found = load({fallback})
            for position in pending:
                picks[position] = found[fallback]
        return picks

    def customers(self, slots: list[_Slot]) -> list[_Party]:
        def load(ids):
            rows = Customer.objects.filter(
                company=self.company, pk__in=ids, status=Customer.Status.ACTIVE
            )
            return {
                pk: _Party(
                    pk,
                    None,
                    seller,
                    partner,
                    created.date(),
                    self._customer_terms(t, g),
                    names=" ".join((_joined(*document), "", "")),
                    order_names=_joined(*document),
                )
                for pk, seller, partner, created, t, g, *document in rows.values_list(
                    "pk",
                    "salesperson_id",
                    "sales_partner_id",
                    "created_at",
                    "customer_type_id",
                    "customer_group_id",
                    *Customer.search_fields,
                )
            }

        return self._draw(self.customer_ids, slots, load, self.first_customer) if slots else []

    def opportunities(self, slots: list[_Slot]) -> list[_Party]:
        def load(ids):
            rows = Opportunity.objects.filter(
                company=self.company, pk__in=ids, stage__kind=OpportunityStage.Kind.OPEN
            ).values_list(
                "pk",
                "salesperson_id",
                "sales_partner_id",
                "created_at",
                "lead__organization_name",
                *OPPORTUNITY_NAMES,
                *(f"customer_link__customer__{name}" for name in Customer.search_fields),
            )
            found = {
                pk: _Party(
                    None,
                    pk,
                    seller,
                    partner,
                    created.date(),
                    self._prospect_terms(bool(organization)),
                    names=" ".join(
                        (
                            "",
                            _joined(*document[: len(OPPORTUNITY_NAMES)]),
                            _joined(*document[len(OPPORTUNITY_NAMES) :], row=True),
                        )
                    ),
                    wishes=[],
                )
                for pk, seller, partner, created, organization, *document in rows
            }
            wishes = (
                WishListItem.objects.filter(company=self.company, opportunity__in=list(found))
                .order_by("pk")
                .values_list("pk", "opportunity_id", "product_id", "quantity", "note")
            )
            for pk, opportunity_id, product_id, quantity, note in wishes:
                found[opportunity_id].wishes.append((pk, product_id, quantity, note))
            return found

        return self._draw(self.opportunity_ids, slots, load, self.first_open) if slots else []


class _DocumentMaker:
    def __init__(self, run: GenerationRun) -> None:
        company = run.company
        self.run = run
        self.company_id = company.pk
        self.currency = company.currency
        self.rng = run.random("selling")
        self.time_rng = run.random("selling.time")
        self.slot_rng = run.random("selling.slots")
        self.kind_rng = run.random("selling.kinds")
        self.parties = _Parties(run)
        self.products = list(Product.objects.filter(company=company, is_active=True).order_by("pk"))
        self.all_products = Product.objects.filter(company=company).in_bulk()
        # Wish lists may name products made inactive since; every product is kept.
        run.keep(Product.objects.filter(company=company))
        self.numbers = NumberCounters(company)
        self.quotation_ids = run.ids(Quotation)
        self.item_ids = run.ids(QuotationItem)
        self.order_ids = run.ids(SalesOrder)
        self.quotations_total = run.plan.quotations
        self.orders_total = run.plan.orders
        if not self.parties.has_customers and not self.parties.has_opportunities:
            raise DomainError(
                _("There is no active customer or open opportunity to make quotations for.")
            )
        if self.orders_total and not self.parties.has_customers:
            raise DomainError(_("There is no active customer to make orders for."))
        if not self.products:
            raise DomainError(_("The company has no active product to put on quotations."))
        self._reset()

    def _reset(self) -> None:
        self.quotations: list[tuple] = []
        self.items: list[tuple] = []
        self.orders: list[tuple] = []
        self.order_items: list[tuple] = []

    def _ordered(self, index: int) -> bool:
        total, count = self.quotations_total, self.orders_total
        return (index + 1) * count // total > index * count // total

    def batch(self, indexes: range) -> None:
        rng, parties = self.kind_rng, self.parties
        kinds, slots = [], []
        for index in indexes:
            fraction = (index + self.slot_rng.random()) / self.quotations_total
            date = (self.run.anchor - SPAN + SPAN * fraction).date()
            slots.append(_Slot(fraction, date, self.run.random(f"selling.party.{index}")))
            if self._ordered(index) or not parties.has_opportunities:
                kinds.append("customer")
            elif not parties.has_customers or rng.random() < 0.45:
                kinds.append("opportunity")
            else:
                kinds.append("customer")
        customers = iter(
            parties.customers([s for s, k in zip(slots, kinds, strict=True) if k == "customer"])
        )
        opportunities = iter(
            parties.opportunities([s for s, k in zip(slots, kinds, strict=True) if k != "customer"])
        )
        for index, kind, slot in zip(indexes, kinds, slots, strict=True):
            party = next(customers) if kind == "customer" else next(opportunities)
            self._quotation(index, slot, party)
        self.run.write(Quotation, QUOTATION_COLUMNS, self.quotations)
        self.run.write(QuotationItem, QUOTATION_ITEM_COLUMNS, self.items)
        self.run.write(SalesOrder, ORDER_COLUMNS, self.orders)
        self.run.write(SalesOrderItem, ORDER_ITEM_COLUMNS, self.order_items)
        self._reset()

    def _moment(self, date: datetime.date) -> datetime.datetime:
        """A time during office hours on ``date`` (UTC), never after the run's anchor."""
        moment = datetime.datetime.combine(date, datetime.time(8), tzinfo=datetime.UTC)
        moment += datetime.timedelta(minutes=below(self.time_rng, 10 * 60))
        return min(moment, self.run.anchor - datetime.timedelta(seconds=1))

    def _lines(self, party: _Party) -> list[_Line]:
        rng, terms = self.rng, party.terms
        if party.wishes:
            sources = [
                (self.all_products[product_id], quantity, note, item_id)
                for item_id, product_id, quantity, note in party.wishes
            ]
        else:
            count = LINE_COUNT.pick(rng)
            chosen = rng.sample(self.products, min(count, len(self.products)))
            sources = [(product, pick(rng, QUANTITIES), "", None) for product in chosen]
        lines = []
        for position, (product, quantity, note, wish_id) in enumerate(sources, start=1):
            defaults = pricing.line_defaults(product, terms)
            amounts = pricing.line_amounts(
                quantity=quantity,
                unit_price=defaults["unit_price"],
                discount_percent=defaults["discount_percent"],
                vat_rate=defaults["vat_rate"],
            )
            description = defaults["description"]
            if note:
                description = f"{product.name} – {note}"
            lines.append(
                _Line(
                    id=self.item_ids.take(),
                    position=position,
                    product_id=product.pk,
                    description=description[:300],
                    quantity=quantity,
                    unit_price=defaults["unit_price"],
                    discount_percent=defaults["discount_percent"],
                    vat_rate=defaults["vat_rate"],
                    net_amount=amounts.net,
                    vat_amount=amounts.vat,
                    gross_amount=amounts.gross,
                    wish_list_item_id=wish_id,
                )
            )
        return lines

    def _document_values(
        self, doc_id, number, party, totals, notes, created, updated, names
    ) -> tuple:
        """A quotation's or an order's DOCUMENT_COLUMNS (created_by stays empty)."""
        terms = party.terms
        return (
            doc_id,
            self.company_id,
            number,
            party.salesperson_id,
            party.sales_partner_id,
            self.currency,
            terms.prices_include_vat,
            terms.discount_percent,
            terms.discount_rule,
            terms.price_group_id,
            terms.price_rule,
            terms.payment_terms_days,
            totals.net,
            totals.vat,
            totals.gross,
            notes,
            None,
            created,
            updated,
            names,
        )

    def _quotation(self, index: int, slot: _Slot, party: _Party) -> None:
        rng, today = self.rng, self.run.today
        date = max(slot.date, party.created)
        valid_until = date + datetime.timedelta(days=pick(rng, VALIDITY_DAYS))
        ordered = self._ordered(index)
        if ordered:
            status = Quotation.Status.ORDERED
        elif valid_until < today:
            status = PAST_STATUS.pick(rng)
        else:
            status = VALID_STATUS.pick(rng)
        lines = self._lines(party)
        totals = pricing.document_totals(lines)
        notes = pick(rng, DOCUMENT_NOTES) if rng.random() < 0.15 else ""
        created = self._moment(date)
        updated = min(
            created + datetime.timedelta(hours=below(rng, 120)),
            self.run.anchor - datetime.timedelta(seconds=1),
        )
        quotation_id = self.quotation_ids.take()
        number = self.numbers.take(Quotation.NUMBER_PREFIX, date)
        self.quotations.append(
            (
                *self._document_values(
                    quotation_id, number, party, totals, notes, created, updated, party.names
                ),
                party.opportunity_id,
                party.customer_id,
                status,
                date,
                valid_until,
            )
        )
        for line in lines:
            self.items.append(
                (
                    line.id,
                    self.company_id,
                    quotation_id,
                    *_line_values(line),
                    line.wish_list_item_id,
                )
            )
        if ordered:
            self._order(quotation_id, date, party, lines, totals, notes)

    def _order(self, quotation_id, quotation_date, party, lines, totals, notes) -> None:
        rng, today = self.rng, self.run.today
        latest = (today - datetime.timedelta(days=1) - quotation_date).days
        order_date = quotation_date + datetime.timedelta(
            days=below(rng, max(0, min(10, latest)) + 1)
        )
        status = (OLD_ORDER_STATUS if (today - order_date).days > 30 else NEW_ORDER_STATUS).pick(
            rng
        )
        delivery = None
        if status in (SalesOrder.Status.CONFIRMED, SalesOrder.Status.FULFILLED):
            delivery = order_date + datetime.timedelta(days=2 + below(rng, 20))
        elif status == SalesOrder.Status.DRAFT and rng.random() < 0.5:
            delivery = order_date + datetime.timedelta(days=14)
        created = self._moment(order_date)
        order_id = self.order_ids.take()
        number = self.numbers.take(SalesOrder.NUMBER_PREFIX, order_date)
        self.orders.append(
            (
                *self._document_values(
                    order_id, number, party, totals, notes, created, created, party.order_names
                ),
                party.customer_id,
                None,
                quotation_id,
                status,
                order_date,
                delivery,
                None,
            )
        )
        for line in lines:
            self.order_items.append((self.company_id, order_id, *_line_values(line), line.id, None))


def generate_selling(run: GenerationRun) -> None:
    count = run.plan.quotations
    if not count:
        return
    maker = _DocumentMaker(run)
    with run.progress(_("Quotations"), count) as bar:
        for batch in run.batches(count):
            maker.batch(batch)
            bar.advance(len(batch))
    maker.numbers.save()
    # The customers' lifetime sales values count the booked orders just written (in bulk,
    # past the services that keep it): one grouped read of the booked orders, then the customers
    # that have any. A correlated UPDATE over every customer is planned from the statistics of
    # the tables before this run (empty, for a new company) and took hours at a million leads.
    totals = (
        SalesOrder.objects.filter(company=run.company, status__in=SalesOrder.BOOKED)
        .order_by()
        .values_list("customer_id")
        .annotate(total=Sum("net_total"))
    )
    Customer.objects.bulk_update(
        [Customer(pk=pk, lifetime_sales_value=total) for pk, total in totals],
        ["lifetime_sales_value"],
        batch_size=1000,
    )
