"""Opportunities keep the names of their lead they are searched by (leads.lead_names): the
column, the existing opportunities' names, and the trigram index over the title and the names."""

from django.db import migrations, models

from crm.ui.search import AddSearchIndex, RemoveSearchIndex


def fill_lead_names(apps, schema_editor):
    from leads.lead_names import OPPORTUNITY_LEAD_NAMES

    # The owner runs migrations: no company scope and no row-level security to enter.
    opportunities = apps.get_model("leads", "Opportunity")._base_manager.filter(lead__isnull=False)
    OPPORTUNITY_LEAD_NAMES.refresh(opportunities, models_={"Lead": apps.get_model("leads", "Lead")})


class Migration(migrations.Migration):
    dependencies = [("leads", "0016_stage_stay_figures")]

    operations = [
        migrations.AddField(
            model_name="opportunity",
            name="lead_names",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="names searched"
            ),
        ),
        migrations.RunPython(fill_lead_names, migrations.RunPython.noop, elidable=True),
        RemoveSearchIndex(model_name="opportunity", fields=("title",), name="opp_search_trgm"),
        AddSearchIndex(
            model_name="opportunity", fields=("title", "lead_names"), name="opp_search_trgm"
        ),
    ]
