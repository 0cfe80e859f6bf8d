"""The balance check of ``manage.py verify_figures`` (crm.figures): every customer's stored
balance against the sum of its ledger."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from crm.event_text import event_message, render
from crm.figures import Difference
from crm.models import Company
from crm.money import round_money
from crm.timeline import activity_log_event
from customers.models import BalanceEntry, Customer

CHUNK = 500


def ledger_total(customer_ref) -> Coalesce:
    total = (
        BalanceEntry.objects.filter(customer=customer_ref)
        .order_by()
        .values("customer")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Subquery(total, output_field=money), Value(Decimal("0")), output_field=money)


def _problem_text(stored: Decimal, computed: Decimal) -> dict:
    return event_message(
        gettext_noop("balance: %(stored)s stored, %(computed)s in the ledger"),
        stored=stored,
        computed=computed,
    )


def _problem(stored: Decimal, computed: Decimal) -> str:
    return render(_problem_text(stored, computed))


def _repair(customer: Customer) -> list[str]:
    with transaction.atomic():
        stored, computed = (
            Customer.objects.select_for_update()
            .filter(company=customer.company_id, pk=customer.pk)
            .annotate(computed=ledger_total(OuterRef("pk")))
            .values_list("balance", "computed")
            .get()
        )
        computed = round_money(computed)
        if stored == computed:
            return []
        problem_text = _problem_text(stored, computed)
        problem = render(problem_text)
        Customer.objects.filter(company=customer.company_id, pk=customer.pk).update(
            balance=computed
        )
        activity_log_event(
            owner=customer,
            kind="other",
            message=event_message(
                gettext_noop(
                    "The stored balance disagreed with the ledger and was recomputed: %(problem)s."
                ),
                problem=problem_text,
            ),
            data={"event": "figure_repaired", "problems": [problem]},
        )
    return [problem]


def balances_count(company: Company) -> int:
    return Customer.objects.filter(company=company).count()


def balances_find(company: Company, advance: Callable[[], None]) -> list[Difference]:
    rows = (
        Customer.objects.filter(company=company)
        .annotate(computed=ledger_total(OuterRef("pk")))
        .only("pk", "name", "company_id", "balance")
        .order_by("pk")
    )
    differences = []
    for customer in rows.iterator(chunk_size=CHUNK):
        customer.computed = round_money(customer.computed)
        if customer.balance != customer.computed:
            differences.append(
                Difference(
                    record=customer,
                    problems=[_problem(customer.balance, customer.computed)],
                    repair=lambda c=customer: _repair(c),
                )
            )
        advance()
    return differences
