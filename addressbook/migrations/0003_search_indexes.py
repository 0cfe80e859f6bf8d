"""The list's search box on PostgreSQL: a trigram index over the search columns (crm.ui.search).
Nothing happens on SQLite."""

from django.db import migrations

from crm.ui.search import AddSearchIndex


class Migration(migrations.Migration):
    dependencies = [("addressbook", "0002_country_must_exist")]

    operations = [
        AddSearchIndex(
            model_name="address",
            fields=('label', 'street', 'street2', 'city', 'postal_code', 'region', 'country'),
            name="address_search_trgm",
        ),
        AddSearchIndex(
            model_name="contact",
            fields=('first_name', 'last_name', 'email', 'phone', 'mobile', 'job_title'),
            name="contact_search_trgm",
        ),
    ]
