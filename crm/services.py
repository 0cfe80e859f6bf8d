"""Writes on the core models: creating companies and their members."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from crm.errors import DomainError
from crm.models import Company, Membership

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
