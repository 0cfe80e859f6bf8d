"""The list's search box on PostgreSQL: a trigram index over the search columns (crm.ui.search).
Nothing happens on SQLite."""

from django.db import migrations

from crm.ui.search import AddSearchIndex


class Migration(migrations.Migration):
    dependencies = [("leads", "0003_list_indexes")]

    operations = [
        AddSearchIndex(
            model_name="lead",
            fields=('first_name', 'last_name', 'organization_name', 'email', 'phone'),
            name="lead_search_trgm",
        ),
        AddSearchIndex(
            model_name="opportunity",
            fields=('title',),
            name="opp_search_trgm",
        ),
    ]
