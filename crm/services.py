"""Writes on the core models: creating companies and their members."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from crm.errors import DomainError
from crm.models import Company, Membership, Product, SalesPartner, Salesperson

User = get_user_model()


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
        user = User(username=owner_email.lower(), email=owner_email.lower(), is_staff=True)
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
    elif not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    membership = Membership.objects.with_scopes_disabled().create(
        company=company, user=user, role=Membership.Role.OWNER
    )
    return company, membership


def _owner_count(company: Company) -> int:
    return Membership.objects.filter(company=company, role=Membership.Role.OWNER).count()


@transaction.atomic
def membership_add(*, company: Company, email: str, role: str, actor) -> tuple[Membership, bool]:
    """Give the person with this e-mail a role in the company, creating their account if new.

    Returns the membership and whether the account is new (it then has no password yet: the
    caller sends a password-reset link so they can choose one).
    """
    try:
        validate_email(email)
    except ValidationError as error:
        raise DomainError(
            _("“%(email)s” is not a valid e-mail address.") % {"email": email}
        ) from error
    if role not in Membership.Role.values:
        raise DomainError(_("Choose one of the roles offered."))
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User(username=email, email=email)
        # A random secret nobody knows: Django's reset link only goes to usable passwords.
        user.set_password(secrets.token_urlsafe(32))
        user.save()
    elif Membership.objects.filter(company=company, user=user).exists():
        raise DomainError(_("%(email)s is already a member of this company.") % {"email": email})
    membership = Membership.objects.create(company=company, user=user, role=role)
    return membership, created


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor) -> Membership:
    if role not in Membership.Role.values:
        raise DomainError(_("Choose one of the roles offered."))
    # Lock the company's owners so two admins cannot demote the last two owners at once.
    list(
        Membership.objects.select_for_update()
        .filter(company=membership.company, role=Membership.Role.OWNER)
        .values_list("pk", flat=True)
    )
    membership.refresh_from_db()
    if (
        membership.role == Membership.Role.OWNER
        and role != Membership.Role.OWNER
        and _owner_count(membership.company) == 1
    ):
        raise DomainError(_("A company needs at least one owner: make someone else owner first."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor) -> None:
    list(
        Membership.objects.select_for_update()
        .filter(company=membership.company, role=Membership.Role.OWNER)
        .values_list("pk", flat=True)
    )
    membership.refresh_from_db()
    if membership.role == Membership.Role.OWNER and _owner_count(membership.company) == 1:
        raise DomainError(_("The last owner cannot be removed: make someone else owner first."))
    membership.delete()


def _validated_save(instance):
    """Save after the model's own validation (fields, clean(), constraints).

    Forms have validated already; callers without a form (commands, admin actions, the API) get
    the same rules, and a refusal is a DomainError a salesperson can read.
    """
    try:
        instance.full_clean()
    except ValidationError as error:
        raise DomainError("; ".join(error.messages)) from error
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
