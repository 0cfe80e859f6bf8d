"""The customer types and group a new company starts with (editable in Settings)."""

from decimal import Decimal

from crm.audit import bulk_create_audited
from crm.models import Company
from customers.models import CustomerGroup, CustomerType

DEFAULT_TYPES = [("Private", False), ("Business", True)]
DEFAULT_GROUPS = [("Standard", Decimal("0"))]


def customers_defaults_apply(company: Company) -> None:
    if not CustomerType.objects.filter(company=company).exists():
        bulk_create_audited(
            CustomerType,
            [
                CustomerType(company=company, name=name, is_business=is_business)
                for name, is_business in DEFAULT_TYPES
            ],
        )
    if not CustomerGroup.objects.filter(company=company).exists():
        bulk_create_audited(
            CustomerGroup,
            [
                CustomerGroup(company=company, name=name, discount_percent=discount)
                for name, discount in DEFAULT_GROUPS
            ],
        )
