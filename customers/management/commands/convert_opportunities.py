"""Make customers of a company's opportunities in bulk, through the same service as the page."""

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
from customers.models import CustomerLink
from customers.services import opportunity_convert_to_customer
from leads.models import Opportunity, OpportunityStage


class Command(AuditedCommand):
    help = (
        "Convert a company's opportunities to customers, one transaction each (default: those in "
        "a won stage that have no customer yet). An opportunity whose e-mail or phone matches an "
        "existing customer is refused and listed: decide on its page whether to link that one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", metavar="SLUG", required=True, help="The company's slug.")
        parser.add_argument(
            "--stage", metavar="NAME", help="Only opportunities in this stage (default: won ones)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Try each conversion and roll it back."
        )
        add_acting_user_argument(parser, action="convert")

    def handle(self, *args, **options):
        company = Company.objects.filter(slug=options["company"]).first()
        if company is None:
            raise CommandError(
                _("No company with the slug “%(slug)s”.") % {"slug": options["company"]}
            )
        dry_run = options["dry_run"]
        converted, refused = [], []
        with scope(company=company):
            actor = acting_user(company, options["acting_user"])
            stages = OpportunityStage.objects.filter(company=company)
            if options["stage"]:
                stages = stages.filter(name__iexact=options["stage"])
                if not stages.exists():
                    names = ", ".join(OpportunityStage.objects.values_list("name", flat=True))
                    raise CommandError(
                        _("No stage “%(stage)s”: use one of %(choices)s.")
                        % {"stage": options["stage"], "choices": names}
                    )
            else:
                stages = stages.filter(kind=OpportunityStage.Kind.WON)
            linked = CustomerLink.objects.filter(company=company, opportunity__isnull=False)
            opportunities = Opportunity.objects.filter(company=company, stage__in=stages)
            ids = list(
                viewable_rows(opportunities, actor, company, "convert")
                .exclude(pk__in=linked.values("opportunity_id"))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            label = _("Trying opportunities") if dry_run else _("Converting opportunities")
            with (
                self.acting_as(actor),
                ProgressBar(total=len(ids), stream=self.stderr, label=label) as bar,
            ):
                for pk in ids:
                    opportunity = Opportunity.objects.get(company=company, pk=pk)
                    try:
                        with transaction.atomic():
                            customer = opportunity_convert_to_customer(
                                opportunity=opportunity, actor=actor
                            )
                            if dry_run:
                                transaction.set_rollback(True)
                        converted.append((opportunity, customer))
                    except DomainError as error:
                        refused.append((opportunity, error.message))
                    bar.advance()
        write = self.stdout.write
        if dry_run:
            write(self.style.WARNING(_("Dry run: nothing was changed.")))
        write(acting_for(company, actor))
        values = {"company": company.name, "count": len(ids)}
        if actor:
            values["email"] = actor.email
            looked_at = ngettext(
                "%(company)s: %(count)d opportunity without a customer that %(email)s may "
                "convert looked at.",
                "%(company)s: %(count)d opportunities without a customer that %(email)s may "
                "convert looked at.",
                len(ids),
            )
        else:
            looked_at = ngettext(
                "%(company)s: %(count)d opportunity without a customer looked at.",
                "%(company)s: %(count)d opportunities without a customer looked at.",
                len(ids),
            )
        write(looked_at % values)
        done = _("Would convert: %(count)d") if dry_run else _("Converted: %(count)d")
        write(self.style.SUCCESS(done % {"count": len(converted)}))
        for opportunity, customer in converted:
            if dry_run:
                target = _("a new customer")
            else:
                target = _("customer #%(number)s %(name)s") % {
                    "number": customer.pk,
                    "name": customer,
                }
            write(f"  #{opportunity.pk} {opportunity} -> {target}")
        line = _("Refused: %(count)d") % {"count": len(refused)}
        write(self.style.ERROR(line) if refused else line)
        for opportunity, reason in refused:
            write(f"  #{opportunity.pk} {opportunity}: {reason}")
