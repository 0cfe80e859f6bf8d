"""Every existing company gets the predefined customer roles (Administrator, Buyer, Guest) with
the levels the apps register for them; new companies get them from ``customer_roles_ensure``."""

from django.db import migrations

ROLES = [
    ("administrator", "Administrator", "Manages the customer's users and roles; sees everything."),
    ("buyer", "Buyer", "Accepts quotations, pays orders and redeems gift cards."),
    ("guest", "Guest", "Sees quotations, orders and the balance; changes nothing."),
]


def create_roles(apps, schema_editor):
    from crm.access import portal_record_types

    Company = apps.get_model("crm", "Company")
    Role = apps.get_model("customers", "CustomerRole")
    Permission = apps.get_model("customers", "CustomerRolePermission")
    for company in Company.objects.all():
        for key, name, description in ROLES:
            if Role.objects.filter(company=company, customer=None, key=key).exists():
                continue
            role = Role.objects.create(
                company=company, key=key, name=name, description=description
            )
            Permission.objects.bulk_create(
                Permission(
                    company=company,
                    role=role,
                    record_type=record_type.label,
                    action=action,
                    level=level,
                )
                for record_type in portal_record_types()
                for action, level in record_type.defaults.get(key, {}).items()
            )


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0011_portal_users"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
