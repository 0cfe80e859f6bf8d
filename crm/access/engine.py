"""Decides how far a user's action reaches among a company's records of one type.

``level_for`` answers with a ``Level`` (company, team, own, none); ``access_filter`` turns it
into a queryset filter and ``can`` into a yes or no for one row. Everything a user may do to a
registered record type goes through here, so a list, a detail page, an edit form and a bulk
action agree. The company scope (django-scopes) stays underneath: levels only narrow it.

Costs, per request: nothing for the company level and the defaults; one query for the company's
overrides once an admin has saved any (then cached under ``Company.access_version``); one query
for the team tree when a team level is asked (remembered on the user for the request, and
cached under ``Company.lists_version``).
"""

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import models, transaction
from django.db.models import Q

from crm.access.defaults import FIXED_ROLES, default_level
from crm.access.registry import RecordType, portal_record_type_for, record_type_for
from crm.access.vocabulary import Level
from crm.models import Company, Membership, RoleAccessLevel, Salesperson
from crm.ui.choices import lists_cache_key

__all__ = [
    "access_filter",
    "can",
    "level_for",
    "prime_subject",
    "team_salesperson_ids",
    "viewable_rows",
]

_NOTHING = Q(pk__in=[])
TEAM_TREE_SECONDS = 60 * 60


@dataclass
class _Subject:
    """Who the user is in one company: their role and their salesperson row."""

    role: str | None
    salesperson_id: int | None
    is_superuser: bool = False
    team_ids: frozenset[int] | None = field(default=None)


def _subjects(user) -> dict[int, _Subject]:
    # Kept on the user object, which lives as long as the request (or the test) does.
    subjects = getattr(user, "_crm_access_subjects", None)
    if subjects is None:
        subjects = {}
        user._crm_access_subjects = subjects
    return subjects


def prime_subject(user, company: Company, *, membership, salesperson_id: int | None) -> None:
    """Hand over what the middleware already read, so the engine needs no query for it."""
    _subjects(user)[company.pk] = _Subject(
        role=membership.role if membership is not None else None,
        salesperson_id=salesperson_id,
        is_superuser=bool(user.is_superuser),
    )


def _subject(user, company: Company) -> _Subject:
    subjects = _subjects(user)
    if company.pk not in subjects:
        role = (
            Membership.objects.filter(company=company, user=user)
            .values_list("role", flat=True)
            .first()
        )
        salesperson_id = (
            Salesperson.objects.filter(company=company, user=user)
            .values_list("pk", flat=True)
            .first()
        )
        subjects[company.pk] = _Subject(
            role=role, salesperson_id=salesperson_id, is_superuser=bool(user.is_superuser)
        )
    return subjects[company.pk]


def _overrides(company: Company) -> dict[tuple[str, str, str], str]:
    """The company's saved levels by (role, record type, action); none saved: no query."""
    if not company.access_version:
        return {}
    key = f"access-levels:{company.pk}:{company.access_version}"
    found = cache.get(key)
    if found is None:
        found = {
            (role, record_type, action): level
            for role, record_type, action, level in RoleAccessLevel.objects.filter(
                company=company
            ).values_list("role", "record_type", "action", "level")
        }
        cache.set(key, found, 3600)
    return found


def role_level(company: Company, role: str, record_type: RecordType, action: str) -> str:
    """The level a role has in a company: the company's choice, else the default."""
    if action not in record_type.actions:
        return Level.NONE
    if role in FIXED_ROLES:
        return default_level(role, action)
    return _overrides(company).get((role, record_type.label, action), default_level(role, action))


def _is_customer_user(user) -> bool:
    return getattr(user, "is_customer_user", False)


def _portal_level(customer_user, company: Company, model, action: str) -> str:
    if customer_user.company_id != company.pk or not customer_user.is_active:
        return Level.NONE
    record_type = portal_record_type_for(model)
    if action not in record_type.actions:
        return Level.NONE
    return customer_user.portal_level(record_type.label, action)


def _portal_filter(customer_user, company: Company, model, action: str) -> Q:
    """Corporate: rows of the user's customer and its children; Department: of the customer;
    User: of the customer and the user's own; None: nothing."""
    level = _portal_level(customer_user, company, model, action)
    if level == Level.NONE:
        return _NOTHING
    record_type = portal_record_type_for(model)
    reach = record_type.for_customers(customer_user.customer_ids(level))
    if level == Level.OWN:
        if record_type.for_user is None:
            return _NOTHING
        reach &= record_type.for_user(customer_user.pk)
    return reach


