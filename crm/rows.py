"""Row helpers every app's services share: the same-company check and the safe row lock."""

from __future__ import annotations

from django.utils.translation import gettext as _

from crm.errors import DomainError
from crm.versioning import carry_edit_mark


def check_same_company(company_id: int, *rows) -> None:
    """Refuse rows of another company (``None`` rows are skipped), with the one message that
    says neither whose they are nor that they exist."""
    for row in rows:
        if row is not None and row.company_id != company_id:
            raise DomainError(_("This record does not belong to your company."))


def lock_then_load(model, row, *related: str):
    """Lock ``row`` alone (``select_for_update``), then read it with its relations.

    Locking with joins is not safe: when PostgreSQL re-checks a row that another transaction
    changed while we waited (EvalPlanQual), a locking query with joins can come back empty
    instead of returning the new version. Call inside the caller's transaction.

    An edit form's mark on ``row`` (who edits, which version they saw: crm.versioning) moves to
    the loaded row, so its save is still checked against the version the person saw.
    """
    filters = {"pk": row.pk, "company": row.company_id}
    model.objects.select_for_update().filter(**filters).values_list("pk", flat=True).get()
    loaded = model.objects.select_related(*related).get(**filters)
    carry_edit_mark(row, loaded)
    return loaded
