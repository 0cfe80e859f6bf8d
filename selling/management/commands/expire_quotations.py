"""Expire open quotations past their valid-until date: the nightly cron job.

    manage.py expire_quotations --all
    manage.py expire_quotations --company acme --today 2026-03-01 --dry-run
    manage.py expire_quotations --company acme --as sam@acme.example


The work is ``selling.services.quotations_expire_due`` (each quotation in its own transaction,
logged on its timeline); this command only picks the companies and reports.
"""

import argparse
import datetime
from contextlib import nullcontext

from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from crm.access.commands import acting_for, acting_user, add_acting_user_argument
from crm.audit import AuditedCommand
from crm.models import Company
from crm.progress import ProgressBar
from selling.services import quotations_expire_due


def iso_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        # argparse turns this into "error: argument --today: ..." (a CommandError when called
        # from code), naming the option.
        raise argparse.ArgumentTypeError(
            _("use a date like 2026-01-31 (year-month-day), not “%(value)s”") % {"value": value}
        ) from None


def companies_from(options) -> list[Company]:
    """The company named by --company, or every company for --all (exactly one is given)."""
    if options["all"]:
        return list(Company.objects.order_by("slug"))
    company = Company.objects.filter(slug=options["company"]).first()
    if company is None:
        raise CommandError(_("No company with the slug “%(slug)s”.") % {"slug": options["company"]})
    return [company]


class Command(AuditedCommand):
    help = (
        "Expire every draft, sent or accepted quotation whose valid-until date has passed, one "
        "transaction per quotation. Rejected and ordered quotations are never touched."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--company", metavar="SLUG", help="The company's slug.")
        which.add_argument("--all", action="store_true", help="Every company, one after another.")
        parser.add_argument(
            "--today",
            type=iso_date,
            metavar="YYYY-MM-DD",
            help="Expire as if today were this date (default: today).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Expire and roll back: says how many would expire, changes nothing.",
        )
        add_acting_user_argument(parser, action="edit")

    def handle(self, *args, **options):
        companies = companies_from(options)
        if options["acting_user"] and options["all"]:
            # A person is a member of one company: --as picks their levels in that one.
            raise CommandError(_("--as needs --company: a member acts in one company."))
        today = options["today"] or timezone.localdate()
        dry_run = options["dry_run"]
        counts: list[tuple[Company, int]] = []
        actor = None
        if options["acting_user"]:
            with scope(company=companies[0]):
                actor = acting_user(companies[0], options["acting_user"])
        label = _("Trying companies") if dry_run else _("Expiring quotations")
        with ProgressBar(total=len(companies), stream=self.stderr, label=label) as bar:
            for company in companies:
                # A dry run wraps the company in one transaction it rolls back; a real run
                # leaves the service its transaction per quotation.
                rollback = transaction.atomic() if dry_run else nullcontext()
                with scope(company=company), rollback, self.acting_as(actor):
                    expired = quotations_expire_due(company=company, today=today, actor=actor)
                    if dry_run:
                        transaction.set_rollback(True)
                counts.append((company, expired))
                bar.advance()
        write = self.stdout.write
        if dry_run:
            write(self.style.WARNING(_("Dry run: nothing was changed.")))
        write(acting_for(companies[0] if len(companies) == 1 else None, actor))
        write(
            _("Open quotations past their valid-until date on %(date)s:")
            % {"date": today.isoformat()}
        )
        for company, expired in counts:
            line = (
                _("%(company)s: %(count)d would expire")
                if dry_run
                else _("%(company)s: %(count)d expired")
            )
            write("  " + line % {"company": company.slug, "count": expired})
        total = sum(expired for _company, expired in counts)
        summary = _("Would expire: %(count)d") if dry_run else _("Expired: %(count)d")
        write(self.style.SUCCESS(summary % {"count": total}))
