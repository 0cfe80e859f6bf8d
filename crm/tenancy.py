"""Which company a request acts for, and the helpers that keep every read inside it."""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery
from django_scopes import scope, scopes_disabled

from crm.models import Company, Membership, Salesperson

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


@dataclass(frozen=True)
class ActiveCompany:
    """What a request acts as: the company, the user's membership in it (None for a superuser
    visiting without one), the user's own salesperson row there, and the companies they may
    switch to."""

    company: Company
    membership: Membership | None
    salesperson_id: int | None
    switchable: list[Company]


def resolve_request_company(request) -> ActiveCompany | None:
    """The session's company if the user may still use it, else their first one.

    For a member (everyone but superusers) this is one query: all their memberships with the
    company and their salesperson row in it; the switcher lists the same rows. Superusers, who
    may visit any company, take the longer way.
    """
    user = request.user
    if user.is_superuser:
        company = resolve_active_company(request)
        if company is None:
            return None
        with scope(company=company):
            membership = membership_for(user, company)
            salesperson_id = (
                Salesperson.objects.filter(company=company, user=user)
                .values_list("pk", flat=True)
                .first()
            )
        switchable = list(companies_for(user).only("pk", "name"))
        return ActiveCompany(company, membership, salesperson_id, switchable)

    # The user's own memberships, across their companies: no single company scope applies yet.
    with scopes_disabled():
        own_salesperson = Salesperson.objects.filter(
            company=OuterRef("company"), user=OuterRef("user")
        ).values("pk")[:1]
        memberships = list(
            Membership.objects.filter(user=user)
            .select_related("company")
            .annotate(own_salesperson_id=Subquery(own_salesperson))
            .order_by("created_at", "pk")
        )
    if not memberships:
        return None
    company_id = request.session.get(SESSION_KEY)
    active = next((m for m in memberships if m.company_id == company_id), None)
    if active is None:
        # The company the user joined first is their home.
        active = memberships[0]
        request.session[SESSION_KEY] = active.company_id
    switchable = sorted((m.company for m in memberships), key=lambda company: company.name)
    return ActiveCompany(active.company, active, active.own_salesperson_id, switchable)


def activate_company(request, company: Company) -> None:
    request.session[SESSION_KEY] = company.pk


# --- the company-owned tables ---------------------------------------------------------------------


def _generic_owner_fields(model) -> list:
    from django.contrib.contenttypes.fields import GenericForeignKey

    return [f for f in model._meta.private_fields if isinstance(f, GenericForeignKey)]


def _is_company_table(model: type[models.Model]) -> bool:
    return any(
        f.name == "company" and f.many_to_one and f.related_model is Company
        for f in model._meta.concrete_fields
    )


def company_tables() -> list[type[models.Model]]:
    """Every concrete company-owned model, each after the tables its foreign keys point at
    (parents of polymorphic subtypes before them, generic owners' tables before the links)."""
    owned = [
        model
        for model in apps.get_models()
        if not model._meta.proxy and not model._meta.abstract and _is_company_table(model)
    ]
    owned_set = set(owned)

    def depends_on(model) -> set:
        targets = {
            f.related_model
            for f in model._meta.local_concrete_fields
            if f.is_relation and f.related_model in owned_set and f.related_model is not model
        }
        if _generic_owner_fields(model):
            # A generic owner may be any other table: everything without one comes first.
            targets |= {other for other in owned if not _generic_owner_fields(other)}
        for parent in model._meta.parents:
            targets.add(parent)
        # A historical table (crm.audit) names its record by id: the record's table first.
        record_model = getattr(model, "instance_type", None)
        if record_model in owned_set:
            targets.add(record_model)
        return targets

    ordered: list = []
    placed: set = set()
    pending = sorted(owned, key=lambda m: m._meta.label)
    while pending:
        progress = False
        for model in list(pending):
            if depends_on(model) - {model} <= placed:
                ordered.append(model)
                placed.add(model)
                pending.remove(model)
                progress = True
        if not progress:  # pragma: no cover - a real cycle is a modelling error
            names = ", ".join(m._meta.label for m in pending)
            raise RuntimeError(f"company tables reference each other in a cycle: {names}")
    return ordered
