"""API tokens: made, found and revoked here only (the token page, the admin and the
authentication class call these)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from crm import rls
from crm.errors import DomainError
from crm.models import ApiToken, Company, Membership, new_token_prefix

# "crm_" + prefix + "_" + secret: the prefix finds the row, the secret proves the key.
KEY_START = "crm_"
PREFIX_LENGTH = 12  # hex characters (crm.models.new_token_prefix)
SECRET_BYTES = 32
# How often a token's "last used" is written: not on every request.
LAST_USED_EVERY_SECONDS = 60


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _split(key: str) -> tuple[str, str] | None:
    if not key.startswith(KEY_START) or len(key) > 120:
        return None
    prefix, sep, secret = key[len(KEY_START) :].partition("_")
    if not sep or not prefix or not secret or len(prefix) != PREFIX_LENGTH:
        return None
    return prefix, secret


@transaction.atomic
def api_token_create(*, company: Company, user, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user`` in ``company``, and its key (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name, so you know later what uses it."))
    if len(name) > ApiToken._meta.get_field("name").max_length:
        raise DomainError(_("The name is too long (at most 100 characters)."))
    if not Membership.objects.filter(company=company, user=user).exists():
        raise DomainError(_("Only members of the company can make API tokens for it."))
    prefix = new_token_prefix()
    key = f"{KEY_START}{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    token = ApiToken.objects.create(
        company=company, user=user, name=name, prefix=prefix, key_hash=_hash(key)
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Stop the token working from now on (revoking twice changes nothing)."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk, company=token.company_id)
    if token.user_id != getattr(actor, "pk", None):
        raise DomainError(_("Only the token's owner can revoke it."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_find(key: str) -> tuple[ApiToken, Membership] | None:
    """The live token this key belongs to and its user's membership, or None: an unknown,
    malformed or revoked key, a deactivated user, or a user who is no longer a member.

    The key names no company: under row-level security the database's lookup names it first,
    then the row is read as that company."""
    parts = _split(key)
    if parts is None:
        return None
    prefix, _secret = parts
    company_ids = rls.companies_where("api_token_companies", prefix)
    if company_ids is not None:
        if len(company_ids) != 1:
            return None
        rls.activate(user_id=None, company_id=company_ids[0])
    # No company is known before the token is found: it names the company.
    with scopes_disabled():
        token = (
            ApiToken.objects.select_related("company", "user")
            .filter(prefix=prefix, revoked_at__isnull=True)
            .first()
        )
    if token is None or not hmac.compare_digest(token.key_hash, _hash(key)):
        return None
    if not token.user.is_active:
        return None
    rls.activate(user_id=token.user_id, company_id=token.company_id)
    with scope(company=token.company):
        membership = Membership.objects.filter(company=token.company, user=token.user).first()
    if membership is None:
        return None
    now = timezone.now()
    last = token.last_used_at
    if last is None or (now - last).total_seconds() >= LAST_USED_EVERY_SECONDS:
        with scope(company=token.company):
            ApiToken.objects.filter(pk=token.pk, company=token.company).update(last_used_at=now)
        token.last_used_at = now
    return token, membership
