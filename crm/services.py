"""Writes on the core models: creating companies and their members."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from crm import rls
from crm.errors import DomainError, validate_or_raise
from crm.models import Company, Membership, Product, SalesPartner, Salesperson
from crm.setup import company_defaults_apply

User = get_user_model()

STAFF_GROUP_NAME = "Company administrators"
# Apps whose models company admins manage in the Django admin (higher apps add theirs here).
CRM_APP_LABELS = ("crm", "addressbook", "leads", "customers", "selling")


@transaction.atomic
def company_create(
    *,
    name: str,
    owner_email: str,
    owner_password: str | None = None,
    slug: str | None = None,
    currency: str = "EUR",
) -> tuple[Company, Membership]:
    """Create a company and its first owner (a new user, or the existing one with that e-mail)."""
    name = name.strip()
    if not name:
        raise DomainError(_("Give the company a name."))
    try:
        validate_email(owner_email)
    except ValidationError as error:
        raise DomainError(
            _("“%(email)s” is not a valid e-mail address.") % {"email": owner_email}
        ) from error
    slug = slugify(slug or name)
    if not slug:
        raise DomainError(_("The company needs a slug made of letters or digits."))
    if Company.objects.filter(slug=slug).exists():
        raise DomainError(
            _("A company with the slug “%(slug)s” already exists; choose another with --slug.")
            % {"slug": slug}
        )
    company = Company(name=name, slug=slug, currency=currency.upper())
    try:
        company.full_clean()
    except ValidationError as error:
        raise DomainError("; ".join(error.messages)) from error
    company.save()

    user = User.objects.filter(email__iexact=owner_email).first()
    if user is None:
        user = User(username=owner_email.lower(), email=owner_email.lower())
        if owner_password:
            user.set_password(owner_password)
        else:
            user.set_unusable_password()
        user.save()
    elif owner_password:
        raise DomainError(
            _("%(email)s already has an account; leave out --password to keep theirs.")
            % {"email": owner_email}
        )
    membership = Membership.objects.with_scopes_disabled().create(
        company=company, user=user, role=Membership.Role.OWNER
    )
    staff_access_sync(user=user)
    company_defaults_apply(company)
    return company, membership


def _owner_count(company: Company) -> int:
    return Membership.objects.filter(company=company, role=Membership.Role.OWNER).count()


def _actor_role(*, company: Company, actor) -> str | None:
    """The acting user's role in the company; superusers act as owners."""
    if actor is not None and actor.is_superuser:
        return Membership.Role.OWNER
    membership = Membership.objects.filter(company=company, user=actor).first()
    return membership.role if membership else None


def membership_check(
    *, company: Company, actor, membership: Membership | None = None, role: str | None = None
) -> None:
    """The one rule for writing a membership, on every path (members page, admin, commands).

    ``membership`` None is a new member with ``role``; ``role`` None removes ``membership``.
    Owners manage everyone; admins manage everyone but owners and never grant ownership; a
    company always keeps an owner. Raises a DomainError saying which rule refuses.
    """
    if role is not None and role not in Membership.Role.values:
        raise DomainError(_("Choose one of the roles offered."))
    current = membership.role if membership is not None else None
    actor_role = _actor_role(company=company, actor=actor)
    if actor_role not in Membership.ADMIN_ROLES:
        raise DomainError(_("Only the company's owners and admins can manage members."))
    if actor_role != Membership.Role.OWNER and Membership.Role.OWNER in (current, role):
        raise DomainError(_("Only an owner can grant, change or remove the owner role."))
    losing_an_owner = current == Membership.Role.OWNER and role != Membership.Role.OWNER
    if losing_an_owner and _owner_count(company) <= 1:
        if role is None:
            raise DomainError(_("The last owner cannot be removed: make someone else owner first."))
        raise DomainError(_("A company needs at least one owner: make someone else owner first."))


def _lock_owners(company: Company) -> None:
    # Two admins acting at once must not both pass the "one owner left" check.
    list(
        Membership.objects.select_for_update()
        .filter(company=company, role=Membership.Role.OWNER)
        .values_list("pk", flat=True)
    )


