"""Every write on leads and opportunities that means something, the conversion first."""

from __future__ import annotations

from decimal import Decimal

from django.db import router, transaction
from django.db.models import OuterRef, ProtectedError, Q, RestrictedError, Subquery
from django.db.models.deletion import Collector
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from addressbook import services as addressbook_services
from crm.actors import staff_user
from crm.audit import bulk_create_audited
from crm.errors import DomainError, validate_or_raise
from crm.event_text import choice, event_message, joined, model_name
from crm.models import Salesperson
from crm.timeline import activity_log_event
from leads.models import (
    Lead,
    LeadSource,
    LostReason,
    Opportunity,
    OpportunityStage,
    OpportunityStageChange,
    WishListItem,
)
from leads.wish_pricing import catalog_priced, price_wish_list


def _validated_save(instance):
    validate_or_raise(instance)
    instance.save()
    return instance


def _locked_lead(lead: Lead) -> Lead:
    return Lead.objects.select_for_update(of=("self",)).get(pk=lead.pk, company=lead.company_id)


def _locked_opportunity(opportunity: Opportunity) -> Opportunity:
    # No select_related: after waiting for another mover's lock, PostgreSQL re-checks the join
    # against the stage row it read before the wait, and would drop the row if the stage moved.
    return Opportunity.objects.select_for_update(of=("self",)).get(
        pk=opportunity.pk, company=opportunity.company_id
    )


def _check_same_company(owner, *rows) -> None:
    if any(row is not None and row.company_id != owner.company_id for row in rows):
        raise DomainError(_("This record does not belong to your company."))


def _check_lost_reason(stage: OpportunityStage, lost_reason: LostReason | None) -> None:
    if stage.kind == OpportunityStage.Kind.LOST and lost_reason is None:
        raise DomainError(
            _("Say why the opportunity was lost: choose a lost reason for “%(stage)s”.")
            % {"stage": stage}
        )


def _record_stage_change(
    *, opportunity: Opportunity, from_stage: OpportunityStage | None, actor
) -> OpportunityStageChange:
    """The history row for the stage ``opportunity`` is in now (``from_stage`` None: opened),
    and the end of the stay it closes (the caller holds the opportunity's lock)."""
    now = timezone.now()
    OpportunityStageChange.objects.filter(
        company=opportunity.company_id, opportunity=opportunity, left_at__isnull=True
    ).update(left_at=now)
    return OpportunityStageChange.objects.create(
        company_id=opportunity.company_id,
        opportunity=opportunity,
        from_stage=from_stage,
        to_stage=opportunity.stage,
        changed_at=now,
        changed_by=staff_user(actor),
        probability=opportunity.probability,
        lost_reason=opportunity.lost_reason,
    )


def next_stage_change_at() -> Subquery:
    """The ``changed_at`` of the opportunity's history row after the outer one (by time, then
    id): when the outer row's stay ended, None while it is the current one."""
    return Subquery(
        OpportunityStageChange.objects.filter(
            company=OuterRef("company"), opportunity=OuterRef("opportunity")
        )
        .filter(
            Q(changed_at__gt=OuterRef("changed_at"))
            | Q(changed_at=OuterRef("changed_at"), pk__gt=OuterRef("pk"))
        )
        .order_by("changed_at", "pk")
        .values("changed_at")[:1]
    )


@transaction.atomic
def stage_stays_close(*, company_id: int, opportunity_ids) -> int:
    """Write every stay's ``left_at`` of these opportunities from their history rows' times,
    for code that wrote the rows' times itself (the demo's back-dated history, a repair);
    returns the rows written. The stage-move services keep it as they go."""
    return OpportunityStageChange.objects.filter(
        company=company_id, opportunity_id__in=list(opportunity_ids)
    ).update(left_at=next_stage_change_at())


def wish_list_amount(items) -> Decimal:
    """Catalog price × quantity per line, each rounded half up to cents, summed: what the items
    are worth before any party's price list or discount (``wish_pricing.price_wish_list`` prices
    them for a party)."""
    return catalog_priced(list(items)).total


