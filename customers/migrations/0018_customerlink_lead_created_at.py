from django.db import migrations, models

# Every link with a lead gets its lead's created date: one statement, the same on PostgreSQL and
# SQLite (the lead's primary key serves the inner look-up).
FILL_LEAD_CREATED_AT = """
UPDATE customers_customerlink
SET lead_created_at = (
    SELECT lead.created_at FROM leads_lead AS lead WHERE lead.id = customers_customerlink.lead_id
)
WHERE lead_id IS NOT NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0017_customer_phone_e164"),
        ("leads", "0011_opportunity_lead_created_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="customerlink",
            name="lead_created_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="lead created"),
        ),
        migrations.RunSQL(FILL_LEAD_CREATED_AT, reverse_sql=migrations.RunSQL.noop, elidable=True),
        migrations.AddIndex(
            model_name="customerlink",
            index=models.Index(
                condition=models.Q(("lead_created_at__isnull", False)),
                fields=["company", "lead_created_at"],
                name="customerlink_lead_created_idx",
            ),
        ),
    ]
