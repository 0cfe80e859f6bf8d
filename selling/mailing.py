"""E-mailing a quotation or an order: the company's message template, the PDF, the sending.

- **The message** comes from the company's ``DocumentEmailTemplate`` for the kind of document
  (or the defaults below). Placeholders are ``{name}`` from a fixed whitelist, replaced by a
  regular expression, not ``str.format``: ``format`` would also follow ``{number.__class__}``
  attribute and index lookups, which a template typed into a settings page must never reach.
  The e-mail is plain text, so nothing is HTML-escaped; a name with ``{`` in it is inserted as
  it is and never read as a placeholder (one pass over the template only).
- **The PDF** is the print view's own template rendered by WeasyPrint. Its stylesheet is read
  from the app's static files through ``local_static_fetcher``; nothing is fetched from the
  network. Without WeasyPrint's system libraries (pango) the import fails: ``pdf_unavailable``
  says so, and the send page shows it instead of failing.
- **Sending** is one service, ``document_email_send``, that a background job can call later.
  Every attempt is an ``OutboundEmail`` row, written before the attempt and kept whatever
  happens. Sending a draft quotation marks it sent through ``services.quotation_send`` (the one
  place that does) in the same transaction as the sending: a failed send leaves it a draft.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import uuid
from dataclasses import dataclass
from functools import cache
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from addressbook.models import Contact, ContactLink
from crm.errors import DomainError
from crm.event_text import event_message, model_name
from crm.i18n import company_locale
from crm.models import SystemEvent
from crm.timeline import activity_log_event
from selling import services
from selling.models import (
    DocumentEmailTemplate,
    DocumentKind,
    OutboundEmail,
    Quotation,
    SalesOrder,
)

logger = logging.getLogger(__name__)

Document = Quotation | SalesOrder

# The placeholders a template may use, and what each one means (shown on the settings page).
PLACEHOLDERS: dict[str, str] = {
    "number": gettext_lazy("the document's number"),
    "customer": gettext_lazy("the customer's (or prospect's) name"),
    "total": gettext_lazy("the total with currency"),
    "salesperson": gettext_lazy("the salesperson's name"),
    "valid_until": gettext_lazy("the date the quotation is valid until (quotations)"),
    "date": gettext_lazy("the document's date"),
    "company": gettext_lazy("your company's name"),
}
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

DEFAULTS: dict[str, tuple[str, str]] = {
    DocumentKind.QUOTATION: (
        gettext_lazy("Quotation {number} from {company}"),
        gettext_lazy(
            "Hello,\n\n"
            "please find attached our quotation {number} for {customer}, "
            "a total of {total}.\n"
            "The offer is valid until {valid_until}.\n\n"
            "We look forward to your answer.\n\n"
            "Kind regards,\n{salesperson}\n{company}"
        ),
    ),
    DocumentKind.ORDER: (
        gettext_lazy("Sales order {number} from {company}"),
        gettext_lazy(
            "Hello,\n\n"
            "thank you for your order. Please find attached our sales order {number} "
            "for {customer}, a total of {total}.\n\n"
            "Kind regards,\n{salesperson}\n{company}"
        ),
    ),
}


def kind_of(document: Document) -> str:
    return DocumentKind.QUOTATION if isinstance(document, Quotation) else DocumentKind.ORDER


# --- the message ---------------------------------------------------------------------------------


def unknown_placeholders(text: str) -> list[str]:
    """The ``{name}`` placeholders in ``text`` that are not in the whitelist."""
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """Replace each whitelisted ``{name}`` with its value; anything else stays as written."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def placeholder_values(document: Document) -> dict[str, str]:
    party = document.party
    salesperson = document.salesperson
    money = floatformat(document.gross_total, "2g")  # as the pages show it: 11,424.00
    values = {
        "number": document.number,
        "customer": getattr(party, "name", None) or str(party or ""),
        "total": f"{money} {document.currency}",
        "salesperson": str(salesperson) if salesperson else "",
        "company": document.company.name,
        "valid_until": "",
    }
    if isinstance(document, Quotation):
        values["date"] = formats.date_format(document.quotation_date, "DATE_FORMAT")
        values["valid_until"] = formats.date_format(document.valid_until, "DATE_FORMAT")
    else:
        values["date"] = formats.date_format(document.order_date, "DATE_FORMAT")
    return values


def email_template_for(company, kind: str) -> DocumentEmailTemplate:
    """The company's template for ``kind``, or an unsaved one holding the defaults."""
    found = DocumentEmailTemplate.objects.filter(company=company, kind=kind).first()
    if found is not None:
        return found
    subject, body = DEFAULTS[kind]
    # Written to the customer: in the company's language, whoever opens the page.
    with company_locale(company):
        subject, body = str(subject), str(body)
    return DocumentEmailTemplate(company=company, kind=kind, subject=subject, body=body)


