"""Loads the portal session and keeps the two sides apart (see ``portal.auth``)."""

import time

from django.conf import settings
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date
from django_scopes import scope

from crm import rls
from portal.auth import PORTAL_SESSION_COOKIE, session_customer_user, session_store

PORTAL_PREFIX = "/portal/"
# Paths a customer user's browser may still fetch outside the portal.
_SHARED_PREFIXES = ("/static/", "/favicon", "/robots.txt")
_STAFF_ACCOUNT_PREFIXES = ("/accounts/", "/admin/")


def _needs_staff_login(path: str) -> bool:
    """Whether ``path`` is a staff page: one behind the staff login, or the staff's own sign-in
    and password pages. Public pages (a company's web form) are open to anyone."""
    if path.startswith(_STAFF_ACCOUNT_PREFIXES):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return getattr(match.func, "login_required", True)


class PortalMiddleware:
    """Sets ``request.portal_session`` and ``request.customer_user`` (or None).

    On ``/portal/`` the view runs in the customer user's company scope (and row-level security
    company); ``request.company`` is that company. Elsewhere, a browser that holds a portal
    session and no staff login is sent to the portal instead of a staff page or the staff login:
    a customer user never meets a staff page. Public pages (a web form) stay open to them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.portal_session = session_store(request.COOKIES.get(PORTAL_SESSION_COOKIE))
        request.customer_user = None
        in_portal = request.path_info.startswith(PORTAL_PREFIX)
        if not in_portal:
            if (
                PORTAL_SESSION_COOKIE in request.COOKIES
                and not request.user.is_authenticated
                and not request.path_info.startswith(_SHARED_PREFIXES)
                and _needs_staff_login(request.path_info)
                and session_customer_user(request.portal_session) is not None
            ):
                return redirect(reverse("portal:login"))
            return self.get_response(request)

        user = session_customer_user(request.portal_session)
        request.customer_user = user
        if user is None:
            rls.activate(user_id=None, company_id=None)
            response = self.get_response(request)
        else:
            request.company = user.company
            rls.activate(user_id=None, company_id=user.company_id)
            with scope(company=user.company):
                response = self.get_response(request)
        return self._save(request, response)

    def _save(self, request, response):
        """Store the portal session and its cookie, as Django's SessionMiddleware does."""
        session = request.portal_session
        if PORTAL_SESSION_COOKIE in request.COOKIES and session.is_empty():
            response.delete_cookie(PORTAL_SESSION_COOKIE, path="/")
            patch_vary_headers(response, ("Cookie",))
            return response
        if session.accessed:
            patch_vary_headers(response, ("Cookie",))
        if session.modified and not session.is_empty() and response.status_code < 500:
            max_age = session.get_expiry_age()
            session.save()
            response.set_cookie(
                PORTAL_SESSION_COOKIE,
                session.session_key,
                max_age=max_age,
                expires=http_date(time.time() + max_age),
                path="/",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
