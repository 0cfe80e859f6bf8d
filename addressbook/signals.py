"""When an owner record is deleted its link rows go too; the addresses and contacts stay."""

from django.contrib.contenttypes.models import ContentType

from addressbook.owners import COMPANY_LABEL, owner_model_for


def delete_links_of_owner(sender, instance, **kwargs) -> None:
    # post_delete runs before Django clears the instance's pk.
    model = owner_model_for(instance)
    if model is None or model._meta.label_lower == COMPANY_LABEL:
        # A deleted company takes its link rows with it through the company foreign key.
        return
    from addressbook.models import AddressLink, ContactLink

    owner_type = ContentType.objects.get_for_model(model)
    for link_model in (AddressLink, ContactLink):
        link_model.objects.filter(
            company_id=instance.company_id, owner_type=owner_type, owner_id=instance.pk
        ).delete()