@transaction.atomic
def lead_save(*, lead: Lead, actor) -> Lead:
    """Create or update a lead's fields; its status moves only through ``lead_set_status``.

    A different salesperson on an existing lead is logged as ``lead_assign_salesperson`` logs
    it, so the timeline shows every hand-over, whichever page made it.
    """
    old_salesperson_id = None
    if lead.pk is not None:
        old_salesperson_id = (
            Lead.objects.filter(pk=lead.pk, company=lead.company_id)
            .values_list("salesperson", flat=True)
            .first()
        )
    is_new = lead.pk is None
    _validated_save(lead)
    if not is_new and lead.salesperson_id and lead.salesperson_id != old_salesperson_id:
        old = (
            Salesperson.objects.filter(pk=old_salesperson_id).first()
            if old_salesperson_id
            else None
        )
        _log_assignment(owner=lead, old=old, new=lead.salesperson, actor=actor)
    return lead


@transaction.atomic
def opportunity_save(*, opportunity: Opportunity, actor=None) -> Opportunity:
    """Open an opportunity (its first stage goes into the stage history) or save its fields.

    The stage of an existing opportunity moves only through ``opportunity_set_stage``, which
    keeps the history; a changed stage here is refused rather than saved without it. The lost
    reason may be corrected while the opportunity stays lost.
    """
    if opportunity._state.adding:
        validate_or_raise(opportunity)
        _check_same_company(opportunity, opportunity.stage, opportunity.lost_reason)
        _check_lost_reason(opportunity.stage, opportunity.lost_reason)
        if opportunity.stage.kind != OpportunityStage.Kind.LOST:
            opportunity.lost_reason = None
        opportunity.save()
        _record_stage_change(opportunity=opportunity, from_stage=None, actor=actor)
        return opportunity
    stored = _locked_opportunity(opportunity)
    if stored.stage_id != opportunity.stage_id:
        raise DomainError(
            _(
                "Change the stage with “Move” on the opportunity's page, so its stage history "
                "stays complete."
            )
        )
    _check_same_company(opportunity, opportunity.lost_reason)
    _check_lost_reason(stored.stage, opportunity.lost_reason)
    if stored.stage.kind != OpportunityStage.Kind.LOST:
        opportunity.lost_reason = None
    return _validated_save(opportunity)


@transaction.atomic
def opportunity_mark_lost(
    *, opportunity: Opportunity, lost_reason: LostReason, actor
) -> Opportunity:
    """Move the opportunity to the company's first lost stage, with the reason."""
    stage = (
        OpportunityStage.objects.filter(
            company=opportunity.company_id, kind=OpportunityStage.Kind.LOST
        )
        .order_by("order", "pk")
        .first()
    )
    if stage is None:
        raise DomainError(
            _("Your company has no lost stage yet: ask a manager to add one under Settings.")
        )
    return opportunity_set_stage(
        opportunity=opportunity, stage=stage, lost_reason=lost_reason, actor=actor
    )


@transaction.atomic
def company_list_save(*, row: LeadSource | OpportunityStage | LostReason, actor=None):
    """Create or update a row of a company-defined list (source, stage, lost reason)."""
    return _validated_save(row)