def staff_group() -> Group:
    """The Django admin permissions of a company's owners and admins.

    Every permission on the CRM's own apps; nothing on ``auth``, so nobody but a superuser can
    edit accounts or grant superuser status. Rows are limited to the active company by the admin.
    """
    group, _created = Group.objects.get_or_create(name=STAFF_GROUP_NAME)
    permissions = Permission.objects.filter(content_type__app_label__in=CRM_APP_LABELS)
    group.permissions.set(permissions)
    return group


def staff_access_sync(*, user) -> None:
    """Owners and admins of any company may open the admin; nobody else (superusers aside)."""
    if user.is_superuser:
        return
    # Across every company: as the database's app role only a function may look (crm.rls).
    is_admin_somewhere = rls.is_admin_anywhere(user_id=user.pk, roles=Membership.ADMIN_ROLES)
    if is_admin_somewhere is None:
        is_admin_somewhere = (
            Membership.objects.with_scopes_disabled()
            .filter(user=user, role__in=Membership.ADMIN_ROLES)
            .exists()
        )
    group = staff_group()
    if is_admin_somewhere:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    if user.is_staff != is_admin_somewhere:
        user.is_staff = is_admin_somewhere
        user.save(update_fields=["is_staff"])


@transaction.atomic
def membership_add(*, company: Company, email: str, role: str, actor) -> tuple[Membership, bool]:
    """Give the person with this e-mail a role in the company, creating their account if new.

    Returns the membership and whether the account is new (it then has no password anyone
    knows: the caller sends a password-reset link so they can choose one).
    """
    try:
        validate_email(email)
    except ValidationError as error:
        raise DomainError(
            _("“%(email)s” is not a valid e-mail address.") % {"email": email}
        ) from error
    membership_check(company=company, actor=actor, role=role)
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User(username=email, email=email)
        # A random secret nobody knows: Django's reset link only goes to usable passwords.
        user.set_password(secrets.token_urlsafe(32))
        user.save()
    return membership_grant(company=company, user=user, role=role, actor=actor), created


@transaction.atomic
def membership_grant(*, company: Company, user, role: str, actor) -> Membership:
    """Make an existing account a member of the company with ``role``."""
    _lock_owners(company)
    membership_check(company=company, actor=actor, role=role)
    if Membership.objects.filter(company=company, user=user).exists():
        raise DomainError(
            _("%(user)s is already a member of this company.")
            % {"user": user.email or user.get_username()}
        )
    membership = Membership.objects.create(company=company, user=user, role=role)
    staff_access_sync(user=user)
    return membership


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor) -> Membership:
    _lock_owners(membership.company)
    membership.refresh_from_db()
    membership_check(company=membership.company, actor=actor, membership=membership, role=role)
    membership.role = role
    membership.save(update_fields=["role"])
    staff_access_sync(user=membership.user)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor) -> None:
    _lock_owners(membership.company)
    membership.refresh_from_db()
    membership_check(company=membership.company, actor=actor, membership=membership, role=None)
    user = membership.user
    membership.delete()
    staff_access_sync(user=user)


def _validated_save(instance):
    """Save after the model's own validation (fields, clean(), constraints).

    Forms have validated already; callers without a form (commands, admin actions, the API) get
    the same rules, and a refusal is a DomainError a salesperson can read.
    """
    validate_or_raise(instance)
    instance.save()
    return instance


@transaction.atomic
def salesperson_save(*, salesperson: Salesperson) -> Salesperson:
    """Create or update a salesperson; the team tree stays a tree.

    The rows on the new manager's chain are locked first, so two people re-parenting at once
    cannot each close half of a loop.
    """
    if salesperson.manager_id is not None:
        chain: list[int] = []
        node_id = salesperson.manager_id
        while node_id is not None and node_id not in chain:
            chain.append(node_id)
            node_id = (
                Salesperson.objects.filter(pk=node_id).values_list("manager_id", flat=True).first()
            )
        list(
            Salesperson.objects.select_for_update()
            .filter(company=salesperson.company_id, pk__in=chain)
            .order_by("pk")
        )
    return _validated_save(salesperson)


@transaction.atomic
def partner_save(*, partner: SalesPartner) -> SalesPartner:
    """Create or update an individual or organization partner."""
    if not partner.name.strip():
        partner.name = partner.default_name()
    return _validated_save(partner)


@transaction.atomic
def product_save(*, product: Product) -> Product:
    """Create or update a catalog product; a new one without a VAT rate gets the company's."""
    if product.vat_rate is None:
        product.vat_rate = product.company.default_vat_rate
    return _validated_save(product)
