"""Enter the active company's django-scopes scope for the whole request."""

from django.shortcuts import render
from django.urls import reverse
from django_scopes import scope

from crm import rls
from crm.access.engine import prime_subject
from crm.tenancy import SESSION_KEY, resolve_request_company

# Paths a signed-in user without any company may still reach.
_COMPANYLESS_PREFIXES = ("/accounts/", "/static/", "/no-company/")
_PORTAL_PREFIX = "/portal/"


class CompanyScopeMiddleware:
    """Sets ``request.company``, ``request.membership``, ``request.salesperson_id`` (the user's
    own salesperson row in the company, if any) and ``request.switchable_companies``, and runs
    the view inside the company's scope.

    Anonymous requests get no scope at all, so any query on a company-owned model raises
    ``ScopeError`` rather than leaking rows.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(_PORTAL_PREFIX):
            # The portal's pages run in the customer user's scope (portal.middleware).
            return self.get_response(request)
        request.company = None
        request.membership = None
        request.salesperson_id = None
        request.switchable_companies = []
        if not request.user.is_authenticated:
            rls.activate(user_id=None, company_id=None)
            return self.get_response(request)

        # The database's own wall (PostgreSQL row-level security, as the app role): the user
        # and the company the session names, corrected below if that is not the active one.
        guess = request.session.get(SESSION_KEY)
        rls.activate(user_id=request.user.pk, company_id=guess)
        active = resolve_request_company(request)
        if active is None:
            rls.activate(user_id=request.user.pk, company_id=None)
            if request.path.startswith(_COMPANYLESS_PREFIXES) or request.path == reverse("logout"):
                return self.get_response(request)
            return render(request, "crm/no_company.html", status=403)

        if active.company.pk != guess and rls.is_enforced():
            # A first visit, or a company the user left: read it again as the right company
            # (the user's salesperson row there was invisible under the guess).
            rls.activate(user_id=request.user.pk, company_id=active.company.pk)
            active = resolve_request_company(request)
        request.company = active.company
        request.membership = active.membership
        request.salesperson_id = active.salesperson_id
        request.switchable_companies = active.switchable
        prime_subject(
            request.user,
            active.company,
            membership=active.membership,
            salesperson_id=active.salesperson_id,
        )
        with scope(company=active.company):
            return self.get_response(request)
