"""Fail when the code holds a string the translation catalogues lack (or they keep one the
code dropped): `make messages` brings them up to date. CI runs it; it needs GNU gettext's
xgettext, as Django's makemessages does, and leaves the catalogues as they were."""

from pathlib import Path

import polib
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from crm.i18n import MAKEMESSAGES_OPTIONS, catalogue_paths


def _msgids(path: Path) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(path)) if not entry.obsolete}


class Command(BaseCommand):
    help = "Check that the translation catalogues hold exactly the strings the code marks."

    def handle(self, *args, **options):
        paths = catalogue_paths()
        if not paths:
            raise CommandError("No catalogue under locale/: run `make messages`.")
        before = {path: (path.read_bytes(), _msgids(path)) for path in paths}
        try:
            call_command("makemessages", verbosity=0, **MAKEMESSAGES_OPTIONS)
            after = {path: _msgids(path) for path in paths}
        finally:
            for path, (content, _ids) in before.items():
                path.write_bytes(content)
        problems = []
        for path, (_content, old) in before.items():
            new = after[path]
            for _context, msgid in sorted(new - old, key=str):
                problems.append(f"{path}: not in the catalogue: {msgid!r}")
            for _context, msgid in sorted(old - new, key=str):
                problems.append(f"{path}: no longer in the code: {msgid!r}")
        if problems:
            raise CommandError(
                "The catalogues are out of date; run `make messages`, translate, commit.\n"
                + "\n".join(problems)
            )
        self.stdout.write(f"{len(paths)} catalogue(s) up to date.")
