"""Every company that exists before customers did gets the Private and Business types and the
Standard group, as a new company does (customers.setup)."""

from django.db import migrations


def add_defaults(apps, schema_editor):
    Company = apps.get_model("crm", "Company")
    CustomerType = apps.get_model("customers", "CustomerType")
    CustomerGroup = apps.get_model("customers", "CustomerGroup")
    for company in Company.objects.all():
        if not CustomerType.objects.filter(company=company).exists():
            CustomerType.objects.bulk_create(
                [
                    CustomerType(company=company, name="Private", is_business=False),
                    CustomerType(company=company, name="Business", is_business=True),
                ]
            )
        if not CustomerGroup.objects.filter(company=company).exists():
            CustomerGroup.objects.create(company=company, name="Standard")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
