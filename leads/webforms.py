"""Web-to-lead: a form on the company's website that creates leads, and what became of each
submission.

A submission is checked in this order, and every one is kept (``WebFormSubmission``) with its
outcome, so the company sees what its website sent and why a lead is missing:

1. too many from one address (``WEB_FORM_LIMIT`` in ``WEB_FORM_WINDOW_SECONDS``): refused; only
   the first refusal of a window is kept, so a flood cannot fill the table;
2. the honeypot (a field people never see) filled in: refused as automated, while the sender is
   told "thank you" like anyone (a bot learns nothing);
3. invalid fields: refused, with the messages (a person sees them on the form);
4. an open lead with the same e-mail or phone: no new lead; the message goes on that lead's
   timeline;
5. otherwise a new lead, with the form's source, handed to the form's salespeople in turn.
"""

from collections.abc import Mapping

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django_scopes import scope, scopes_disabled

from crm import rls
from crm.errors import DomainError
from crm.event_text import event_message
from crm.models import Salesperson
from crm.phones import PhoneFormField
from crm.timeline import activity_log_event
from leads.models import Lead, WebForm, WebFormSubmission, new_web_form_key
from leads.services import lead_save

__all__ = [
    "HONEYPOT",
    "WebLeadForm",
    "web_form_find",
    "web_form_rotate_key",
    "web_form_save",
    "web_form_submit",
]

# The field people never see (hidden by the page's CSS and from screen readers); bots fill it.
HONEYPOT = "website"
_KEPT_LENGTH = 2000  # of each submitted value kept for the company to read


