from django.db import migrations, models

# Every opportunity converted from a lead gets its lead's created date: one statement, the same
# on PostgreSQL and SQLite (the lead's primary key serves the inner look-up).
FILL_LEAD_CREATED_AT = """
UPDATE leads_opportunity
SET lead_created_at = (
    SELECT lead.created_at FROM leads_lead AS lead WHERE lead.id = leads_opportunity.lead_id
)
WHERE lead_id IS NOT NULL
"""


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0010_stage_change_left_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="lead_created_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="lead created"),
        ),
        migrations.RunSQL(FILL_LEAD_CREATED_AT, reverse_sql=migrations.RunSQL.noop, elidable=True),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                condition=models.Q(("lead_created_at__isnull", False)),
                fields=["company", "lead_created_at"],
                name="opp_company_lead_created_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                fields=["company", "stage"],
                include=("expected_amount", "probability", "salesperson"),
                name="opp_company_stage_sums_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="opportunity",
            index=models.Index(
                fields=["company", "salesperson", "stage"],
                include=("expected_amount", "probability"),
                name="opp_company_seller_sums_idx",
            ),
        ),
    ]