@transaction.atomic
def lead_set_status(
    *, lead: Lead, status: str, actor, lost_reason: LostReason | None = None
) -> Lead:
    """Move the lead to ``status`` if the transitions table allows it; log the change."""
    lead = _locked_lead(lead)
    if status not in Lead.Status.values:
        raise DomainError(_("Choose one of the statuses offered."))
    if status == Lead.Status.CONVERTED:
        raise DomainError(_("Use “Convert to opportunity” to convert a lead."))
    if status == lead.status:
        return lead
    if not lead.can_move_to(status):
        raise DomainError(
            _("A %(old)s lead cannot be set to %(new)s.")
            % {"old": lead.get_status_display().lower(), "new": Lead.Status(status).label.lower()}
        )
    if status == Lead.Status.LOST:
        if lost_reason is None:
            raise DomainError(_("Say why the lead was lost."))
        if lost_reason.company_id != lead.company_id:
            raise DomainError(_("This record does not belong to your company."))
    old_label, old_status = lead.get_status_display(), lead.status
    lead.status = status
    lead.lost_reason = lost_reason if status == Lead.Status.LOST else None
    lead.save(update_fields=["status", "lost_reason", "updated_at"])
    message = event_message(
        gettext_noop("Status changed from %(old)s to %(new)s."),
        old=choice(Lead, "status", old_status),
        new=choice(Lead, "status", status),
    )
    if lead.lost_reason:
        message = joined(
            [message, event_message(gettext_noop("Reason: %(reason)s."), reason=lead.lost_reason)]
        )
    activity_log_event(
        owner=lead,
        kind="status_change",
        message=message,
        data={"from": str(old_label), "to": status},
        actor=actor,
    )
    return lead


@transaction.atomic
def opportunity_set_stage(
    *,
    opportunity: Opportunity,
    stage: OpportunityStage,
    actor,
    lost_reason: LostReason | None = None,
    probability: int | None = None,
) -> Opportunity:
    """Move the opportunity to ``stage``; record the move in its stage history and timeline.

    The probability becomes the stage's default unless one is given; a lost stage needs a lost
    reason, and leaving a lost stage clears it. Moving to the stage it is in changes nothing.
    """
    opportunity = _locked_opportunity(opportunity)
    _check_same_company(opportunity, stage, lost_reason)
    if stage.pk == opportunity.stage_id:
        return opportunity
    _check_lost_reason(stage, lost_reason)
    if probability is not None and not 0 <= probability <= 100:
        raise DomainError(_("The probability must be between 0 and 100 %."))
    old_stage = opportunity.stage
    opportunity.stage = stage
    opportunity.probability = stage.probability if probability is None else probability
    opportunity.lost_reason = lost_reason if stage.kind == OpportunityStage.Kind.LOST else None
    opportunity.save(update_fields=["stage", "probability", "lost_reason", "updated_at"])
    _record_stage_change(opportunity=opportunity, from_stage=old_stage, actor=actor)

    message = event_message(
        gettext_noop("Stage changed from %(old)s to %(new)s (probability %(probability)s %%)."),
        old=old_stage,
        new=stage,
        probability=opportunity.probability,
    )
    if opportunity.lost_reason:
        reason = event_message(gettext_noop("Reason: %(reason)s."), reason=opportunity.lost_reason)
        message = joined([message, reason])
    activity_log_event(
        owner=opportunity,
        kind="stage_change",
        message=message,
        data={
            "from": old_stage.pk,
            "to": stage.pk,
            "from_name": old_stage.name,
            "to_name": stage.name,
            "probability": opportunity.probability,
            "lost_reason": opportunity.lost_reason_id,
        },
        actor=actor,
    )
    return opportunity


@transaction.atomic
def wish_list_item_add(
    *,
    product,
    quantity: Decimal,
    actor,
    lead: Lead | None = None,
    opportunity: Opportunity | None = None,
    note: str = "",
) -> WishListItem:
    owner = lead or opportunity
    if owner is None or (lead is not None and opportunity is not None):
        raise DomainError(_("A wish-list item belongs to a lead or an opportunity."))
    if product.company_id != owner.company_id:
        raise DomainError(_("This record does not belong to your company."))
    if lead is not None and lead.status == Lead.Status.CONVERTED:
        raise DomainError(
            _("This lead is converted: change the wish list on its opportunity instead.")
        )
    item = WishListItem(
        company_id=owner.company_id,
        lead=lead,
        opportunity=opportunity,
        product=product,
        quantity=quantity,
        note=note,
    )
    return _validated_save(item)


