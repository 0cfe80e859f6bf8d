"""The list's search box on PostgreSQL: a trigram index over the search columns (crm.ui.search).
Nothing happens on SQLite."""

from django.db import migrations

from crm.ui.search import AddSearchIndex


class Migration(migrations.Migration):
    dependencies = [("selling", "0002_list_indexes")]

    operations = [
        AddSearchIndex(
            model_name="quotation",
            fields=('number',),
            name="qtn_search_trgm",
        ),
        AddSearchIndex(
            model_name="salesorder",
            fields=('number',),
            name="so_search_trgm",
        ),
    ]
