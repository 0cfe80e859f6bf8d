"""Compile the translation catalogues (``locale/*/LC_MESSAGES/*.po`` -> ``.mo``) without GNU
gettext: `make setup` runs it, so a fresh machine needs nothing but Python."""

from django.core.management.base import BaseCommand

from crm.i18n import compile_catalogues


class Command(BaseCommand):
    help = "Compile the .po translation catalogues to .mo files (no gettext tools needed)."

    def handle(self, *args, **options):
        for path in compile_catalogues():
            self.stdout.write(f"compiled {path}")