@transaction.atomic
def wish_list_item_remove(*, item: WishListItem, actor) -> None:
    if item.lead_id and item.lead.status == Lead.Status.CONVERTED:
        raise DomainError(
            _("This lead is converted: change the wish list on its opportunity instead.")
        )
    WishListItem.objects.filter(pk=item.pk, company=item.company_id).delete()


def _first_open_stage(lead: Lead) -> OpportunityStage:
    stage = (
        OpportunityStage.objects.filter(company=lead.company_id, kind=OpportunityStage.Kind.OPEN)
        .order_by("order", "pk")
        .first()
    )
    if stage is None:
        raise DomainError(
            _("Your company has no open opportunity stage yet: ask a manager to add one.")
        )
    return stage


@transaction.atomic
def lead_convert_to_opportunity(
    *, lead: Lead, actor, title: str | None = None, stage: OpportunityStage | None = None
) -> Opportunity:
    """Turn the lead into an opportunity, or return the one it already has.

    The lead row is locked first, so a double click or two people at once find the opportunity
    the first one made instead of making a second (the one-to-one backs this up).
    """
    lead = _locked_lead(lead)
    existing = Opportunity.objects.filter(company=lead.company_id, lead=lead).first()
    if existing is not None:
        return existing
    if lead.status == Lead.Status.LOST:
        raise DomainError(
            _("%(lead)s was marked lost: reopen the lead before converting it.") % {"lead": lead}
        )
    if lead.status == Lead.Status.CONVERTED:
        raise DomainError(_("%(lead)s is already converted.") % {"lead": lead})
    if stage is None:
        stage = _first_open_stage(lead)
    elif stage.company_id != lead.company_id:
        raise DomainError(_("This record does not belong to your company."))
    items = list(
        WishListItem.objects.filter(company=lead.company_id, lead=lead)
        .select_related("product")
        .order_by("pk")
    )
    opportunity = Opportunity(
        company_id=lead.company_id,
        lead=lead,
        title=(title or "").strip() or str(lead),
        stage=stage,
        probability=stage.probability,
        # What a quotation made from it would say, as its page shows the wish list.
        expected_amount=price_wish_list(party=lead, items=items).total,
        salesperson_id=lead.salesperson_id,
        sales_partner_id=lead.sales_partner_id,
    )
    _validated_save(opportunity)
    _record_stage_change(opportunity=opportunity, from_stage=None, actor=actor)

    company = lead.company
    # The same address and contact rows, linked to the opportunity through new link rows.
    addressbook_services.links_copy(company=company, source=lead, target=opportunity, actor=actor)
    bulk_create_audited(
        WishListItem,
        [
            WishListItem(
                company_id=lead.company_id,
                opportunity=opportunity,
                product_id=item.product_id,
                quantity=item.quantity,
                note=item.note,
            )
            for item in items
        ],
    )

    old_label = lead.get_status_display()
    lead.status = Lead.Status.CONVERTED
    lead.lost_reason = None
    lead.save(update_fields=["status", "lost_reason", "updated_at"])
    data = {"lead": lead.pk, "opportunity": opportunity.pk, "from": str(old_label)}
    activity_log_event(
        owner=lead,
        kind="conversion",
        message=event_message(
            gettext_noop("Converted to opportunity “%(opportunity)s”."), opportunity=opportunity
        ),
        data=data,
        actor=actor,
    )
    activity_log_event(
        owner=opportunity,
        kind="conversion",
        message=event_message(gettext_noop("Opened from lead “%(lead)s”."), lead=lead),
        data=data,
        actor=actor,
    )
    return opportunity


# --- assignment ----------------------------------------------------------------------------


# The row is locked on its own and the old salesperson read after the lock: a join in the locking
# query would hand back the salesperson row as it was before the lock was granted (PostgreSQL
# re-reads only the locked row), and two hand-overs at once would both log "from nobody".


def _check_salesperson(salesperson: Salesperson, *, company_id: int) -> None:
    if salesperson.company_id != company_id:
        raise DomainError(_("This record does not belong to your company."))
    if not salesperson.is_active:
        raise DomainError(
            _("%(salesperson)s is no longer active: choose an active salesperson.")
            % {"salesperson": salesperson}
        )