def email_templates_ensure(company) -> list[DocumentEmailTemplate]:
    """Store the default templates for every kind the company has none for (demo, set-up)."""
    made = []
    for kind in DocumentKind.values:
        template = email_template_for(company, kind)
        if template.pk is None:
            template.save()
            made.append(template)
    return made


@transaction.atomic
def email_template_save(
    *, company, kind: str, subject: str, body: str, actor
) -> DocumentEmailTemplate:
    """Store the company's subject and message for ``kind``, refusing unknown placeholders."""
    if kind not in DocumentKind.values:
        raise DomainError(_("Unknown kind of document."))
    unknown = unknown_placeholders(subject + "\n" + body)
    if unknown:
        raise DomainError(
            _("Unknown placeholder %(names)s. Use only: %(allowed)s.")
            % {
                "names": ", ".join(f"{{{name}}}" for name in unknown),
                "allowed": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            }
        )
    template, _created = DocumentEmailTemplate.objects.update_or_create(
        company=company, kind=kind, defaults={"subject": subject, "body": body}
    )
    return template


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str


def message_draft(document: Document) -> Draft:
    """The subject and message the send page starts with: the company's template, filled in."""
    template = email_template_for(document.company, kind_of(document))
    values = placeholder_values(document)
    # A subject is one line: a value with a line break cannot add headers to it.
    subject = " ".join(fill_placeholders(template.subject, values).split())
    return Draft(subject=subject, body=fill_placeholders(template.body, values))


# --- who it may go to ----------------------------------------------------------------------------


def _customer_of(document: Document):
    """The document's customer, or the customer its opportunity became (or None)."""
    customer = document.customer
    opportunity = document.opportunity
    if customer is None and opportunity is not None:
        link = getattr(opportunity, "customer_link", None)
        customer = getattr(link, "customer", None)
    return customer


def party_owners(document: Document) -> list:
    """The records whose contacts the document may be sent to: its customer (or the
    opportunity's customer), its opportunity, and the lead the opportunity came from."""
    owners = []
    opportunity = document.opportunity
    for owner in (_customer_of(document), opportunity, getattr(opportunity, "lead", None)):
        if owner is not None and owner not in owners:
            owners.append(owner)
    return owners


def recipient_contacts(document: Document):
    """The contacts with an e-mail address linked to the document's party, in one query."""
    condition = Q()
    for owner in party_owners(document):
        condition |= Q(
            owner_type=ContentType.objects.get_for_model(owner, for_concrete_model=True),
            owner_id=owner.pk,
        )
    if not condition:
        return Contact.objects.none()
    links = ContactLink.objects.filter(condition, company=document.company_id).values("contact")
    return (
        Contact.objects.filter(company=document.company_id, pk__in=links)
        .exclude(email="")
        .order_by("last_name", "first_name", "pk")
    )


# The form's value for the party's own address (a contact's is its id).
PARTY_ADDRESS = "party"


@dataclass(frozen=True)
class Recipient:
    """One address the send page offers: ``key`` is the form's value for it."""

    key: str
    label: str
    email: str
    is_contact: bool


def recipients(document: Document) -> list[Recipient]:
    """Whom the document may go to: the party's own address (the customer's, or for a prospect
    its lead's), then every linked contact with an e-mail address; an address offered once."""
    found: list[Recipient] = []
    own = _customer_of(document)
    if own is None and document.opportunity is not None:
        own = document.opportunity.lead  # a prospect: the lead's own address, if any
    if own is not None and own.email:
        found.append(Recipient(PARTY_ADDRESS, f"{own} <{own.email}>", own.email, False))
    seen = {recipient.email.casefold() for recipient in found}
    for contact in recipient_contacts(document):
        if contact.email.casefold() in seen:
            continue
        seen.add(contact.email.casefold())
        label = f"{contact.full_name} <{contact.email}>"
        found.append(Recipient(str(contact.pk), label, contact.email, True))
    return found


def split_addresses(text: str) -> list[str]:
    """Comma-, semicolon- or space-separated addresses, each checked; a bad one is refused."""
    addresses = [part for part in re.split(r"[,;\s]+", text or "") if part]
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise DomainError(
                _("“%(address)s” is not an e-mail address.") % {"address": address}
            ) from None
    return addresses


# --- the PDF -------------------------------------------------------------------------------------

# Any URL under this made-up origin is a static file of the app; nothing else is fetched.
PDF_BASE_URL = "http://crm.invalid/"


