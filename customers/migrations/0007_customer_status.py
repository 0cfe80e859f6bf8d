"""Customer status: ``is_active`` becomes ``status`` (active, on hold, inactive) with the hold's
reason, time and author; inactive customers stay inactive. The list's index on the flag becomes
one on the status."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def flag_to_status(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    Customer._base_manager.filter(is_active=False).update(status="inactive")


def status_to_flag(apps, schema_editor):
    # Back to a flag: only inactive is not active (a hold has no place in a boolean).
    Customer = apps.get_model("customers", "Customer")
    Customer._base_manager.filter(status="inactive").update(is_active=False)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_balance_ledger"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="status",
            field=models.CharField(
                choices=[("active", "Active"), ("on_hold", "On hold"), ("inactive", "Inactive")],
                default="active",
                max_length=10,
                verbose_name="status",
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="hold_reason",
            field=models.CharField(
                blank=True,
                help_text="Why no new quotations or orders: shown wherever one would be made.",
                max_length=300,
                verbose_name="hold reason",
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="held_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="on hold since"
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="held_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="put on hold by",
            ),
        ),
        migrations.RunPython(flag_to_status, status_to_flag, elidable=False),
        migrations.RemoveIndex(model_name="customer", name="customer_company_active_idx"),
        migrations.RemoveField(model_name="customer", name="is_active"),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                fields=["company", "status", "name", "id"], name="customer_company_status_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.CheckConstraint(
                condition=models.Q(status__in=["active", "on_hold", "inactive"]),
                name="customer_status_known",
                violation_error_message="Choose one of the statuses offered.",
            ),
        ),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.CheckConstraint(
                condition=~models.Q(status="on_hold") | ~models.Q(hold_reason=""),
                name="customer_on_hold_has_reason",
                violation_error_message="Say why the customer is on hold.",
            ),
        ),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.CheckConstraint(
                condition=models.Q(status="on_hold")
                | models.Q(hold_reason="", held_at__isnull=True, held_by__isnull=True),
                name="customer_hold_only_when_on_hold",
                violation_error_message="Only a customer on hold has a hold reason.",
            ),
        ),
    ]
