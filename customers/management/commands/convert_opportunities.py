"""Make customers of a company's opportunities in bulk, through the same service as the page."""

from django.core.management.base import CommandError
from django.db import transaction
from django_scopes import scope

from crm.access import viewable_rows
from crm.access.commands import acting_user, add_acting_user_argument
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
            raise CommandError(f"No company with the slug “{options['company']}”.")
        dry_run = options["dry_run"]
        converted, refused = [], []
        with scope(company=company):
            actor = acting_user(company, options["acting_user"])
            stages = OpportunityStage.objects.filter(company=company)
            if options["stage"]:
                stages = stages.filter(name__iexact=options["stage"])
                if not stages.exists():
                    names = ", ".join(OpportunityStage.objects.values_list("name", flat=True))
                    raise CommandError(f"No stage “{options['stage']}”: use one of {names}.")
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
            label = "Trying opportunities" if dry_run else "Converting opportunities"
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
            write(self.style.WARNING("Dry run: nothing was changed."))
        reach = f" that {actor.email} may convert" if actor else ""
        write(f"{company.name}: {len(ids)} opportunity(ies) without a customer{reach} looked at.")
        write(
            self.style.SUCCESS(f"{'Would convert' if dry_run else 'Converted'}: {len(converted)}")
        )
        for opportunity, customer in converted:
            target = "a new customer" if dry_run else f"customer #{customer.pk} {customer}"
            write(f"  #{opportunity.pk} {opportunity} -> {target}")
        line = f"Refused: {len(refused)}"
        write(self.style.ERROR(line) if refused else line)
        for opportunity, reason in refused:
            write(f"  #{opportunity.pk} {opportunity}: {reason}")
