"""Saved views (``crm.models.SavedView``): which query a list keeps, who sees a view, who may
change it, and every write. Views, the demo seeder and tests call these; none repeats them.

A view belongs to one list page, named by its URL name (``leads:lead_list``). The core knows no
sales list: a list key is good when it names a URL without arguments whose view is a
``CompanyListView``, so every list that has filters can keep views without registering.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import (
    NoReverseMatch,
    Resolver404,
    get_script_prefix,
    get_urlconf,
    resolve,
    reverse,
)
from django.utils.translation import gettext as _

from crm.errors import DomainError
from crm.models import Company, Membership, SavedView
from crm.ui.choices import CACHE_SECONDS, lists_cache_key

# Where the list is, not what it shows: never part of a saved view. ``remember`` is the owner
# toggle's mark (crm.views.mixins.MyRecordsMixin): opening a view shows its scope, keeps none.
NOT_SAVED = frozenset({"page", "export", "csrfmiddlewaretoken", "remember"})
QUERY_MAX_LENGTH = SavedView._meta.get_field("query").max_length
NAME_MAX_LENGTH = SavedView._meta.get_field("name").max_length


def saved_query(query: str) -> str:
    """The query string a view keeps: without paging or export, empty values dropped, keys in
    a fixed order, so the same filters always read the same (and mark the same view active)."""
    pairs = [
        (key, value.strip())
        for key, value in parse_qsl(query or "", keep_blank_values=False)
        if key not in NOT_SAVED and value.strip()
    ]
    return urlencode(sorted(pairs))


def list_url(list_key: str) -> str | None:
    """The list page's URL, or None when ``list_key`` names no list that can keep views."""
    return _list_url(list_key, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@lru_cache(maxsize=256)
def _list_url(list_key: str, _urlconf: str, _prefix: str) -> str | None:
    # Reversed and resolved once per list (and URLconf and prefix): every list page asks.
    from crm.views.mixins import CompanyListView  # views import this module's selectors

    try:
        path = reverse(list_key)
        match = resolve(path)
    except (NoReverseMatch, Resolver404):
        return None
    view_class = getattr(match.func, "view_class", None)
    if view_class is None or not issubclass(view_class, CompanyListView):
        return None
    return path


def view_url(view: SavedView, base: str | None = None) -> str:
    """The list with the view's query: the one-click link."""
    base = base if base is not None else (list_url(view.list_key) or "")
    return f"{base}?{view.query}" if view.query else base


def is_company_admin(user, company: Company) -> bool:
    """Owners and admins of the company (and superusers) may rename or delete shared views."""
    if getattr(user, "is_superuser", False):
        return True
    return Membership.objects.filter(
        company=company, user=user, role__in=Membership.ADMIN_ROLES
    ).exists()


def visible_views(*, company: Company, user):
    """The user's own views and the company's shared ones; anyone else's private ones never."""
    return SavedView.objects.filter(company=company).filter(Q(owner=user) | Q(shared=True))


def can_change(view: SavedView, *, user, admin: bool) -> bool:
    """The owner may rename, share, unshare and delete; a company admin a shared view too."""
    return view.owner_id == getattr(user, "pk", None) or (admin and view.shared)


@dataclass(frozen=True)
class ViewLink:
    view: SavedView
    url: str
    active: bool
    mine: bool
    can_change: bool


_OWNER_NAME_FIELDS = frozenset({"username", "first_name", "last_name"})


def owner_saved(sender, instance, update_fields=None, **kwargs) -> None:
    """A saved view's "by …" note shows its owner's name, and the views are cached: a save of
    a user row that may change the name bumps the lists version of the user's companies (a
    sign-in, which writes ``last_login`` alone, does not). Connected in ``crm.apps``."""
    if update_fields is not None and not _OWNER_NAME_FIELDS & set(update_fields):
        return
    Company.objects.filter(memberships__user=instance).update(lists_version=F("lists_version") + 1)


def _offered_views(*, company: Company, user, list_key: str) -> list[SavedView]:
    """The rows behind ``list_saved_views``, cached under the company's lists version: every
    list page shows them, and they change rarely. A saved view's write bumps the version
    (``crm.apps`` registers the model with ``crm.ui.choices``), and so does a change to a
    member's name, which the "by …" note shows."""
    key = f"saved_views:{lists_cache_key(company)}:{user.pk}:{list_key}"
    rows = cache.get(key)
    if rows is None:
        rows = list(
            visible_views(company=company, user=user)
            .filter(list_key=list_key)
            .select_related("owner")
            .only(
                *(field.name for field in SavedView._meta.concrete_fields),
                "owner__username",
                "owner__first_name",
                "owner__last_name",
            )
        )
        cache.set(key, rows, CACHE_SECONDS)
    return rows


def list_saved_views(*, company: Company, user, list_key: str, query: str, admin: bool):
    """The views offered on one list page, in one query: the user's own first, then the shared
    ones, each with its link and whether the page shows it now."""
    base = list_url(list_key) or ""
    current = saved_query(query)
    links = [
        ViewLink(
            view=view,
            url=view_url(view, base),
            active=view.query == current,
            mine=view.owner_id == user.pk,
            can_change=can_change(view, user=user, admin=admin),
        )
        for view in _offered_views(company=company, user=user, list_key=list_key)
    ]
    links.sort(key=lambda link: (not link.mine, link.view.name.casefold(), link.view.pk))
    return links


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Give the view a name."), code="name")
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(
            _("The name is too long (at most %(max)d characters).") % {"max": NAME_MAX_LENGTH},
            code="name",
        )
    return name


def _name_taken(*, company: Company, owner_id: int, list_key: str, name: str, exclude=None):
    rows = SavedView.objects.filter(
        company=company, owner_id=owner_id, list_key=list_key, name__iexact=name
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.exists()


def _taken_error(name: str) -> DomainError:
    return DomainError(
        _("There is already a view called “%(name)s” on this list. Choose another name.")
        % {"name": name},
        code="name",
    )


@transaction.atomic
def saved_view_create(
    *, company: Company, owner, list_key: str, name: str, query: str, shared: bool = False
) -> SavedView:
    """Keep the list's current query under a name (unique per person and list)."""
    if list_url(list_key) is None:
        raise DomainError(_("Views can only be saved on a list page."), code="list")
    if not Membership.objects.filter(company=company, user=owner).exists() and not getattr(
        owner, "is_superuser", False
    ):
        raise DomainError(_("Only members of the company can save views in it."), code="member")
    name = _clean_name(name)
    query = saved_query(query)
    if len(query) > QUERY_MAX_LENGTH:
        raise DomainError(_("These filters are too long to save as a view."), code="query")
    if _name_taken(company=company, owner_id=owner.pk, list_key=list_key, name=name):
        raise _taken_error(name)
    try:
        with transaction.atomic():
            return SavedView.objects.create(
                company=company,
                owner=owner,
                list_key=list_key,
                name=name,
                query=query,
                shared=bool(shared),
            )
    except IntegrityError as error:  # the same name saved at the same moment
        raise _taken_error(name) from error


@transaction.atomic
def saved_view_update(*, view: SavedView, actor, name: str, shared: bool) -> SavedView:
    """Rename a view, or share or unshare it. The owner may; a company admin may rename a
    shared view but not make someone's view private or public."""
    view = SavedView.objects.select_for_update().get(pk=view.pk, company=view.company_id)
    admin = is_company_admin(actor, view.company)
    if not can_change(view, user=actor, admin=admin):
        raise DomainError(_("Only the view's owner can change it."), code="owner")
    name = _clean_name(name)
    if _name_taken(
        company=view.company,
        owner_id=view.owner_id,
        list_key=view.list_key,
        name=name,
        exclude=view.pk,
    ):
        raise _taken_error(name)
    view.name = name
    if view.owner_id == actor.pk:
        view.shared = bool(shared)
    view.save(update_fields=["name", "shared", "updated_at"])
    return view


@transaction.atomic
def saved_view_delete(*, view: SavedView, actor) -> None:
    """Delete a view: its owner, or a company admin when the view is shared."""
    view = SavedView.objects.select_for_update().get(pk=view.pk, company=view.company_id)
    if not can_change(view, user=actor, admin=is_company_admin(actor, view.company)):
        raise DomainError(_("Only the view's owner can delete it."), code="owner")
    view.delete()
