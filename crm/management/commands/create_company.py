import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from crm.audit import AuditedCommand
from crm.errors import DomainError
from crm.services import company_create


class Command(AuditedCommand):
    help = "Create a company (tenant) and its first owner."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The company's name.")
        parser.add_argument("--owner-email", required=True, help="E-mail of the first owner.")
        parser.add_argument(
            "--password",
            help="Password for a new owner account. Omitted: one is generated and printed.",
        )
        parser.add_argument("--slug", help="Short unique name; derived from the name if omitted.")
        parser.add_argument("--currency", default="EUR", help="ISO 4217 code (default EUR).")

    def handle(self, *args, **options):
        password = options["password"]
        # Creating the tenant itself: there is no company scope to enter yet.
        with scopes_disabled():
            owner_exists = (
                get_user_model().objects.filter(email__iexact=options["owner_email"]).exists()
            )
            generated = not password and not owner_exists
            if generated:
                password = secrets.token_urlsafe(12)
            try:
                company, membership = company_create(
                    name=options["name"],
                    owner_email=options["owner_email"],
                    owner_password=password,
                    slug=options["slug"],
                    currency=options["currency"],
                )
            except DomainError as error:
                raise CommandError(error.message) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("Created company “%(name)s” (%(slug)s).")
                % {"name": company.name, "slug": company.slug}
            )
        )
        self.stdout.write(_("Owner login: %(login)s") % {"login": membership.user.username})
        if generated:
            self.stdout.write(
                _("Password: %(password)s  (shown once; change it after logging in)")
                % {"password": password}
            )