@cache
def pdf_unavailable() -> str:
    """Why PDFs cannot be made here (WeasyPrint or its system libraries are missing), or ""."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:
        logger.warning("WeasyPrint cannot be loaded: %s", error)
        return str(
            _(
                "PDFs cannot be made on this server: WeasyPrint or its system libraries "
                "(pango) are missing. Ask your administrator to install them (see the README)."
            )
        )
    return ""


def _static_path(url: str) -> str | None:
    """The file on disk behind a static URL of ours, or None."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != PDF_BASE_URL:
        return None
    prefix = "/" + settings.STATIC_URL.lstrip("/")
    if not parts.path.startswith(prefix):
        return None
    name = unquote(parts.path[len(prefix) :])
    if not name or ".." in name.split("/"):
        return None
    found = finders.find(name)
    if found:
        return found
    try:
        if staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
    except NotImplementedError:  # a storage with no local files
        return None
    return None


def local_static_file(url: str) -> tuple[bytes, str]:
    """The content and type of one of the app's static files named by ``url``; any other URL
    (another host, a path outside the static files, ``file:``) is refused with ValueError."""
    path = _static_path(url)
    if path is None:
        raise ValueError(f"not fetched (only local static files are): {url}")
    with open(path, "rb") as handle:
        content = handle.read()
    return content, mimetypes.guess_type(path)[0] or "application/octet-stream"


def _local_fetcher():
    """WeasyPrint's URL fetcher that reads only ``local_static_file``: never the network."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalStaticFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            content, mime_type = local_static_file(url)
            return URLFetcherResponse(url, content, {"Content-Type": mime_type})

    return LocalStaticFetcher()


def document_pdf(document: Document) -> bytes:
    """The document as the print view shows it, as a PDF."""
    from weasyprint import HTML

    from selling.views.printing import print_context

    with company_locale(document.company):
        html = render_to_string("selling/print.html", print_context(document))
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=_local_fetcher()).write_pdf()


def attachment_name(document: Document) -> str:
    return f"{document.number or kind_of(document)}.pdf"


# --- sending -------------------------------------------------------------------------------------


def email_refusal(document: Document, *, has_lines: bool) -> str | None:
    """Why ``document`` may not be e-mailed, or None if it may: the one rule by which
    ``document_email_send`` refuses and the pages leave out "Send by e-mail" (they pass the
    lines they have read already; the service asks the database). A document without lines is
    nothing to send; one that is rejected, expired or cancelled (the paper would say so), or a
    quotation that became an order, is not sent either."""
    if isinstance(document, Quotation):
        if not has_lines:
            return _("Add at least one line before sending the quotation.")
        is_open = document.status in Quotation.OPEN
    else:
        if not has_lines:
            return _("Add at least one line before sending the order.")
        is_open = document.status != SalesOrder.Status.CANCELLED
    if not is_open:
        return _("%(document)s is %(status)s: it cannot be e-mailed.") % {
            "document": document,
            "status": document.get_status_display().lower(),
        }
    return None


def can_email(document: Document, *, has_lines: bool) -> bool:
    return email_refusal(document, has_lines=has_lines) is None


def _load(document: Document) -> Document:
    related = ["company", "customer", "opportunity__lead", "salesperson"]
    return (
        type(document)
        .objects.select_related(*related)
        .get(pk=document.pk, company=document.company_id)
    )


def document_email_send(
    *,
    document: Document,
    to: str,
    cc: str = "",
    subject: str,
    body: str,
    actor,
    submission: uuid.UUID | None = None,
) -> OutboundEmail:
    """E-mail ``document`` as a PDF to ``to`` (one address) with copies to ``cc``.

    Refuses bad input with a ``DomainError`` and writes nothing. Otherwise the attempt is
    stored first and then made by ``outbound_email_deliver``; the returned row says whether it
    was sent or failed (with the error). ``submission`` is the send form's one-time key: the
    same key again (a double click) returns the first attempt's row and sends nothing more."""
    addresses = split_addresses(to)
    if not addresses:
        raise DomainError(_("Choose a contact or type the e-mail address to send it to."))
    if len(addresses) > 1:
        raise DomainError(_("Send it to one address; put the others in “Cc”."))
    recipient = addresses[0]
    copies = split_addresses(cc)
    subject = " ".join((subject or "").split())
    if not subject:
        raise DomainError(_("The subject is empty."))
    refusal = email_refusal(document, has_lines=document.items.exists())
    if refusal:
        raise DomainError(refusal)
    if submission is not None:
        earlier = _submitted(document, submission)
        if earlier is not None:
            return earlier
    try:
        with transaction.atomic():
            outbound = OutboundEmail.objects.create(
                company_id=document.company_id,
                submission=submission,
                quotation=document if isinstance(document, Quotation) else None,
                order=document if isinstance(document, SalesOrder) else None,
                to=recipient,
                cc=", ".join(copies),
                subject=subject[:200],
                body=body,
                attachment_name=attachment_name(document),
                sent_by=actor,
            )
    except IntegrityError:
        # The same form sent twice at once: the other request stored it first and sends it.
        earlier = _submitted(document, submission) if submission is not None else None
        if earlier is None:
            raise
        return earlier
    return outbound_email_deliver(outbound=outbound, actor=actor)


