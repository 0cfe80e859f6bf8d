"""Which company a request acts for, and the helpers that keep every read inside it."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from crm.models import Company, Membership

SESSION_KEY = "active_company_id"


def companies_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Company]:
    """Companies the user may switch to: superusers any, everyone else their memberships."""
    if not user.is_authenticated:
        return Company.objects.none()
    if user.is_superuser:
        return Company.objects.all()
    return Company.objects.filter(memberships__user=user).distinct()


def membership_for(user, company: Company) -> Membership | None:
    """The user's membership in the company (None for a superuser visiting without one).

    Call inside the company's scope (the middleware does).
    """
    return Membership.objects.filter(company=company, user=user).first()


def resolve_active_company(request) -> Company | None:
    """The session's company if the user may still use it, else their first company."""
    user = request.user
    allowed = companies_for(user)
    company_id = request.session.get(SESSION_KEY)
    company = allowed.filter(pk=company_id).first() if company_id else None
    if company is None:
        # The company the user joined first is their home; superusers without one get any.
        company = (
            Company.objects.filter(memberships__user=user)
            .order_by("memberships__created_at")
            .first()
            or allowed.first()
        )
        if company is not None:
            request.session[SESSION_KEY] = company.pk
    return company


def activate_company(request, company: Company) -> None:
    request.session[SESSION_KEY] = company.pk
