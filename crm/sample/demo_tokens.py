"""Demo data: one revoked API token per member who has none, so the token page and every
company table have a row. Its key was never shown to anyone and no longer works."""

import random

from django.utils import timezone

from crm.api.tokens import api_token_create
from crm.models import ApiToken, Company, Membership


def seed_api_tokens(company: Company, rnd: random.Random) -> None:
    for membership in Membership.objects.filter(company=company).select_related("user"):
        if ApiToken.objects.filter(company=company, user=membership.user).exists():
            continue  # re-running adds nothing
        token, _key = api_token_create(
            company=company, user=membership.user, name="Old spreadsheet sync"
        )
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