def _log_assignment(*, owner: Lead | Opportunity, old: Salesperson | None, new, actor) -> None:
    if old is None:
        message = event_message(gettext_noop("Assigned to %(new)s."), new=new)
    else:
        message = event_message(
            gettext_noop("Assigned to %(new)s (previously %(old)s)."), new=new, old=old
        )
    activity_log_event(
        owner=owner,
        kind="other",
        message=message,
        data={"event": "assignment", "from": old.pk if old else None, "to": new.pk},
        actor=actor,
    )


@transaction.atomic
def lead_assign_salesperson(*, lead: Lead, salesperson: Salesperson, actor) -> Lead:
    """Hand the lead to ``salesperson`` (an active one of the lead's company) and log it.

    Assigning the salesperson it already has changes nothing and logs nothing.
    """
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("company")
        .get(pk=lead.pk, company=lead.company_id)
    )
    _check_salesperson(salesperson, company_id=lead.company_id)
    if lead.salesperson_id == salesperson.pk:
        return lead
    old = lead.salesperson
    lead.salesperson = salesperson
    lead.save(update_fields=["salesperson", "updated_at"])
    _log_assignment(owner=lead, old=old, new=salesperson, actor=actor)
    return lead


@transaction.atomic
def opportunity_assign_salesperson(
    *, opportunity: Opportunity, salesperson: Salesperson, actor
) -> Opportunity:
    """Hand the opportunity to ``salesperson`` (an active one of its company) and log it.

    Its lead keeps the salesperson it had: the lead's history says who worked it then.
    """
    opportunity = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("company")
        .get(pk=opportunity.pk, company=opportunity.company_id)
    )
    _check_salesperson(salesperson, company_id=opportunity.company_id)
    if opportunity.salesperson_id == salesperson.pk:
        return opportunity
    old = opportunity.salesperson
    opportunity.salesperson = salesperson
    opportunity.save(update_fields=["salesperson", "updated_at"])
    _log_assignment(owner=opportunity, old=old, new=salesperson, actor=actor)
    return opportunity


# --- deletion ------------------------------------------------------------------------------
# Who may delete is the views' business (managers, admins and owners; salespeople mark a lead
# lost instead). What may be deleted is decided here:
# - a lead that became an opportunity (or is converted) stays: it is where the opportunity came
#   from, and its timeline holds the conversion;
# - an opportunity may be deleted, also one that came from a lead: that undoes a conversion made
#   by mistake, so its lead goes back to "qualified" (and can be converted again), with an event
#   on the lead's timeline saying so; a lead that has meanwhile become a customer itself stays
#   converted;
# - anything another record still points to with PROTECT (a customer, a quotation) refuses the
#   deletion with the kinds of records that hold it.
# A deleted record's wish list, stage history, timeline entries and address/contact link rows go
# with it (the cascade and the post_delete receivers of crm.timeline and addressbook); the
# addresses and contacts themselves stay in the address book. The company's timeline keeps a line per deletion.


def delete_blockers(record: Lead | Opportunity, *, ignoring=None) -> list[str]:
    """The kinds of records that keep ``record`` from being deleted (``on_delete=PROTECT`` in
    this app or a higher one: a customer, a quotation), found without deleting anything.
    ``ignoring`` is a row not to count (the opportunity about to be deleted)."""
    collector = Collector(using=router.db_for_write(type(record)))
    try:
        collector.collect([record])
    except ProtectedError as error:
        return _kinds(obj for obj in error.protected_objects if obj != ignoring)
    except RestrictedError as error:
        return _kinds(obj for obj in error.restricted_objects if obj != ignoring)
    return []


def _kinds(objects) -> list[str]:
    return sorted({str(obj._meta.verbose_name_plural) for obj in objects})


