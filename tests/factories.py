"""factory-boy factories for every model. Company-owned factories take ``company``."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from crm.models import (
    Company,
    IndividualPartner,
    Membership,
    OrganizationPartner,
    Product,
    Salesperson,
)

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


class SalespersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Salesperson

    company = factory.SubFactory(CompanyFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"seller{n}@example.com")
    phone = factory.Sequence(lambda n: f"+49 30 555 {n:04d}")


class IndividualPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndividualPartner

    company = factory.SubFactory(CompanyFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    name = factory.LazyAttribute(lambda o: f"{o.first_name} {o.last_name}")
    email = factory.Sequence(lambda n: f"partner{n}@example.com")
    phone = factory.Sequence(lambda n: f"+49 171 {n:07d}")
    commission_rate = Decimal("5.00")


class OrganizationPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationPartner

    company = factory.SubFactory(CompanyFactory)
    organization_name = factory.Faker("company")
    name = factory.LazyAttribute(lambda o: o.organization_name)
    tax_id = factory.Sequence(lambda n: f"DE{n:09d}")
    website = "https://partner.example.com"
    email = factory.Sequence(lambda n: f"org{n}@example.com")
    phone = factory.Sequence(lambda n: f"+31 20 {n:07d}")
    commission_rate = Decimal("10.00")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    company = factory.SubFactory(CompanyFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    unit_price = Decimal("100.00")
    vat_rate = Decimal("20.00")
