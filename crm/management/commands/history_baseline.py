"""Record the current state of every tracked record that has no change history yet.

    manage.py history_baseline

Run once after upgrading an existing install to the change history (crm.audit): a change is
shown as "from -> to" against the version before it, so a record's first change after the
upgrade needs this baseline to show what it changed from. Safe to run again: records that
already have a history are skipped. Rows are written in batches, as the owner of the tables.
"""

from django.apps import apps
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from crm.audit import AuditedCommand, is_tracked
from crm.progress import ProgressBar

BATCH = 2000


class Command(AuditedCommand):
    help = "Record a baseline version of every tracked record that has no change history yet."

    def handle(self, *args, **options):
        models = [model for model in apps.get_models() if is_tracked(model)]
        written: dict[str, int] = {}
        # Every company's records at once: a maintenance task across tenants, like migrate.
        with (
            scopes_disabled(),
            ProgressBar(total=len(models), stream=self.stderr, label=_("Tracked tables")) as bar,
        ):
            for model in models:
                written[model._meta.label] = self._baseline(model)
                bar.advance()
        for label, count in written.items():
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(
            self.style.SUCCESS(_("Recorded: %(count)d") % {"count": sum(written.values())})
        )

    def _baseline(self, model) -> int:
        history = model.history.model
        record_id = model._meta.pk.attname
        missing = model._base_manager.exclude(
            pk__in=history._base_manager.values(record_id)
        ).order_by("pk")
        count = 0
        batch = []
        for instance in missing.iterator(chunk_size=BATCH):
            batch.append(instance)
            if len(batch) >= BATCH:
                count += self._write(model, batch)
                batch = []
        if batch:
            count += self._write(model, batch)
        return count

    def _write(self, model, batch) -> int:
        rows = model.history.bulk_history_create(
            batch, batch_size=BATCH, default_change_reason="manage.py history_baseline"
        )
        return len(rows)
