"""factory-boy factories for every model. Company-owned factories take ``company``."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from addressbook.models import Address, AddressLink, Contact, ContactLink
from crm.models import (
    Call,
    Company,
    IndividualPartner,
    Meeting,
    Membership,
    Note,
    OrganizationPartner,
    Product,
    Salesperson,
    SavedView,
    SystemEvent,
    Task,
)

DEFAULT_PASSWORD = "correct-horse-battery"
PORTAL_PASSWORD = "portal-pass-123"


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
    phone = factory.Sequence(lambda n: f"+4930555{n:04d}")


class IndividualPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndividualPartner

    company = factory.SubFactory(CompanyFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    name = factory.LazyAttribute(lambda o: f"{o.first_name} {o.last_name}")
    email = factory.Sequence(lambda n: f"partner{n}@example.com")
    phone = factory.Sequence(lambda n: f"+49171{2000000 + n}")
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
    phone = factory.Sequence(lambda n: f"+3120{2000000 + n}")
    commission_rate = Decimal("10.00")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    company = factory.SubFactory(CompanyFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    unit_price = Decimal("100.00")
    vat_rate = Decimal("20.00")


# --- timeline -----------------------------------------------------------------------------------


class ActivityFactoryBase(factory.django.DjangoModelFactory):
    """A timeline entry on the company itself unless ``owner`` is given."""

    class Meta:
        abstract = True
        exclude = ["owner"]

    company = factory.SubFactory(CompanyFactory)
    owner = factory.SelfAttribute("company")
    owner_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.owner))
    owner_id = factory.LazyAttribute(lambda o: o.owner.pk)
    author = None
    body = factory.Faker("sentence")


class NoteFactory(ActivityFactoryBase):
    class Meta:
        model = Note


class CallFactory(ActivityFactoryBase):
    class Meta:
        model = Call

    direction = Call.Direction.OUTBOUND
    duration_minutes = 10
    outcome = "Interested"


class MeetingFactory(ActivityFactoryBase):
    class Meta:
        model = Meeting

    starts_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
    location = "Their office"


class TaskFactory(ActivityFactoryBase):
    class Meta:
        model = Task

    title = factory.Sequence(lambda n: f"Follow up {n}")
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))


class SystemEventFactory(ActivityFactoryBase):
    class Meta:
        model = SystemEvent

    event_kind = SystemEvent.Kind.STATUS_CHANGE
    body = "Status changed."
    data = factory.LazyFunction(dict)


# --- addressbook -----------------------------------------------------------------------------


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


# --- leads -------------------------------------------------------------------------------------


class LeadSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.LeadSource"

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Source {n}")


class OpportunityStageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.OpportunityStage"

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Stage {n}")
    order = factory.Sequence(lambda n: n)
    probability = 10
    kind = "open"


class LostReasonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.LostReason"

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Reason {n}")


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.Lead"

    company = factory.SubFactory(CompanyFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    organization_name = factory.Faker("company")
    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    phone = factory.Sequence(lambda n: f"+4930777{n:04d}")
    status = "new"


class OpportunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.Opportunity"

    company = factory.SubFactory(CompanyFactory)
    title = factory.Sequence(lambda n: f"Opportunity {n}")
    stage = factory.SubFactory(OpportunityStageFactory, company=factory.SelfAttribute("..company"))
    probability = 10


class WishListItemFactory(factory.django.DjangoModelFactory):
    """On a lead unless ``opportunity`` is given."""

    class Meta:
        model = "leads.WishListItem"

    company = factory.SubFactory(CompanyFactory)
    lead = factory.SubFactory(LeadFactory, company=factory.SelfAttribute("..company"))
    opportunity = None
    product = factory.SubFactory(ProductFactory, company=factory.SelfAttribute("..company"))
    quantity = Decimal("2")


class OpportunityStageChangeFactory(factory.django.DjangoModelFactory):
    """A history row: by default the opportunity's opening row (no ``from_stage``)."""

    class Meta:
        model = "leads.OpportunityStageChange"

    company = factory.SubFactory(CompanyFactory)
    opportunity = factory.SubFactory(OpportunityFactory, company=factory.SelfAttribute("..company"))
    from_stage = None
    to_stage = factory.SelfAttribute("opportunity.stage")
    probability = factory.SelfAttribute("to_stage.probability")
    changed_at = factory.LazyFunction(timezone.now)


# --- customers ---------------------------------------------------------------------------------


class CustomerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.CustomerGroup"

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


class CustomerTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.CustomerType"

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Type {n}")
    is_business = True


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "customers.Customer"

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"Customer {n} Ltd")
    customer_type = factory.SubFactory(
        CustomerTypeFactory, company=factory.SelfAttribute("..company")
    )
    email = factory.Sequence(lambda n: f"customer{n}@example.com")

    class Params:
        # ``CustomerFactory(on_hold=True)``: on hold as ``customer_put_on_hold`` leaves it.
        on_hold = factory.Trait(
            status="on_hold",
            hold_reason="Two invoices overdue",
            held_at=factory.LazyFunction(timezone.now),
        )
        inactive = factory.Trait(status="inactive")


class CustomerUserFactory(factory.django.DjangoModelFactory):
    """A customer user who signs in with ``PORTAL_PASSWORD``. ``roles`` is a list of roles or
    the key of a predefined one ("administrator", "buyer" by default, "guest"; the company's
    predefined roles are created where missing)."""

    class Meta:
        model = "customers.CustomerUser"
        skip_postgeneration_save = True

    company = factory.SelfAttribute("customer.company")
    customer = factory.SubFactory(CustomerFactory)
    email = factory.Sequence(lambda n: f"buyer{n}@example.com")
    first_name = "Bea"
    last_name = factory.Sequence(lambda n: f"Buyer {n}")
    password = factory.LazyFunction(lambda: make_password(PORTAL_PASSWORD))

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create:
            return
        from customers.models import CustomerRole
        from customers.portal_users import customer_roles_ensure

        if extracted is None or isinstance(extracted, str):
            customer_roles_ensure(self.company)
            extracted = [
                CustomerRole.objects.get(
                    company=self.company, customer=None, key=extracted or "buyer"
                )
            ]
        self.set_roles(extracted)


class SavedViewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedView

    company = factory.SubFactory(CompanyFactory)
    owner = factory.SubFactory(UserFactory)
    list_key = "leads:lead_list"
    name = factory.Sequence(lambda n: f"View {n}")
    query = "status=qualified"
    shared = False
