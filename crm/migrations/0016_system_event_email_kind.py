from django.db import migrations, models


def emails_get_their_kind(apps, schema_editor):
    """A quotation or an order e-mailed (``selling.mailing.log_sent``: its data names the
    e-mail and the document) was logged as "other"."""
    system_event = apps.get_model("crm", "SystemEvent")
    system_event.objects.filter(
        event_kind="other", data__has_keys=["email", "document", "to"]
    ).update(event_kind="email")


def emails_back_to_other(apps, schema_editor):
    apps.get_model("crm", "SystemEvent").objects.filter(event_kind="email").update(
        event_kind="other"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0015_system_event_portal_kind"),
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
                    ("email", "E-mail"),
                    ("other", "Other"),
                ],
                default="other",
                max_length=30,
                verbose_name="event",
            ),
        ),
        migrations.RunPython(emails_get_their_kind, emails_back_to_other),
    ]
