"""The portal's own sign-in: a session of its own (its own cookie), holding a customer user.

Staff sign in with Django's auth and the ``sessionid`` cookie; customer users sign in here, and
their session lives under ``PORTAL_SESSION_COOKIE``. Neither session opens the other side: a
staff user on ``/portal/`` is no customer user, and a customer user on a staff page is nobody
to Django's auth. The session remembers a hash of the password, so changing it ends every other
session of that user.
"""

from importlib import import_module

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django_scopes import scope, scopes_disabled

from crm import rls
from customers.models import CustomerUser
from customers.portal_users import session_hash

__all__ = ["PORTAL_SESSION_COOKIE", "portal_login", "portal_logout", "session_customer_user"]

PORTAL_SESSION_COOKIE = "crm_portal_session"
USER_KEY = "portal_user_id"
COMPANY_KEY = "portal_company_id"
HASH_KEY = "portal_user_hash"


def session_store(session_key: str | None):
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key)


def session_customer_user(session) -> CustomerUser | None:
    """The active customer user the portal session holds, if the password still fits."""
    pk, company_id = session.get(USER_KEY), session.get(COMPANY_KEY)
    if not pk or not company_id:
        return None
    rls.activate(user_id=None, company_id=company_id)
    with scopes_disabled():
        user = (
            CustomerUser.objects.filter(pk=pk, company_id=company_id, is_active=True)
            .select_related("company", "customer__customer_group", "customer__customer_type")
            .first()
        )
    if user is None or not constant_time_compare(session.get(HASH_KEY, ""), session_hash(user)):
        session.flush()
        return None
    return user


def portal_login(request, user: CustomerUser) -> None:
    """Start a new portal session for ``user`` (a new key: no fixation)."""
    session = request.portal_session
    rls.activate(user_id=None, company_id=user.company_id)
    session.cycle_key()
    session[USER_KEY] = user.pk
    session[COMPANY_KEY] = user.company_id
    session[HASH_KEY] = session_hash(user)
    # The sign-in page runs before any company is known: enter the user's company to write.
    with scope(company=user.company):
        CustomerUser.objects.filter(company=user.company_id, pk=user.pk).update(
            last_login=timezone.now()
        )
    request.customer_user = user


def portal_logout(request) -> None:
    request.portal_session.flush()
    request.customer_user = None