class WebLeadForm(forms.Form):
    """What a visitor sends: a name or an organization, and a way to reach them."""

    first_name = forms.CharField(label=gettext_lazy("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=gettext_lazy("Last name"), max_length=100, required=False)
    organization_name = forms.CharField(
        label=gettext_lazy("Organization"), max_length=200, required=False
    )
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    phone = PhoneFormField(label=gettext_lazy("Phone"), required=False)
    message = forms.CharField(
        label=gettext_lazy("Message"), max_length=5000, required=False, widget=forms.Textarea
    )

    def __init__(self, *args, region: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # A visitor types the number as dialled in the company's country, or with its code.
        self.fields["phone"].region = region

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("last_name") or cleaned.get("organization_name")):
            raise forms.ValidationError(_("Enter your last name or your organization."))
        if not (cleaned.get("email") or cleaned.get("phone")):
            raise forms.ValidationError(_("Enter an e-mail address or a phone number."))
        return cleaned


def web_form_find(key: str) -> WebForm | None:
    """The active form with this key, in any company (the visitor names no company). Under
    row-level security the database's lookup names the company first."""
    if not key or len(key) > 64:
        return None
    company_ids = rls.companies_where("web_form_companies", key)
    if company_ids is not None:
        if len(company_ids) != 1:
            return None
        rls.activate(user_id=None, company_id=company_ids[0])
    with scopes_disabled():
        return (
            WebForm.objects.select_related("company", "source")
            .filter(key=key, is_active=True)
            .first()
        )


def _throttled(form: WebForm, client: str) -> tuple[bool, bool]:
    """(over the limit?, first refusal of this window?) for ``client`` on ``form``."""
    window = settings.WEB_FORM_WINDOW_SECONDS
    key = f"webform:{form.pk}:{client}"
    if cache.add(key, 1, window):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, window)
            count = 1
    if count <= settings.WEB_FORM_LIMIT:
        return False, False
    return True, cache.add(f"{key}:noted", 1, window)


def _kept(data: Mapping) -> dict:
    return {
        name: str(data.get(name, ""))[:_KEPT_LENGTH]
        for name in (*WebLeadForm.base_fields, HONEYPOT)
        if data.get(name)
    }


def _open_duplicate(form: WebForm, cleaned: dict) -> Lead | None:
    match = Q()
    if cleaned.get("email"):
        match |= Q(email__iexact=cleaned["email"])
    if cleaned.get("phone"):
        match |= Q(phone=cleaned["phone"])
    return (
        Lead.objects.filter(match, company=form.company)
        .exclude(status__in=(Lead.Status.CONVERTED, Lead.Status.LOST))
        .order_by("-created_at", "-pk")
        .first()
    )


def _next_salesperson(form: WebForm) -> Salesperson | None:
    """The next of the form's salespeople, in turn (the form row is locked by the caller)."""
    people = list(form.salespeople.order_by("pk"))
    if not people:
        return None
    chosen = people[form.next_turn % len(people)]
    WebForm.objects.filter(pk=form.pk).update(next_turn=form.next_turn + 1)
    return chosen


def web_form_submit(
    *, form: WebForm, data: Mapping, client: str
) -> tuple[WebFormSubmission | None, WebLeadForm]:
    """Handle one submission to ``form`` from ``client`` (an address or its digest). Returns the
    kept submission (None for a throttled one not kept) and the bound form with its errors."""
    fields = WebLeadForm(data, region=form.company.dialing_region)
    with scope(company=form.company), transaction.atomic():
        over, first_refusal = _throttled(form, client)
        if over:
            if not first_refusal:
                return None, fields
            reason = _(
                "More than %(limit)d submissions from one address within %(minutes)d "
                "minutes; later ones in that time are not kept."
            ) % {
                "limit": settings.WEB_FORM_LIMIT,
                "minutes": settings.WEB_FORM_WINDOW_SECONDS // 60,
            }
            return _keep(form, WebFormSubmission.Outcome.THROTTLED, reason, data), fields
        if data.get(HONEYPOT):
            reason = _("The hidden field people never see was filled in.")
            return _keep(form, WebFormSubmission.Outcome.SPAM, reason, data), fields
        if not fields.is_valid():
            messages = [str(m) for errors in fields.errors.values() for m in errors]
            return _keep(form, WebFormSubmission.Outcome.INVALID, " ".join(messages), data), fields
        cleaned = fields.cleaned_data
        form = (
            WebForm.objects.select_for_update(of=("self",))
            .select_related("company", "source")
            .get(pk=form.pk)
        )
        existing = _open_duplicate(form, cleaned)
        if existing is not None:
            activity_log_event(
                owner=existing,
                kind="other",
                message=event_message(
                    gettext_noop("Sent the web form “%(form)s” again: %(message)s"),
                    form=form.name,
                    message=cleaned["message"] or "—",
                ),
            )
            reason = _("Lead %(lead)s is open with the same e-mail or phone.") % {"lead": existing}
            submission = _keep(form, WebFormSubmission.Outcome.DUPLICATE, reason, data)
            submission.lead = existing
            submission.save(update_fields=["lead"])
            return submission, fields
        lead = lead_save(
            lead=Lead(
                company=form.company,
                first_name=cleaned["first_name"],
                last_name=cleaned["last_name"],
                organization_name=cleaned["organization_name"],
                email=cleaned["email"],
                phone=cleaned["phone"],
                notes=cleaned["message"],
                source=form.source,
                salesperson=_next_salesperson(form),
            ),
            actor=None,
        )
        activity_log_event(
            owner=lead,
            kind="created",
            message=event_message(
                gettext_noop("Came in through the web form “%(form)s”."), form=form.name
            ),
        )
        submission = _keep(form, WebFormSubmission.Outcome.CREATED, "", data)
        submission.lead = lead
        submission.save(update_fields=["lead"])
        return submission, fields


def _keep(form: WebForm, outcome: str, reason: str, data: Mapping) -> WebFormSubmission:
    return WebFormSubmission.objects.create(
        company=form.company,
        form=form,
        outcome=outcome,
        reason=reason[:500],
        data=_kept(data),
        received_at=timezone.now(),
    )


@transaction.atomic
def web_form_save(*, form: WebForm, salespeople, actor) -> WebForm:
    """Create or change a web form; its salespeople must be the company's."""
    salespeople = list(salespeople)
    if any(person.company_id != form.company_id for person in salespeople):
        raise DomainError(_("Choose salespeople of this company."))
    if form.source_id and form.source.company_id != form.company_id:
        raise DomainError(_("Choose a lead source of this company."))
    try:
        form.full_clean(exclude=["company", "key", "salespeople"])
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error
    try:
        with transaction.atomic():
            form.save()
    except IntegrityError as error:
        raise DomainError(_("Another web form already has this name.")) from error
    form.salespeople.set(salespeople, through_defaults={"company_id": form.company_id})
    return form


@transaction.atomic
def web_form_rotate_key(*, form: WebForm, actor) -> WebForm:
    """A new secret address; the old one answers "not found" from now on."""
    form.key = new_web_form_key()
    form.key_rotated_at = timezone.now()
    form.save(update_fields=["key", "key_rotated_at"])
    return form
