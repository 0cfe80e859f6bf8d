"""Recompute every stored, derived figure and report (or, with --fix, repair) each difference.

    manage.py verify_figures --all
    manage.py verify_figures --company acme --fix
    manage.py verify_figures --company acme --only balances

The checks are registered by the apps (``crm.figures``): document totals from their lines,
balances from their ledgers, lifetime sales values from the booked orders. A difference is a
bug somewhere, so the command exits with status 1 when it finds one it was not told to fix, and
is safe for cron. ``--fix`` repairs each row in its own transaction, under its lock, and logs
the repair on the row's timeline.
"""

from __future__ import annotations

import logging

from django.core.management.base import CommandError
from django.db import DataError, IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scope

from crm.audit import AuditedCommand
from crm.figures import Difference, figure_checks
from crm.models import Company
from crm.progress import ProgressBar

logger = logging.getLogger("crm.verify_figures")


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
        "Recompute every derived figure (document totals, balances, lifetime sales values) and "
        "report each row whose stored figure disagrees. Exits with status 1 when it finds one, "
        "unless --fix repairs them (one transaction per row, logged on its timeline)."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--company", metavar="SLUG", help="The company's slug.")
        which.add_argument("--all", action="store_true", help="Every company, one after another.")
        parser.add_argument(
            "--only",
            action="append",
            choices=[check.name for check in figure_checks()],
            help="Run only this check (repeatable).",
        )
        parser.add_argument("--fix", action="store_true", help="Repair each figure that disagrees.")

    def handle(self, *args, **options):
        checks = figure_checks(options["only"])
        fix = options["fix"]
        checked = {check.name: 0 for check in checks}
        found: list[tuple[Company, Difference]] = []
        for company in companies_from(options):
            with scope(company=company):
                for check in checks:
                    label = _("Checking %(company)s: %(what)s") % {
                        "company": company.slug,
                        "what": check.noun,
                    }
                    total = check.count(company)
                    with ProgressBar(total=total, stream=self.stderr, label=label) as bar:
                        differences = check.find(company, bar.advance)
                    checked[check.name] += total
                    for difference in differences:
                        if fix:
                            self._repair(difference)
                        if difference.problems:
                            found.append((company, difference))
        self._report(checks, checked, found, fix=fix)

    def _repair(self, difference: Difference) -> None:
        try:
            difference.problems = difference.repair()
        except (IntegrityError, DataError) as error:
            # The figure it is derived from breaks a rule of its own (a ledger that adds up to
            # less than zero): a person has to decide, with a correction.
            difference.unrepaired = _(
                "cannot be repaired automatically, the derived figure breaks a database rule "
                "(%(error)s): put it right by hand, e.g. with a correction"
            ) % {"error": error.__class__.__name__}
            logger.error("verify_figures could not fix %s: %s", difference.record, error)
            return
        if difference.problems:
            logger.warning(
                "verify_figures fixed %s: %s", difference.record, "; ".join(difference.problems)
            )

    def _report(self, checks, checked, found, *, fix: bool) -> None:
        write = self.stdout.write
        for company, difference in found:
            record = difference.record
            write(f"{record} ({record._meta.verbose_name}, {company.slug}):")
            for problem in difference.problems:
                write(f"  {problem}")
            if difference.unrepaired:
                write(f"  {difference.unrepaired}")
        counts = ", ".join(f"{checked[check.name]} {check.noun}" for check in checks)
        write(_("Checked %(counts)s.") % {"counts": counts})
        unrepaired = [difference for _company, difference in found if difference.unrepaired]
        if not found:
            write(self.style.SUCCESS(_("Every stored figure agrees with what it is derived from.")))
        elif fix and unrepaired:
            fixed = ngettext(
                "Fixed: %(count)d row.", "Fixed: %(count)d rows.", len(found) - len(unrepaired)
            ) % {"count": len(found) - len(unrepaired)}
            left = ngettext(
                "%(count)d row could not be repaired automatically (listed above).",
                "%(count)d rows could not be repaired automatically (listed above).",
                len(unrepaired),
            ) % {"count": len(unrepaired)}
            raise CommandError(f"{fixed} {left}")
        elif fix:
            write(
                self.style.SUCCESS(
                    ngettext("Fixed: %(count)d row.", "Fixed: %(count)d rows.", len(found))
                    % {"count": len(found)}
                )
            )
        else:
            raise CommandError(
                ngettext(
                    "%(count)d row disagrees with what its figures are derived from: run "
                    "again with --fix to repair it.",
                    "%(count)d rows disagree with what their figures are derived from: run "
                    "again with --fix to repair them.",
                    len(found),
                )
                % {"count": len(found)}
            )
