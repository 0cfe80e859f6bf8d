"""The figures selling stores, and their checks for ``manage.py verify_figures`` (crm.figures):

- **document totals**: every line's net, VAT and gross recomputed by ``selling.pricing`` from its
  quantity, price, discount and VAT rate, and each document's totals from those lines (the same
  functions that stored them);
- **lifetime sales values**: each customer's, from the net totals of its booked orders;
- **order payments**: what each order says the balance paid and gave back, from the ledger.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Count,
    DecimalField,
    F,
    OuterRef,
    Prefetch,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import formats
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from crm.event_text import event_message, joined, render
from crm.figures import Difference
from crm.kept_figures import by_salesperson, figure_check
from crm.models import Company
from crm.money import round_money
from crm.timeline import activity_log_event
from customers.models import BalanceEntry, Customer
from selling import pricing
from selling.kept import BOOKED_DAYS
from selling.models import (
    BookedDayFigure,
    Quotation,
    QuotationItem,
    SalesOrder,
    SalesOrderItem,
)

logger = logging.getLogger("selling.figures")

# Each document model with its line model and the lines' foreign key to it.
DOCUMENT_KINDS = ((Quotation, QuotationItem, "quotation"), (SalesOrder, SalesOrderItem, "order"))
CHUNK = 500
# Labels as msgids: a problem is also a timeline entry, read in the reader's language.
AMOUNTS = (
    (gettext_noop("net"), "net_amount"),
    (gettext_noop("VAT"), "vat_amount"),
    (gettext_noop("gross"), "gross_amount"),
)
TOTALS = (
    (gettext_noop("net total"), "net_total"),
    (gettext_noop("VAT total"), "vat_total"),
    (gettext_noop("gross total"), "gross_total"),
)


# --- document totals ---------------------------------------------------------------------------


@dataclass
class Finding:
    """What disagrees on one document: readable problems and the figures to store instead."""

    texts: list[dict] = field(default_factory=list)  # crm.event_text messages
    lines: dict[int, pricing.LineAmounts] = field(default_factory=dict)  # line pk -> computed
    totals: pricing.Totals | None = None

    def __bool__(self) -> bool:
        return bool(self.texts)

    @property
    def problems(self) -> list[str]:
        """The problems in the active language."""
        return [render(text) for text in self.texts]


@dataclass
class _Priced:
    """A line as ``document_totals`` reads it, carrying the recomputed amounts."""

    vat_rate: Decimal
    net_amount: Decimal
    vat_amount: Decimal
    gross_amount: Decimal


def totals_check(document, lines) -> Finding:
    """Compare ``document``'s stored line amounts and totals with what the pricing computes."""
    finding = Finding()
    priced = []
    for line in lines:
        amounts = pricing.line_amounts(
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
        )
        wrong = [
            event_message(
                gettext_noop(
                    "line %(position)s: %(what)s %(stored)s stored, %(computed)s computed"
                ),
                position=line.position,
                what=event_message(label),
                stored=getattr(line, name),
                computed=computed,
            )
            for (label, name), computed in zip(
                AMOUNTS, (amounts.net, amounts.vat, amounts.gross), strict=True
            )
            if getattr(line, name) != computed
        ]
        if wrong:
            finding.texts.extend(wrong)
            finding.lines[line.pk] = amounts
        priced.append(_Priced(line.vat_rate, amounts.net, amounts.vat, amounts.gross))
    totals = pricing.document_totals(priced)
    for (label, name), computed in zip(TOTALS, (totals.net, totals.vat, totals.gross), strict=True):
        if getattr(document, name) != computed:
            finding.texts.append(
                event_message(
                    gettext_noop("%(what)s: %(stored)s stored, %(computed)s computed"),
                    what=event_message(label),
                    stored=getattr(document, name),
                    computed=computed,
                )
            )
    finding.totals = totals
    return finding


