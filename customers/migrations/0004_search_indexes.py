"""The list's search box on PostgreSQL: a trigram index over the search columns (crm.ui.search).
Nothing happens on SQLite."""

from django.db import migrations

from crm.ui.search import AddSearchIndex


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_list_indexes")]

    operations = [
        AddSearchIndex(
            model_name="customer",
            fields=('name', 'email', 'phone'),
            name="customer_search_trgm",
        ),
    ]
