"""Gapless document numbers per company, prefix and year (``QTN-2026-00001``)."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction

from crm.models import Company, NumberSequence

NUMBER_WIDTH = 5


def format_number(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:0{NUMBER_WIDTH}d}"


def number_next(*, company: Company, prefix: str, date: datetime.date) -> str:
    """The next number for ``prefix`` in ``date``'s year, inside the caller's transaction.

    The counter row stays locked until the caller commits, so concurrent documents queue here
    and get consecutive numbers; if the caller rolls back, the number is not used up.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_next must run inside the transaction that saves the document")
    year = date.year
    lookup = {"company": company, "prefix": prefix, "year": year}
    sequence = NumberSequence.objects.select_for_update().filter(**lookup).first()
    if sequence is None:
        try:
            # A savepoint: if another transaction created the row first, only this insert fails.
            with transaction.atomic():
                NumberSequence.objects.create(**lookup)
        except IntegrityError:
            pass
        sequence = NumberSequence.objects.select_for_update().get(**lookup)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return format_number(prefix, year, sequence.last_number)
