"""Enter the active company's django-scopes scope for the whole request."""

from django.shortcuts import render
from django.urls import reverse
from django_scopes import scope

from crm.tenancy import membership_for, resolve_active_company

# Paths a signed-in user without any company may still reach.
_COMPANYLESS_PREFIXES = ("/accounts/", "/static/", "/no-company/")


class CompanyScopeMiddleware:
    """Sets ``request.company`` and ``request.membership`` and runs the view inside the scope.

    Anonymous requests get no scope at all, so any query on a company-owned model raises
    ``ScopeError`` rather than leaking rows.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.company = None
        request.membership = None
        if not request.user.is_authenticated:
            return self.get_response(request)

        company = resolve_active_company(request)
        if company is None:
            if request.path.startswith(_COMPANYLESS_PREFIXES) or request.path == reverse("logout"):
                return self.get_response(request)
            return render(request, "crm/no_company.html", status=403)

        request.company = company
        with scope(company=company):
            request.membership = membership_for(request.user, company)
            return self.get_response(request)
