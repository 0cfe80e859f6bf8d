"""The timeline: notes, calls, meetings, tasks and system events on any record (generic owner)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from django_scopes.manager import DisabledQuerySet
from polymorphic.managers import PolymorphicManager
from polymorphic.models import PolymorphicModel
from polymorphic.query import PolymorphicQuerySet

from crm.event_text import render_event

from .tenancy import Company, CompanyOwned

__all__ = ["Activity", "Call", "Meeting", "Note", "SystemEvent", "Task"]


class _DisabledPolymorphicQuerySet(DisabledQuerySet, PolymorphicQuerySet):
    """Raises ScopeError like django-scopes' disabled queryset, yet is still polymorphic."""


def _scoped_polymorphic_manager():
    """django-scopes' manager over django-polymorphic's: scoped, and children come back typed.

    Outside a scope django-scopes hands out a plain disabled queryset; wrapping it in a
    polymorphic one keeps polymorphic's system check (W002) quiet and still raises ScopeError.
    """
    manager = ScopedManager(company="company", _manager_class=PolymorphicManager)
    base_class = type(manager)

    class Manager(base_class):
        def get_queryset(self):
            queryset = super().get_queryset()
            if isinstance(queryset, DisabledQuerySet) and not isinstance(
                queryset, PolymorphicQuerySet
            ):
                return _DisabledPolymorphicQuerySet(
                    self.model, using=self._db, missing_scopes=queryset.missing_scopes
                )
            return queryset

    return Manager()


class Activity(PolymorphicModel, CompanyOwned):
    """One entry on a record's timeline. The owner is any company-owned row, or the company."""

    owner_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("owner type")
    )
    owner_id = models.PositiveBigIntegerField(_("owner id"))
    owner = GenericForeignKey("owner_type", "owner_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    body = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = _scoped_polymorphic_manager()

    # Short machine name of each subtype, used by the add form and the icons.
    kind = ""

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(
                fields=["company", "owner_type", "owner_id", "-occurred_at"],
                name="activity_owner_time_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name}: {self.summary}"

    @property
    def text(self) -> str:
        """What the entry says, as shown to the reader."""
        return self.body

    @property
    def summary(self) -> str:
        text = self.text.strip()
        return text.splitlines()[0][:80] if text else ""

    def owner_url(self) -> str:
        """Where the owner's page is: the settings page for the company itself."""
        return owner_url(self.owner)


def owner_url(owner) -> str:
    if isinstance(owner, Company):
        return reverse("crm:settings")
    get_url = getattr(owner, "get_absolute_url", None)
    if get_url is None:
        return ""
    try:
        return get_url()
    except NoReverseMatch:
        return ""


class Note(Activity):
    kind = "note"

    objects = _scoped_polymorphic_manager()

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")


class Call(Activity):
    kind = "call"

    class Direction(models.TextChoices):
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")

    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.OUTBOUND
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)

    objects = _scoped_polymorphic_manager()

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    @property
    def summary(self) -> str:
        return self.outcome or super().summary


class Meeting(Activity):
    kind = "meeting"

    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    location = models.CharField(_("location"), max_length=200, blank=True)

    objects = _scoped_polymorphic_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gte=models.F("starts_at")),
                name="meeting_ends_after_start",
                violation_error_message=_("A meeting cannot end before it starts."),
            )
        ]


class Task(Activity):
    kind = "task"

    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done = models.BooleanField(_("done"), default=False)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )

    objects = _scoped_polymorphic_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["done", "due_date"], name="task_open_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(done=False, done_at__isnull=True)
                | models.Q(done=True, done_at__isnull=False),
                name="task_done_has_done_at",
            )
        ]

    @property
    def summary(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return not self.done and self.due_date is not None and self.due_date < timezone.localdate()


class SystemEvent(Activity):
    """Recorded by services (conversions, status changes); never added or deleted by hand."""

    kind = "system"

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS_CHANGE = "status_change", _("Status change")
        STAGE_CHANGE = "stage_change", _("Stage change")
        CONVERSION = "conversion", _("Conversion")
        # Done by a customer user on the portal, or about their portal access.
        PORTAL = "portal", _("Portal")
        # A quotation or an order e-mailed to the customer (selling.mailing).
        EMAIL = "email", _("E-mail")
        OTHER = "other", _("Other")

    event_kind = models.CharField(
        _("event"), max_length=30, choices=Kind.choices, default=Kind.OTHER
    )
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects = _scoped_polymorphic_manager()

    class Meta:
        verbose_name = _("system event")
        verbose_name_plural = _("system events")

    @property
    def text(self) -> str:
        """In the reader's language (``crm.event_text``), not the writer's."""
        return render_event(self)
