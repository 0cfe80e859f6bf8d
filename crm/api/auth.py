"""Who an API request acts as: a token's user in the token's company, or a signed-in
session's user in the session's active company (the docs page; CSRF stays on for it)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_scopes import scope
from rest_framework import authentication, exceptions
from rest_framework.permissions import BasePermission

from crm.access.engine import prime_subject
from crm.api.tokens import api_token_find
from crm.models import Salesperson

KEYWORDS = (b"bearer", b"token")


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>`` (or ``Token <key>``). The request then acts as the
    token's user in the token's company, with that user's role and access levels there."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as “Authorization: Bearer <key>”, the key without spaces.")
            )
        try:
            key = header[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from error
        found = api_token_find(key)
        if found is None:
            raise exceptions.AuthenticationFailed(
                _("The token is not valid: it is unknown, revoked, or its user left the company.")
            )
        token, membership = found
        django_request = request._request
        with scope(company=token.company):
            salesperson_id = (
                Salesperson.objects.filter(company=token.company, user=token.user)
                .values_list("pk", flat=True)
                .first()
            )
        django_request.company = token.company
        django_request.membership = membership
        django_request.salesperson_id = salesperson_id
        django_request.switchable_companies = [token.company]
        django_request.api_token = token
        prime_subject(
            token.user, token.company, membership=membership, salesperson_id=salesperson_id
        )
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class SessionAuthentication(authentication.SessionAuthentication):
    """The signed-in browser (the API docs page's "Try it out"): the session's active
    company, as ``crm.middleware.CompanyScopeMiddleware`` chose it; CSRF is checked."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is None:
            return None
        if getattr(request._request, "company", None) is None:
            return None
        return found


class IsCompanyMember(BasePermission):
    """A signed-in user acting in a company (a token's, or the session's active one)."""

    message = _("Sign in with an API token: send “Authorization: Bearer <key>”.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and getattr(request._request, "company", None) is not None
        )
