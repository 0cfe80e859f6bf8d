from django.db import migrations, models


def portal_events_get_their_kind(apps, schema_editor):
    """Events a customer user caused on the portal (they carry ``customer_user``) were "other"."""
    system_event = apps.get_model("crm", "SystemEvent")
    system_event.objects.filter(event_kind="other", data__has_key="customer_user").update(
        event_kind="portal"
    )


def portal_events_back_to_other(apps, schema_editor):
    apps.get_model("crm", "SystemEvent").objects.filter(event_kind="portal").update(
        event_kind="other"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0014_company_phone_region_phones_e164"),
    ]

    operations = [
        migrations.AlterField(
            model_name="systemevent",
            name="event_kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("status_change", "Status change"),
                    ("stage_change", "Stage change"),
                    ("conversion", "Conversion"),
                    ("portal", "Portal"),
                    ("other", "Other"),
                ],
                default="other",
                max_length=30,
                verbose_name="event",
            ),
        ),
        migrations.RunPython(portal_events_get_their_kind, portal_events_back_to_other),
    ]