def _totals_repair(document, line_model, fk: str) -> list[str]:
    """Store the computed figures, checking again under the document's row lock (a user may
    have saved its lines since it was read)."""
    model = type(document)
    with transaction.atomic():
        document = (
            model.objects.select_for_update().filter(company=document.company_id, pk=document.pk)
        ).get()
        lines = list(
            line_model.objects.select_for_update()
            .filter(company=document.company_id, **{fk: document})
            .order_by("position", "pk")
        )
        finding = totals_check(document, lines)
        if not finding:
            return []
        for line in lines:
            amounts = finding.lines.get(line.pk)
            if amounts is not None:
                line.net_amount, line.vat_amount, line.gross_amount = (
                    amounts.net,
                    amounts.vat,
                    amounts.gross,
                )
                line.save(update_fields=["net_amount", "vat_amount", "gross_amount"])
        totals = finding.totals
        document.net_total, document.vat_total, document.gross_total = (
            totals.net,
            totals.vat,
            totals.gross,
        )
        document.save(update_fields=["net_total", "vat_total", "gross_total", "updated_at"])
        activity_log_event(
            owner=document,
            kind="other",
            message=event_message(
                gettext_noop(
                    "The stored amounts disagreed with the lines and were recomputed: %(problems)s."
                ),
                problems=joined(finding.texts, "; "),
            ),
            data={"document": document.number, "problems": finding.problems},
        )
    return finding.problems


def totals_count(company: Company) -> int:
    return sum(model.objects.filter(company=company).count() for model, _l, _fk in DOCUMENT_KINDS)


def totals_find(company: Company, advance: Callable[[], None]) -> list[Difference]:
    differences = []
    for model, line_model, fk in DOCUMENT_KINDS:
        lines = line_model.objects.filter(company=company).order_by("position", "pk")
        documents = (
            model.objects.filter(company=company)
            .order_by("pk")
            .prefetch_related(Prefetch("items", queryset=lines))
        )
        for document in documents.iterator(chunk_size=CHUNK):
            finding = totals_check(document, document.items.all())
            if finding:
                differences.append(
                    Difference(
                        record=document,
                        problems=finding.problems,
                        repair=lambda d=document, m=line_model, f=fk: _totals_repair(d, m, f),
                    )
                )
            advance()
    return differences


# --- lifetime sales values ---------------------------------------------------------------------


def booked_net_total(customer_ref) -> Coalesce:
    """The net total of a customer's booked orders, as an expression over ``customer_ref``."""
    booked = (
        SalesOrder.objects.filter(customer=customer_ref, status__in=SalesOrder.BOOKED)
        .order_by()
        .values("customer")
        .annotate(total=Sum("net_total"))
        .values("total")
    )
    money = DecimalField(max_digits=16, decimal_places=2)
    return Coalesce(Subquery(booked, output_field=money), Value(Decimal("0")), output_field=money)


def _lifetime_problem_text(stored: Decimal, computed: Decimal) -> dict:
    return event_message(
        gettext_noop(
            "lifetime sales value: %(stored)s stored, %(computed)s from the booked orders"
        ),
        stored=stored,
        computed=computed,
    )


def _lifetime_problem(stored: Decimal, computed: Decimal) -> str:
    return render(_lifetime_problem_text(stored, computed))


def _lifetime_repair(customer: Customer) -> list[str]:
    with transaction.atomic():
        locked = (
            Customer.objects.select_for_update()
            .filter(company=customer.company_id, pk=customer.pk)
            .annotate(computed=booked_net_total(OuterRef("pk")))
            .values_list("lifetime_sales_value", "computed")
            .get()
        )
        stored, computed = locked
        computed = round_money(computed)
        if stored == computed:
            return []
        problem_text = _lifetime_problem_text(stored, computed)
        problem = render(problem_text)
        Customer.objects.filter(company=customer.company_id, pk=customer.pk).update(
            lifetime_sales_value=computed
        )
        activity_log_event(
            owner=customer,
            kind="other",
            message=event_message(
                gettext_noop(
                    "The stored lifetime sales value was wrong and was recomputed: %(problem)s."
                ),
                problem=problem_text,
            ),
            data={"event": "figure_repaired", "problems": [problem]},
        )
    return [problem]


def lifetime_count(company: Company) -> int:
    return Customer.objects.filter(company=company).count()


def lifetime_find(company: Company, advance: Callable[[], None]) -> list[Difference]:
    rows = (
        Customer.objects.filter(company=company)
        .annotate(computed=booked_net_total(OuterRef("pk")))
        .only("pk", "name", "company_id", "lifetime_sales_value")
        .order_by("pk")
    )
    differences = []
    for customer in rows.iterator(chunk_size=CHUNK):
        customer.computed = round_money(customer.computed)
        if customer.lifetime_sales_value != customer.computed:
            differences.append(
                Difference(
                    record=customer,
                    problems=[_lifetime_problem(customer.lifetime_sales_value, customer.computed)],
                    repair=lambda c=customer: _lifetime_repair(c),
                )
            )
        advance()
    return differences


# --- what the balance paid for each order --------------------------------------------------------


