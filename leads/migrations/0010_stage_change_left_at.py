from django.db import migrations, models

# Each history row's stay ends at the opportunity's next row (by time, then id): the same order
# the services write them in. One statement, the same on PostgreSQL and SQLite; the
# (opportunity, changed_at) index serves the inner look-up.
FILL_LEFT_AT = """
UPDATE leads_opportunitystagechange
SET left_at = (
    SELECT later.changed_at
    FROM leads_opportunitystagechange AS later
    WHERE later.opportunity_id = leads_opportunitystagechange.opportunity_id
      AND (
        later.changed_at > leads_opportunitystagechange.changed_at
        OR (
          later.changed_at = leads_opportunitystagechange.changed_at
          AND later.id > leads_opportunitystagechange.id
        )
      )
    ORDER BY later.changed_at, later.id
    LIMIT 1
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0009_lead_indexes_for_import"),
    ]

    operations = [
        migrations.AddField(
            model_name="opportunitystagechange",
            name="left_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="left at"),
        ),
        migrations.RunSQL(FILL_LEFT_AT, reverse_sql=migrations.RunSQL.noop, elidable=True),
        migrations.AddIndex(
            model_name="opportunitystagechange",
            index=models.Index(
                fields=["company", "left_at", "to_stage", "changed_at"],
                name="stagechange_left_idx",
            ),
        ),
    ]
