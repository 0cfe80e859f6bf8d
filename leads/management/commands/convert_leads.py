"""Convert a company's leads to opportunities in bulk, through the same service as the page."""

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scope

from crm.access import viewable_rows
from crm.access.commands import acting_for, acting_user, add_acting_user_argument
from crm.audit import AuditedCommand
from crm.errors import DomainError
from crm.models import Company
from crm.progress import ProgressBar
from leads.models import Lead, Opportunity
from leads.services import lead_convert_to_opportunity


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise CommandError(
            _("--limit must be a whole number above 0, not “%(value)s”.") % {"value": value}
        )
    return number


class Command(AuditedCommand):
    help = (
        "Convert every lead of a company with the given status (default: qualified) to an "
        "opportunity, one transaction per lead: a refused lead is reported and the rest go on. "
        "A lead that already has an opportunity is counted, not converted again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", metavar="SLUG", required=True, help="The company's slug.")
        parser.add_argument(
            "--status",
            default=Lead.Status.QUALIFIED,
            help=f"Convert leads with this status ({', '.join(Lead.Status.values)}; "
            "default qualified).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Try every conversion and roll it back: says what would happen, changes nothing.",
        )
        parser.add_argument(
            "--limit",
            type=positive_int,
            metavar="N",
            help="Convert at most N leads (oldest first).",
        )
        add_acting_user_argument(parser, action="convert")

    def handle(self, *args, **options):
        company = Company.objects.filter(slug=options["company"]).first()
        if company is None:
            raise CommandError(
                _("No company with the slug “%(slug)s”.") % {"slug": options["company"]}
            )
        status = options["status"]
        if status not in Lead.Status.values:
            raise CommandError(
                _("Unknown status “%(status)s”: use one of %(choices)s.")
                % {"status": status, "choices": ", ".join(Lead.Status.values)}
            )
        dry_run = options["dry_run"]
        results = {"converted": [], "already": [], "refused": []}
        with scope(company=company):
            actor = acting_user(company, options["acting_user"])
            leads = Lead.objects.filter(company=company, status=status)
            ids = list(
                viewable_rows(leads, actor, company, "convert")
                .order_by("pk")
                .values_list("pk", flat=True)[: options["limit"]]
            )
            label = _("Trying leads") if dry_run else _("Converting leads")
            with (
                self.acting_as(actor),
                ProgressBar(total=len(ids), stream=self.stderr, label=label) as bar,
            ):
                for pk in ids:
                    outcome = self._convert_one(company, pk, actor=actor, dry_run=dry_run)
                    if outcome is not None:
                        results[outcome[0]].append(outcome[1:])
                    bar.advance()
        self._summary(company, status, dry_run, actor=actor, **results)

    def _convert_one(self, company, pk: int, *, actor, dry_run: bool):
        """("converted" | "already", lead, opportunity) or ("refused", lead, reason); None for
        a lead deleted since the list was read."""
        lead = None
        try:
            with transaction.atomic():
                # Locked before looking, so "already had one" is exact even while people
                # convert the same leads on the web at the same time.
                lead = (
                    Lead.objects.select_for_update(of=("self",))
                    .filter(company=company, pk=pk)
                    .first()
                )
                if lead is None:
                    return None
                existing = Opportunity.objects.filter(company=company, lead=lead).first()
                if existing is not None:
                    return ("already", lead, existing)
                opportunity = lead_convert_to_opportunity(lead=lead, actor=actor)
                if dry_run:
                    transaction.set_rollback(True)
                return ("converted", lead, opportunity)
        except DomainError as error:
            return ("refused", lead, error.message)

    def _summary(self, company, status, dry_run, *, actor, converted, already, refused) -> None:
        write = self.stdout.write
        if dry_run:
            write(self.style.WARNING(_("Dry run: nothing was changed.")))
        write(acting_for(company, actor))
        total = len(converted) + len(already) + len(refused)
        # The status as people read it in the command's language ("terkualifikasi"), not its
        # stored value ("qualified").
        values = {
            "company": company.name,
            "count": total,
            "status": str(Lead.Status(status).label).lower(),
        }
        if actor:
            values["email"] = actor.email
            looked_at = ngettext(
                "%(company)s: %(count)d %(status)s lead that %(email)s may convert looked at.",
                "%(company)s: %(count)d %(status)s leads that %(email)s may convert looked at.",
                total,
            )
        else:
            looked_at = ngettext(
                "%(company)s: %(count)d %(status)s lead looked at.",
                "%(company)s: %(count)d %(status)s leads looked at.",
                total,
            )
        write(looked_at % values)
        done = _("Would convert: %(count)d") if dry_run else _("Converted: %(count)d")
        write(self.style.SUCCESS(done % {"count": len(converted)}))
        for lead, opportunity in converted:
            if dry_run:
                target = _("a new opportunity")
            else:
                target = _("opportunity #%(number)s") % {"number": opportunity.pk}
            write(f"  #{lead.pk} {lead} -> {target}")
        write(_("Already had an opportunity: %(count)d") % {"count": len(already)})
        for lead, opportunity in already:
            target = _("opportunity #%(number)s") % {"number": opportunity.pk}
            write(f"  #{lead.pk} {lead} -> {target}")
        refused_line = _("Refused: %(count)d") % {"count": len(refused)}
        write(self.style.ERROR(refused_line) if refused else refused_line)
        for lead, reason in refused:
            write(f"  #{lead.pk} {lead}: {reason}")
