"""Demo timeline: a dozen notes, calls, meetings, tasks and events on the company and its rows.

Generic on purpose: every company-owned model that sets ``timeline_enabled = True`` (records a
salesperson works on: partners, contacts, later leads and customers) gets a few entries, so
records other apps add later show a lived-in timeline too. Link rows and memberships do not.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.event_text import event_message, model_name
from crm.models import Activity, Company, Membership, SystemEvent
from crm.timeline import activity_add, activity_log_event, task_complete, timeline_owner_models

NOTES = [
    "Prefers e-mail over phone; answers fastest before 10:00.",
    "Budget for next quarter is approved; decision by the end of the month.",
    "Asked for references from two customers in the same industry.",
]
CALL_OUTCOMES = [
    "Interested, send the price list",
    "Left a voicemail",
    "Agreed on a follow-up meeting",
]
MEETING_PLACES = ["Their office", "Video call", "Trade fair booth B12"]
TASKS = [
    "Send the revised quotation",
    "Prepare the product demo",
    "Confirm delivery dates with the warehouse",
    "Call back about the contract terms",
]


def _owners(company: Company, per_model: int = 2) -> list:
    owners: list = [company]
    for model in timeline_owner_models():
        owners.extend(model._default_manager.filter(company=company).order_by("pk")[:per_model])
    return owners


def _has_timeline(owner) -> bool:
    return Activity.objects.filter(
        owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk
    ).exists()


def seed_timeline(company: Company, rnd: random.Random) -> None:
    users = [
        membership.user
        for membership in Membership.objects.filter(company=company).select_related("user")
    ]
    now = timezone.now()
    for index, owner in enumerate(_owners(company)):
        if _has_timeline(owner):
            continue  # re-running adds nothing
        author = rnd.choice(users) if users else None
        activity_log_event(
            owner=owner,
            kind=SystemEvent.Kind.CREATED,
            message=event_message(gettext_noop("%(record)s created."), record=model_name(owner)),
            data={"source": "demo"},
        )
        for note in NOTES if index == 0 else [rnd.choice(NOTES)]:
            activity_add(
                owner=owner,
                kind="note",
                actor=author,
                body=note,
                occurred_at=now - timedelta(days=rnd.randint(5, 20), minutes=rnd.randint(0, 600)),
            )
        activity_add(
            owner=owner,
            kind="call",
            actor=author,
            direction=rnd.choice(["in", "out"]),
            duration_minutes=rnd.randint(3, 40),
            outcome=rnd.choice(CALL_OUTCOMES),
            occurred_at=now - timedelta(days=rnd.randint(1, 4), hours=rnd.randint(0, 8)),
        )
        starts_at = (now + timedelta(days=rnd.randint(-10, 10))).replace(
            minute=0, second=0, microsecond=0
        )
        activity_add(
            owner=owner,
            kind="meeting",
            actor=author,
            body="Walk through the offer and next steps.",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            location=rnd.choice(MEETING_PLACES),
        )
        for offset, title in enumerate(rnd.sample(TASKS, 2 if index else 3)):
            task = activity_add(
                owner=owner,
                kind="task",
                actor=author,
                title=title,
                due_date=timezone.localdate() + timedelta(days=rnd.randint(-3, 10)),
                assigned_to=rnd.choice(users) if users else None,
                occurred_at=now - timedelta(hours=offset + 1),
            )
            if offset == 1:
                task_complete(task=task, actor=author)
        if index == 0:
            activity_log_event(
                owner=owner,
                kind=SystemEvent.Kind.STATUS_CHANGE,
                message=event_message(gettext_noop("Demo data loaded.")),
                data={"from": None, "to": "demo"},
            )
