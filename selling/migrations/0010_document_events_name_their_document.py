"""A quotation's or order's steps mirrored on its opportunity or customer name the document in
``data["about"]`` now, so a timeline can leave them out for those who may not view it; the
events written before carry only its number, which finds it."""

from django.db import migrations


def name_the_documents(apps, schema_editor):
    system_event = apps.get_model("crm", "SystemEvent")
    content_type = apps.get_model("contenttypes", "ContentType")
    documents = [
        (apps.get_model("selling", "Quotation"), "selling.quotation"),
        (apps.get_model("selling", "SalesOrder"), "selling.salesorder"),
    ]
    on_documents = content_type.objects.filter(
        app_label="selling", model__in=["quotation", "salesorder"]
    ).values_list("pk", flat=True)
    events = (
        system_event.objects.filter(data__has_key="document")
        .exclude(data__has_key="about")
        .exclude(owner_type_id__in=list(on_documents))
    )
    for event in events.iterator():
        number = event.data.get("document")
        for model, label in documents:
            pk = (
                model.objects.filter(company_id=event.company_id, number=number)
                .values_list("pk", flat=True)
                .first()
            )
            if pk is not None:
                event.data = {**event.data, "about": {"model": label, "pk": pk}}
                event.save(update_fields=["data"])
                break


class Migration(migrations.Migration):
    dependencies = [
        ("selling", "0009_change_history"),
        ("crm", "0015_system_event_portal_kind"),
    ]

    operations = [
        migrations.RunPython(name_the_documents, migrations.RunPython.noop),
    ]