def _still_used_message(record: Lead | Opportunity, blockers: list[str]) -> str:
    return _("%(record)s cannot be deleted: it is still used by %(blockers)s.") % {
        "record": record,
        "blockers": ", ".join(blockers),
    }


def _protected_refusal(record: Lead | Opportunity) -> str | None:
    blockers = delete_blockers(record)
    return _still_used_message(record, blockers) if blockers else None


def _delete_or_refuse(record: Lead | Opportunity) -> None:
    try:
        # A savepoint, should a row that holds this one have arrived since the check: the
        # refusal then leaves the outer transaction usable.
        with transaction.atomic():
            record.delete()
    except ProtectedError as error:
        raise DomainError(_still_used_message(record, _kinds(error.protected_objects))) from error


def _log_deletion(*, record: Lead | Opportunity, name: str, actor) -> None:
    activity_log_event(
        owner=record.company,
        kind="other",
        message=event_message(
            gettext_noop("%(kind)s “%(name)s” was deleted."), kind=model_name(record), name=name
        ),
        data={"event": "deletion", "model": record._meta.label_lower, "id": record.pk},
        actor=actor,
    )


def lead_delete_refusal(lead: Lead) -> str | None:
    """Why the lead may not be deleted, or None if it may."""
    opportunity = Opportunity.objects.filter(company=lead.company_id, lead=lead).first()
    if opportunity is not None:
        return _(
            "%(lead)s became the opportunity “%(opportunity)s” and stays as the record of where "
            "it came from. If the conversion was a mistake, delete the opportunity first."
        ) % {"lead": lead, "opportunity": opportunity}
    if lead.status == Lead.Status.CONVERTED:
        return _("%(lead)s is converted and stays as the record of its conversion.") % {
            "lead": lead
        }
    return _protected_refusal(lead)


def opportunity_delete_refusal(opportunity: Opportunity) -> str | None:
    """Why the opportunity may not be deleted (a customer or a quotation holds it), or None."""
    return _protected_refusal(opportunity)


@transaction.atomic
def lead_delete(*, lead: Lead, actor) -> None:
    """Delete a lead that never became an opportunity (see the rules above)."""
    lead = _locked_lead(lead)
    refusal = lead_delete_refusal(lead)
    if refusal:
        raise DomainError(refusal)
    pk, name = lead.pk, str(lead)
    _delete_or_refuse(lead)
    lead.pk = pk
    _log_deletion(record=lead, name=name, actor=actor)


@transaction.atomic
def opportunity_delete(*, opportunity: Opportunity, actor) -> None:
    """Delete an opportunity; one that came from a lead hands the lead back as qualified,
    unless the lead also became a customer (then it stays converted)."""
    lead = None
    if opportunity.lead_id:
        # The lead first, as the conversion locks it: two services never wait on each other.
        lead = Lead.objects.select_for_update(of=("self",)).get(
            pk=opportunity.lead_id, company=opportunity.company_id
        )
    opportunity = _locked_opportunity(opportunity)
    refusal = opportunity_delete_refusal(opportunity)
    if refusal:
        raise DomainError(refusal)
    pk, name = opportunity.pk, str(opportunity)
    _delete_or_refuse(opportunity)
    opportunity.pk = pk
    _log_deletion(record=opportunity, name=name, actor=actor)
    # The one move back out of "converted": the opportunity it became is gone, and nothing
    # else it became (a customer, made from the lead directly) still holds it.
    if lead is not None and lead.status == Lead.Status.CONVERTED and not delete_blockers(lead):
        lead.status = Lead.Status.QUALIFIED
        lead.save(update_fields=["status", "updated_at"])
        activity_log_event(
            owner=lead,
            kind="status_change",
            message=event_message(
                gettext_noop(
                    "The opportunity “%(opportunity)s” was deleted; the lead is qualified again."
                ),
                opportunity=name,
            ),
            data={"opportunity": pk, "from": Lead.Status.CONVERTED, "to": Lead.Status.QUALIFIED},
            actor=actor,
        )
