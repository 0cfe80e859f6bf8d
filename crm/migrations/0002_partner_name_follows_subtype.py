from django.db import migrations, models


def derive_partner_names(apps, schema_editor):
    """Existing partners may carry a typed or stale display name: make it from their fields."""
    IndividualPartner = apps.get_model("crm", "IndividualPartner")
    OrganizationPartner = apps.get_model("crm", "OrganizationPartner")
    for partner in IndividualPartner._base_manager.all():
        name = f"{partner.first_name} {partner.last_name}".strip()
        if name and name != partner.name:
            partner.name = name
            partner.save(update_fields=["name"])
    for partner in OrganizationPartner._base_manager.all():
        name = partner.organization_name.strip()
        if name and name != partner.name:
            partner.name = name
            partner.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="salespartner",
            name="name",
            field=models.CharField(
                blank=True,
                help_text="Made from the name on every save; shown in lists.",
                max_length=200,
                verbose_name="display name",
            ),
        ),
        migrations.RunPython(derive_partner_names, migrations.RunPython.noop),
    ]
