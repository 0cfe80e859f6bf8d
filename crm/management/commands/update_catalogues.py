"""Bring the translation catalogues up to date with the code (`make messages`): new strings
arrive untranslated (the suite fails until they are translated), dropped ones go."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from crm.i18n import MAKEMESSAGES_OPTIONS, catalogue_paths


class Command(BaseCommand):
    help = "Update the .po catalogues from the code (needs GNU gettext's xgettext)."

    def handle(self, *args, **options):
        call_command("makemessages", verbosity=0, **MAKEMESSAGES_OPTIONS)
        for path in catalogue_paths():
            self.stdout.write(f"updated {path}")
