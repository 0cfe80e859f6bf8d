"""List a company's stored phone numbers that are no number of its region (read-only).

    manage.py check_phone_numbers --company acme

Numbers written through a form, an import or the API are E.164 already; the data migration
converted older ones where they parsed. What is left (a note such as "ask reception", a number
missing digits) is listed here for someone to correct on the record's page. Exits with status 1
when it lists any, so it can run in a check.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scope

from crm.i18n import company_locale
from crm.models import Company
from crm.phones import region_name, unreadable_numbers


class Command(BaseCommand):
    help = (
        "List the company's stored phone numbers that do not parse as numbers of its phone "
        "region (read-only). Exits with status 1 when there are any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--company", metavar="SLUG", required=True, help="The company's slug.")

    def handle(self, *args, **options):
        company = Company.objects.filter(slug=options["company"]).first()
        if company is None:
            raise CommandError(
                _("No company with the slug “%(slug)s”.") % {"slug": options["company"]}
            )
        with scope(company=company), company_locale(company):
            found = unreadable_numbers(company)
            region = company.dialing_region
            for number in found:
                self.stdout.write(
                    f"{number.model} #{number.pk} “{number.record}”, {number.field}: {number.value}"
                )
            where = region_name(region) if region else _("no region (international only)")
            if not found:
                self.stdout.write(
                    _("Every stored phone number parses in %(region)s.") % {"region": where}
                )
                return
            summary = ngettext(
                "%(count)d phone number does not parse in %(region)s: correct it on its page.",
                "%(count)d phone numbers do not parse in %(region)s: correct them on their pages.",
                len(found),
            ) % {"count": len(found), "region": where}
        raise CommandError(summary)