def _ledger_sum(kind: str, sign: int) -> Coalesce:
    entries = (
        BalanceEntry.objects.filter(
            source_type=ContentType.objects.get_for_model(SalesOrder),
            source_id=OuterRef("pk"),
            kind=kind,
        )
        .order_by()
        .values("source_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    total = Coalesce(Subquery(entries, output_field=money), Value(Decimal("0")), output_field=money)
    return total * sign if sign < 0 else total


def _payments(orders):
    return orders.annotate(
        paid=_ledger_sum(BalanceEntry.Kind.PAYMENT, -1),
        refunded=_ledger_sum(BalanceEntry.Kind.REFUND, 1),
    )


def _payment_problems(order) -> list[str]:
    return [render(text) for text in _payment_problem_texts(order)]


def _payment_problem_texts(order: SalesOrder) -> list[dict]:
    paid, refunded = round_money(order.paid), round_money(order.refunded)
    texts = []
    if order.balance_applied != paid:
        texts.append(
            event_message(
                gettext_noop("balance applied: %(stored)s stored, %(computed)s in the ledger"),
                stored=order.balance_applied,
                computed=paid,
            )
        )
    if order.balance_refunded != refunded:
        texts.append(
            event_message(
                gettext_noop("balance refunded: %(stored)s stored, %(computed)s in the ledger"),
                stored=order.balance_refunded,
                computed=refunded,
            )
        )
    return texts


def _payments_repair(order: SalesOrder) -> list[str]:
    """The ledger is never edited, so it is the truth: the order's figures follow it."""
    with transaction.atomic():
        SalesOrder.objects.select_for_update().filter(
            company=order.company_id, pk=order.pk
        ).values_list("pk").get()
        locked = _payments(SalesOrder.objects.filter(company=order.company_id, pk=order.pk)).get()
        texts = _payment_problem_texts(locked)
        if not texts:
            return []
        problems = [render(text) for text in texts]
        SalesOrder.objects.filter(company=order.company_id, pk=order.pk).update(
            balance_applied=round_money(locked.paid), balance_refunded=round_money(locked.refunded)
        )
        activity_log_event(
            owner=locked,
            kind="other",
            message=event_message(
                gettext_noop(
                    "What the balance paid disagreed with the ledger and was set from it: "
                    "%(problems)s."
                ),
                problems=joined(texts, "; "),
            ),
            data={"document": locked.number, "problems": problems},
        )
    return problems


def payments_count(company: Company) -> int:
    return SalesOrder.objects.filter(company=company).count()


def payments_find(company: Company, advance: Callable[[], None]) -> list[Difference]:
    orders = _payments(
        SalesOrder.objects.filter(company=company).only(
            "pk", "number", "company_id", "balance_applied", "balance_refunded"
        )
    ).order_by("pk")
    differences = []
    for order in orders.iterator(chunk_size=CHUNK):
        problems = _payment_problems(order)
        if problems:
            differences.append(
                Difference(
                    record=order, problems=problems, repair=lambda o=order: _payments_repair(o)
                )
            )
        advance()
    return differences


# --- booked sales per day, kept by the database (selling.kept) ----------------------------------


def booked_counted(company: Company | int) -> dict[tuple, tuple]:
    """(order date, salesperson id) -> (booked orders, net cents), as the orders say."""
    rows = (
        SalesOrder.objects.filter(company=company, status__in=SalesOrder.BOOKED)
        .order_by()
        .values_list("order_date", "salesperson_id")
        .annotate(
            count=Count("*"),
            cents=Sum(Cast(Round(F("net_total") * 100), output_field=BigIntegerField())),
        )
    )
    return {(day, person): (count, cents or 0) for day, person, count, cents in rows}


def _booked_text(sums: tuple) -> str:
    count, cents = sums
    return ngettext("%(count)s order, %(amount)s", "%(count)s orders, %(amount)s", count) % {
        "count": count,
        "amount": formats.number_format(
            Decimal(cents) / 100, 2, use_l10n=True, force_grouping=True
        ),
    }


# One difference per order date whose booked figures disagree with its orders.
booked_figures_count, booked_figures_find = figure_check(
    BOOKED_DAYS,
    counted=booked_counted,
    group=lambda key: key[0],
    record=lambda company, day: BookedDayFigure(company=company, order_date=day),
    describe=by_salesperson(
        gettext_lazy("%(salesperson)s: %(stored)s stored, %(counted)s in the orders"),
        _booked_text,
    ),
)