def _submitted(document: Document, submission: uuid.UUID) -> OutboundEmail | None:
    return emails_of(document).filter(submission=submission).first()


def outbound_email_deliver(*, outbound: OutboundEmail, actor) -> OutboundEmail:
    """Make the attempt a stored e-mail describes (the request now; a job could later).

    Sent once: a row already sent is returned as it is. In one transaction: a draft quotation
    is marked sent, the PDF made from the document as it now is, the row marked sent and the
    timeline written, and last the message handed to the mail backend. Anything failing rolls
    that back and the row keeps the error instead; a message the backend took is never recorded
    as failed."""
    try:
        with transaction.atomic():
            locked = (
                OutboundEmail.objects.select_for_update()
                .filter(pk=outbound.pk, company=outbound.company_id)
                .get()
            )
            if locked.status == OutboundEmail.Status.SENT:
                return locked
            document = _load(locked.document)
            # Checked again at the moment of sending: the lines may have gone since it was stored.
            refusal = email_refusal(document, has_lines=document.items.exists())
            if refusal:
                raise DomainError(refusal)
            if isinstance(document, Quotation) and document.can_move_to(Quotation.Status.SENT):
                services.quotation_send(quotation=document, actor=actor)
                document = _load(document)
            problem = pdf_unavailable()
            if problem:
                raise DomainError(problem)
            message = EmailMessage(
                subject=locked.subject,
                body=locked.body,
                to=[locked.to],
                cc=[address for address in locked.cc.split(", ") if address],
                reply_to=[actor.email] if getattr(actor, "email", "") else None,
            )
            message.attach(locked.attachment_name, document_pdf(document), "application/pdf")
            locked.status = OutboundEmail.Status.SENT
            locked.error = ""
            locked.attempted_at = timezone.now()
            locked.save(update_fields=["status", "error", "attempted_at"])
            log_sent(document, locked, actor=actor)
            # Last: once the message is out nothing else may fail and undo the record of it
            # (which would send a second copy on "Try again"); a refusal undoes the record.
            message.send(fail_silently=False)
            return locked
    except DomainError as error:
        reason = error.message
    except Exception as error:  # the mail server's or the PDF's failure: kept, shown, retried
        logger.exception("E-mail %s could not be sent", outbound.pk)
        reason = f"{type(error).__name__}: {error}"
    return _failed(outbound, reason)


def _failed(outbound: OutboundEmail, reason: str) -> OutboundEmail:
    with transaction.atomic():
        OutboundEmail.objects.filter(pk=outbound.pk, company=outbound.company_id).update(
            status=OutboundEmail.Status.FAILED, error=reason[:2000], attempted_at=timezone.now()
        )
    outbound.refresh_from_db()
    return outbound


def log_sent(document: Document, outbound: OutboundEmail, *, actor) -> None:
    """“Quotation QTN-… e-mailed to x@y by Dana” on the document's timeline and its party's."""
    values = {
        "kind": model_name(document),
        "number": document.number,
        "to": ", ".join(filter(None, [outbound.to, outbound.cc])),
    }
    if actor is not None:
        values["who"] = actor.get_full_name() or actor.get_username()
        message = event_message(
            gettext_noop("%(kind)s %(number)s e-mailed to %(to)s by %(who)s."), **values
        )
    else:
        message = event_message(gettext_noop("%(kind)s %(number)s e-mailed to %(to)s."), **values)
    data = {"document": document.number, "email": outbound.pk, "to": outbound.to}
    kind = SystemEvent.Kind.EMAIL
    activity_log_event(owner=document, kind=kind, message=message, data=data, actor=actor)
    party = document.opportunity or document.customer
    if party is not None:
        activity_log_event(owner=party, kind=kind, message=message, data=data, actor=actor)


def emails_of(document: Document):
    """The document's e-mails, newest first, with who sent them (one query)."""
    field = "quotation" if isinstance(document, Quotation) else "order"
    return OutboundEmail.objects.filter(
        company=document.company_id, **{field: document}
    ).select_related("sent_by")
