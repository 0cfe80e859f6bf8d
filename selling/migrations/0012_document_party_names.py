"""Quotations and orders keep the names they are searched by (selling.party_names): the column,
the existing documents' names, and the trigram indexes over the number and the names."""

from django.db import migrations, models

from crm.ui.search import AddSearchIndex, RemoveSearchIndex


def fill_party_names(apps, schema_editor):
    from selling.party_names import ORDER_NAMES, QUOTATION_NAMES

    # The owner runs migrations: no company scope and no row-level security to enter.
    found = {
        "Customer": apps.get_model("customers", "Customer"),
        "CustomerLink": apps.get_model("customers", "CustomerLink"),
        "Opportunity": apps.get_model("leads", "Opportunity"),
    }
    for name, names in (("Quotation", QUOTATION_NAMES), ("SalesOrder", ORDER_NAMES)):
        model = apps.get_model("selling", name)
        names.refresh(model._base_manager.all(), models_=found)


class Migration(migrations.Migration):
    dependencies = [
        ("selling", "0011_booked_day_figures"),
        ("customers", "0018_customerlink_lead_created_at"),
        ("leads", "0012_lead_status_index_holds_salesperson"),
    ]

    operations = [
        migrations.AddField(
            model_name="quotation",
            name="party_names",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="names searched"
            ),
        ),
        migrations.AddField(
            model_name="salesorder",
            name="party_names",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="names searched"
            ),
        ),
        migrations.RunPython(fill_party_names, migrations.RunPython.noop, elidable=True),
        RemoveSearchIndex(model_name="quotation", fields=("number",), name="qtn_search_trgm"),
        RemoveSearchIndex(model_name="salesorder", fields=("number",), name="so_search_trgm"),
        AddSearchIndex(
            model_name="quotation", fields=("number", "party_names"), name="qtn_search_trgm"
        ),
        AddSearchIndex(
            model_name="salesorder", fields=("number", "party_names"), name="so_search_trgm"
        ),
    ]
