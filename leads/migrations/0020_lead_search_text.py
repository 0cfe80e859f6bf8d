"""The lead's search document, uppercased, as a column the database keeps (``search_text``,
``crm.ui.search.stored_search_text``), and the trigram index over that column instead of over
the expression: a search no longer works the text out for every row it reads.

On PostgreSQL adding a stored generated column rewrites the table (about two minutes at a
million leads on a small machine), with the table locked meanwhile.
"""

import django.db.models.functions.text
from django.db import migrations, models

from crm.ui.search import AddSearchIndex, RemoveSearchIndex


class Migration(migrations.Migration):
    dependencies = [("leads", "0019_lead_count_figures")]

    operations = [
        RemoveSearchIndex(
            model_name="lead",
            fields=("first_name", "last_name", "organization_name", "email", "phone"),
            name="lead_search_trgm",
        ),
        migrations.AddField(
            model_name="lead",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Upper(
                    django.db.models.functions.text.Concat(
                        models.F("first_name"),
                        models.Value(" "),
                        models.F("last_name"),
                        models.Value(" "),
                        models.F("organization_name"),
                        models.Value(" "),
                        models.F("email"),
                        models.Value(" "),
                        models.F("phone"),
                        output_field=models.TextField(),
                    )
                ),
                output_field=models.TextField(),
                verbose_name="search text",
            ),
        ),
        AddSearchIndex(
            model_name="lead",
            fields=("search_text",),
            name="lead_search_text_trgm",
            stored=True,
        ),
    ]
