"""Enter the active company's django-scopes scope for the whole request."""

from django.shortcuts import render
from django.urls import reverse
from django_scopes import scope

from crm.tenancy import resolve_request_company

# Paths a signed-in user without any company may still reach.
_COMPANYLESS_PREFIXES = ("/accounts/", "/static/", "/no-company/")


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
        request.company = None
        request.membership = None
        request.salesperson_id = None
        request.switchable_companies = []
        if not request.user.is_authenticated:
            return self.get_response(request)

        active = resolve_request_company(request)
        if active is None:
            if request.path.startswith(_COMPANYLESS_PREFIXES) or request.path == reverse("logout"):
                return self.get_response(request)
            return render(request, "crm/no_company.html", status=403)

        request.company = active.company
        request.membership = active.membership
        request.salesperson_id = active.salesperson_id
        request.switchable_companies = active.switchable
        with scope(company=active.company):
            return self.get_response(request)
