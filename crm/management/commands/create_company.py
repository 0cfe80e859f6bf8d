import secrets

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from crm.errors import DomainError
from crm.services import company_create


class Command(BaseCommand):
    help = "Create a company (tenant) and its first owner."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The company's name.")
        parser.add_argument("--owner-email", required=True, help="E-mail of the first owner.")
        parser.add_argument(
            "--password",
            help="The owner's password (a new account only). Omitted: one is generated and printed.",
        )
        parser.add_argument("--slug", help="Short unique name; derived from the name if omitted.")
        parser.add_argument("--currency", default="EUR", help="ISO 4217 code (default EUR).")

    def handle(self, *args, **options):
        password = options["password"]
        generated = False
        # No company exists yet, so there is no scope to enter: creating the tenant itself.
        with scopes_disabled():
            from django.contrib.auth import get_user_model

            if (
                not password
                and not get_user_model()
                .objects.filter(email__iexact=options["owner_email"])
                .exists()
            ):
                password = secrets.token_urlsafe(12)
                generated = True
            try:
                company, membership = company_create(
                    name=options["name"],
                    owner_email=options["owner_email"],
                    owner_password=password if (generated or options["password"]) else None,
                    slug=options["slug"],
                    currency=options["currency"],
                )
            except DomainError as error:
                raise CommandError(error.message) from error
        self.stdout.write(
            self.style.SUCCESS(f"Created company “{company.name}” (slug {company.slug}).")
        )
        self.stdout.write(f"Owner: {membership.user.username}")
        if generated:
            self.stdout.write(f"Password: {password}  (shown once; change it after logging in)")
