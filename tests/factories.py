"""factory-boy factories for every model. Company-owned factories take ``company``."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from crm.models import Call, Company, Meeting, Membership, Note, SystemEvent, Task

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
