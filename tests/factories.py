"""factory-boy factories for every model. Company-owned factories take ``company``."""

import factory
from django.contrib.auth import get_user_model

from crm.models import Company, Membership

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")
    currency = "EUR"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    company = factory.SubFactory(CompanyFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.SALESPERSON


# --- addressbook -----------------------------------------------------------------------------

from django.contrib.contenttypes.models import ContentType  # noqa: E402

from addressbook.models import Address, AddressLink, Contact, ContactLink  # noqa: E402


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    company = factory.SubFactory(CompanyFactory)
    street = factory.Sequence(lambda n: f"{n + 1} Market Street")
    postal_code = factory.Sequence(lambda n: f"{10000 + n}")
    city = "Berlin"
    country = "DE"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    company = factory.SubFactory(CompanyFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    job_title = "Buyer"
    email = factory.Sequence(lambda n: f"contact{n}@example.com")


class _OwnerLinkFactory(factory.django.DjangoModelFactory):
    """Pass ``owner=``; the owner's company is the link's company unless given."""

    class Meta:
        abstract = True
        exclude = ["owner"]

    owner = factory.LazyAttribute(lambda o: o.company)
    owner_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.owner))
    owner_id = factory.LazyAttribute(lambda o: o.owner.pk)


class AddressLinkFactory(_OwnerLinkFactory):
    class Meta:
        model = AddressLink

    company = factory.SubFactory(CompanyFactory)
    address = factory.SubFactory(AddressFactory, company=factory.SelfAttribute("..company"))
    purpose = AddressLink.Purpose.OFFICE


class ContactLinkFactory(_OwnerLinkFactory):
    class Meta:
        model = ContactLink

    company = factory.SubFactory(CompanyFactory)
    contact = factory.SubFactory(ContactFactory, company=factory.SelfAttribute("..company"))
    role = "Purchasing"
