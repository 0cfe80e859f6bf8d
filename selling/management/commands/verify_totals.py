"""Find (and with --fix, rewrite) quotations and orders whose stored figures disagree with their
lines.

    manage.py verify_totals --all
    manage.py verify_totals --company acme --fix

Every line's net, VAT and gross are recomputed by ``selling.pricing.line_amounts`` from its
quantity, unit price, discount and VAT rate, and the document's totals by
``selling.pricing.document_totals`` from those lines: the same functions that stored them. A
stored figure that differs is a bug somewhere (a hand edit in the database, an old import), so
the command exits non-zero when it finds one and was not told to fix it, and is safe for cron.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django_scopes import scope

from crm.models import Company
from crm.progress import ProgressBar
from crm.timeline import activity_log_event
from selling import pricing
from selling.management.commands.expire_quotations import companies_from
from selling.models import Quotation, QuotationItem, SalesOrder, SalesOrderItem

logger = logging.getLogger("selling.verify_totals")

# Each document model with its line model and the lines' foreign key to it.
DOCUMENT_KINDS = ((Quotation, QuotationItem, "quotation"), (SalesOrder, SalesOrderItem, "order"))
CHUNK = 500
AMOUNTS = (("net", "net_amount"), ("VAT", "vat_amount"), ("gross", "gross_amount"))
TOTALS = (("net total", "net_total"), ("VAT total", "vat_total"), ("gross total", "gross_total"))


@dataclass
class Finding:
    """What disagrees on one document: readable problems and the figures to store instead."""

    problems: list[str] = field(default_factory=list)
    lines: dict[int, pricing.LineAmounts] = field(default_factory=dict)  # line pk -> computed
    totals: pricing.Totals | None = None

    def __bool__(self) -> bool:
        return bool(self.problems)


@dataclass
class _Priced:
    """A line as ``document_totals`` reads it, carrying the recomputed amounts."""

    vat_rate: Decimal
    net_amount: Decimal
    vat_amount: Decimal
    gross_amount: Decimal


def check(document, lines) -> Finding:
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
            f"line {line.position}: {label} {getattr(line, name)} stored, {computed} computed"
            for (label, name), computed in zip(
                AMOUNTS, (amounts.net, amounts.vat, amounts.gross), strict=True
            )
            if getattr(line, name) != computed
        ]
        if wrong:
            finding.problems.extend(wrong)
            finding.lines[line.pk] = amounts
        priced.append(_Priced(line.vat_rate, amounts.net, amounts.vat, amounts.gross))
    totals = pricing.document_totals(priced)
    for (label, name), computed in zip(TOTALS, (totals.net, totals.vat, totals.gross), strict=True):
        if getattr(document, name) != computed:
            finding.problems.append(
                f"{label}: {getattr(document, name)} stored, {computed} computed"
            )
    finding.totals = totals
    return finding


class Command(BaseCommand):
    help = (
        "Recompute every quotation's and sales order's line amounts and totals from the lines "
        "and report each document whose stored figures disagree. Exits with status 1 when it "
        "finds one, unless --fix rewrites them (one transaction per document, logged on the "
        "document's timeline)."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--company", metavar="SLUG", help="The company's slug.")
        which.add_argument("--all", action="store_true", help="Every company, one after another.")
        parser.add_argument(
            "--fix",
            action="store_true",
            help="Rewrite the stored figures of each document that disagrees with its lines.",
        )

    def handle(self, *args, **options):
        fix = options["fix"]
        checked = 0
        found: list[tuple[Company, object, Finding]] = []
        for company in companies_from(options):
            with scope(company=company):
                checked_here, found_here = self._check_company(company, fix=fix)
            checked += checked_here
            found.extend(found_here)
        self._report(checked, found, fix=fix)

    def _check_company(self, company: Company, *, fix: bool):
        counts = [
            model.objects.filter(company=company).count() for model, _line, _fk in DOCUMENT_KINDS
        ]
        found = []
        label = f"Checking {company.slug}"
        with ProgressBar(total=sum(counts), stream=self.stderr, label=label) as bar:
            for model, line_model, fk in DOCUMENT_KINDS:
                lines = line_model.objects.filter(company=company).order_by("position", "pk")
                documents = (
                    model.objects.filter(company=company)
                    .order_by("pk")
                    .prefetch_related(Prefetch("items", queryset=lines))
                )
                for document in documents.iterator(chunk_size=CHUNK):
                    finding = check(document, document.items.all())
                    if finding and fix:
                        finding = self._fix(document, line_model, fk)
                    if finding:
                        found.append((company, document, finding))
                    bar.advance()
        return sum(counts), found

    def _fix(self, document, line_model, fk: str) -> Finding:
        """Store the computed figures, checking again under the document's row lock (a user may
        have saved its lines since it was read)."""
        model = type(document)
        with transaction.atomic():
            document = (
                model.objects.select_for_update()
                .filter(company=document.company_id, pk=document.pk)
                .get()
            )
            lines = list(
                line_model.objects.select_for_update()
                .filter(company=document.company_id, **{fk: document})
                .order_by("position", "pk")
            )
            finding = check(document, lines)
            if not finding:
                return finding
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
                message=_(
                    "The stored amounts disagreed with the lines and were recomputed: %(problems)s."
                )
                % {"problems": "; ".join(finding.problems)},
                data={"document": document.number, "problems": finding.problems},
            )
        logger.warning("verify_totals fixed %s: %s", document.number, "; ".join(finding.problems))
        return finding

    def _report(self, checked: int, found, *, fix: bool) -> None:
        write = self.stdout.write
        for company, document, finding in found:
            kind = document._meta.verbose_name
            write(f"{document.number} ({kind}, {company.slug}):")
            for problem in finding.problems:
                write(f"  {problem}")
        write(f"Checked {checked} document(s).")
        if not found:
            write(self.style.SUCCESS("Every stored line amount and total agrees with its lines."))
        elif fix:
            write(self.style.SUCCESS(f"Fixed: {len(found)} document(s)."))
        else:
            raise CommandError(
                f"{len(found)} document(s) disagree with their lines: run again with --fix to "
                "rewrite their stored figures."
            )
