import os

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from crm.audit import AuditedCommand
from crm.models import Company
from crm.sample.demo import DEMO_USERS, demo_login_notes, ensure_demo_companies, seed_company


class Command(AuditedCommand):
    help = (
        "Fill companies with realistic demo data. Without --company: the two demo companies and "
        "their users. Safe to run again: nothing is duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", metavar="SLUG", help="Seed only this existing company.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--print-logins", action="store_true", help="Print the demo logins at the end."
        )

    def handle(self, *args, **options):
        if options["company"]:
            company = Company.objects.filter(slug=options["company"]).first()
            if company is None:
                raise CommandError(
                    _("No company with the slug “%(slug)s”.") % {"slug": options["company"]}
                )
            companies = [company]
        else:
            companies = ensure_demo_companies()
        for company in companies:

            def report(name, step, steps, company=company):
                self.stdout.write(
                    _("  %(company)s: %(step)s (%(n)s/%(steps)s)")
                    % {"company": company.name, "step": name, "n": step, "steps": steps}
                )
                self.stdout.flush()

            seed_company(company, seed=options["seed"], report=report)
            self.stdout.write(
                self.style.SUCCESS(
                    _("Seeded %(name)s (%(slug)s).") % {"name": company.name, "slug": company.slug}
                )
            )
        if options["print_logins"] and not options["company"]:
            self.stdout.write("")
            address = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/"
            self.stdout.write(_("Demo logins (%(address)s):") % {"address": address})
            for demo in DEMO_USERS:
                self.stdout.write(
                    f"  {demo.username:<8} / {demo.password}   {demo.role:<12} "
                    f"{', '.join(demo.companies)}"
                )
            for line in demo_login_notes():
                self.stdout.write(line)