def level_for(user, company: Company, model, action: str) -> str:
    """How far ``action`` on ``model``'s records reaches for ``user`` in ``company``: a staff
    user's by their role, a customer user's (``is_customer_user``) by their customer roles."""
    if _is_customer_user(user):
        return _portal_level(user, company, model, action)
    record_type = record_type_for(model)
    subject = _subject(user, company)
    if subject.is_superuser:
        return Level.COMPANY if action in record_type.actions else Level.NONE
    if subject.role is None:
        return Level.NONE
    return role_level(company, subject.role, record_type, action)


def team_salesperson_ids(company: Company, salesperson_id: int) -> frozenset[int]:
    """The salesperson and everyone below them in the manager tree.

    Salespeople are few per company, so the tree is read whole and walked here; a loop in the
    data (the model refuses one, but imports are imports) cannot make the walk spin.
    """
    below = _reports(company)
    team = {salesperson_id}
    waiting = [salesperson_id]
    while waiting:
        for child in below.get(waiting.pop(), ()):
            if child not in team:
                team.add(child)
                waiting.append(child)
    return frozenset(team)


def _reports(company: Company) -> dict[int, list[int]]:
    """Who reports to whom in ``company`` (manager id -> salesperson ids), from one query or
    from the cache kept under the company's lists version: every save or delete of a
    salesperson bumps it (``crm.ui.choices``; bulk writers bump it themselves). Written to the
    cache only outside a transaction: a tree read inside one that then rolls back would stay
    under a version number the next bump reuses."""
    key = f"team-tree:{lists_cache_key(company)}"
    below = cache.get(key)
    if below is not None:
        return below
    below = {}
    for pk, manager_id in Salesperson.objects.filter(company=company).values_list(
        "pk", "manager_id"
    ):
        if manager_id is not None:
            below.setdefault(manager_id, []).append(pk)
    if not transaction.get_connection().in_atomic_block:
        cache.set(key, below, TEAM_TREE_SECONDS)
    return below


def _owner_ids(user, company: Company, level: str) -> frozenset[int]:
    subject = _subject(user, company)
    if subject.salesperson_id is None:
        return frozenset()
    if level == Level.OWN:
        return frozenset({subject.salesperson_id})
    if subject.team_ids is None:
        subject.team_ids = team_salesperson_ids(company, subject.salesperson_id)
    return subject.team_ids


def access_filter(user, company: Company, model, action: str, *, via: str = "") -> Q:
    """A filter for ``model``'s queryset: the rows ``action`` reaches for ``user``.

    ``via`` filters another model's rows by a foreign key to ``model`` instead ("lead": the
    wish-list items of the leads the user reaches); rows without that key are not reached.
    Staff only: a customer user's reach is the portal registry's.
    """
    if _is_customer_user(user):
        if via:
            raise ValueError("access_filter(via=...) is for staff users")
        return _portal_filter(user, company, model, action)
    level = level_for(user, company, model, action)
    if level == Level.NONE:
        return _NOTHING
    prefix = f"{via}__" if via else ""
    linked = Q(**{f"{via}__isnull": False}) if via else Q()
    if level == Level.COMPANY:
        return linked
    owner = f"{prefix}{record_type_for(model).owner_field}"
    ids = _owner_ids(user, company, level)
    unassigned = Q(**{f"{owner}__isnull": True})
    reach = Q(**{f"{owner}__in": sorted(ids)}) | unassigned if ids else unassigned
    return linked & reach if via else reach


def viewable_rows(queryset: models.QuerySet, user, company: Company, action: str = "view"):
    """``queryset`` narrowed to the rows ``action`` reaches for ``user``. For staff, models the
    engine does not know pass unchanged; a customer user reaches only registered portal record
    types. Without a user (a command acting for the company) the queryset is unchanged."""
    if user is None:
        return queryset
    model = queryset.model
    if _is_customer_user(user):
        try:
            portal_record_type_for(model)
        except KeyError:
            return queryset.none()
    else:
        try:
            record_type_for(model)
        except KeyError:
            return queryset
    return queryset.filter(access_filter(user, company, model, action))


def can(user, company: Company, obj: models.Model, action: str) -> bool:
    """Whether ``action`` on this one row is within the user's level (for staff no query for
    the row; for a customer user one)."""
    if getattr(obj, "company_id", None) != company.pk:
        return False
    if _is_customer_user(user):
        # The row's customer may lie behind a link or a tree: the database answers.
        model = type(obj)
        condition = _portal_filter(user, company, model, action)
        if condition == _NOTHING:
            return False
        return model._default_manager.filter(condition, pk=obj.pk).exists()
    level = level_for(user, company, type(obj), action)
    if level in (Level.COMPANY, Level.NONE):
        return level == Level.COMPANY
    owner_id = getattr(obj, f"{record_type_for(obj).owner_field}_id")
    return owner_id is None or owner_id in _owner_ids(user, company, level)
