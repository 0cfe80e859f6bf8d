"""Sending a quotation or an order by e-mail, and the company's e-mail templates.

Sending is editing the document (``crm.access``): a document outside the user's edit level is a
404 like another company's. The page keeps what was typed when sending fails, shows the error
and offers to try again; ``selling.mailing`` does the work.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView

from crm.access import Action
from crm.access.views import AccessQuerysetMixin
from crm.errors import DomainError
from crm.views.mixins import CompanyQuerysetMixin, RoleRequiredMixin
from selling import mailing
from selling.forms import DocumentEmailForm, EmailTemplateForm
from selling.models import DocumentKind, OutboundEmail, Quotation, SalesOrder


class DocumentEmailView(AccessQuerysetMixin, CompanyQuerysetMixin, DetailView):
    """GET: the form, filled from the company's template (or from a failed e-mail to retry).
    POST: send; on success back to the document, on failure the same page with the error."""

    access_action = Action.EDIT
    template_name = "selling/document_email.html"
    context_object_name = "document"

    def get_queryset(self):
        related = ["company", "customer", "opportunity__lead", "salesperson"]
        if self.model is Quotation:
            related.append("opportunity__customer_link__customer")
        return super().get_queryset().select_related(*related)

    def form(self, data=None) -> DocumentEmailForm:
        recipients = mailing.recipients(self.object)
        return DocumentEmailForm(data, recipients=recipients, initial=self.initial(recipients))

    def initial(self, recipients: list[mailing.Recipient]) -> dict:
        retry = self.retried()
        if retry is not None:
            return {
                "to": retry.to,
                "cc": retry.cc,
                "subject": retry.subject,
                "body": retry.body,
            }
        draft = mailing.message_draft(self.object)
        # The customer's first contact is the usual recipient, else its own address: chosen
        # already.
        chosen = next((r for r in recipients if r.is_contact), None) or next(iter(recipients), None)
        return {
            "contact": chosen.key if chosen else "",
            "subject": draft.subject,
            "body": draft.body,
        }

    def retried(self) -> OutboundEmail | None:
        """``?retry=<id>``: one of this document's e-mails (another's id is simply ignored)."""
        try:
            pk = int(self.request.GET.get("retry", ""))
        except ValueError:
            return None
        return mailing.emails_of(self.object).filter(pk=pk).first()

    def submission(self) -> uuid.UUID | None:
        """The form's one-time key (a missing or malformed one: no double-click guard)."""
        try:
            return uuid.UUID(self.request.POST.get("submission", ""))
        except ValueError:
            return None

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render_to_response(self.get_context_data(form=self.form()))

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.form(request.POST)
        if mailing.pdf_unavailable() or not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        cc = data["cc"]
        if data["cc_me"] and request.user.email:
            cc = ", ".join(filter(None, [cc, request.user.email]))
        try:
            outbound = mailing.document_email_send(
                document=self.object,
                to=data["recipient"],
                cc=cc,
                subject=data["subject"],
                body=data["body"],
                actor=request.user,
                submission=self.submission(),
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.render_to_response(self.get_context_data(form=form))
        if outbound.status == OutboundEmail.Status.QUEUED:  # the first click is sending it
            messages.info(request, _("%(document)s is being sent.") % {"document": self.object})
            return HttpResponseRedirect(self.object.get_absolute_url())
        if outbound.status == OutboundEmail.Status.SENT:
            messages.success(
                request,
                _("%(document)s was e-mailed to %(to)s.")
                % {"document": self.object, "to": outbound.to},
            )
            return HttpResponseRedirect(self.object.get_absolute_url())
        # Failed: the same page, what was typed kept, the error and "Try again".
        self.object.refresh_from_db()
        return self.render_to_response(self.get_context_data(form=form, failed=outbound))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        document = self.object
        is_quotation = isinstance(document, Quotation)
        context.update(
            is_quotation=is_quotation,
            kind_label=_("Quotation") if is_quotation else _("Sales order"),
            pdf_problem=mailing.pdf_unavailable(),
            refusal=mailing.email_refusal(document, has_lines=document.items.exists()),
            marks_sent=is_quotation and document.status == Quotation.Status.DRAFT,
            emails=list(mailing.emails_of(document)[:20]),
            # A new key for each form shown: after a failure, "Try again" is a new attempt.
            submission=uuid.uuid4(),
            email_url=self.request.path,
            print_url=reverse(
                "selling:quotation_print" if is_quotation else "selling:order_print",
                args=[document.pk],
            ),
        )
        return context


class QuotationEmailView(DocumentEmailView):
    model = Quotation


class OrderEmailView(DocumentEmailView):
    model = SalesOrder


class EmailTemplatesView(RoleRequiredMixin, TemplateView):
    """The company's subject and message for each kind of document; managers and admins edit
    them (the default texts apply until they do)."""

    template_name = "selling/email_templates.html"

    def forms(self, posted_kind: str = "", data=None) -> list[tuple[str, str, EmailTemplateForm]]:
        found = []
        for kind, label in DocumentKind.choices:
            template = mailing.email_template_for(self.request.company, kind)
            form = EmailTemplateForm(
                data if kind == posted_kind else None,
                prefix=kind,
                initial={"subject": template.subject, "body": template.body},
            )
            found.append((kind, label, form))
        return found

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("template_forms", self.forms())
        context["placeholders"] = [
            (f"{{{name}}}", meaning) for name, meaning in mailing.PLACEHOLDERS.items()
        ]
        return context

    def post(self, request, *args, **kwargs):
        kind = request.POST.get("kind", "")
        if kind not in DocumentKind.values:
            messages.error(request, _("Unknown kind of document."))
            return HttpResponseRedirect(request.path)
        forms = self.forms(kind, request.POST)
        form = next(form for form_kind, _label, form in forms if form_kind == kind)
        if form.is_valid():
            try:
                mailing.email_template_save(
                    company=request.company,
                    kind=kind,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    actor=request.user,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("The e-mail for %(kind)s was saved.")
                    % {"kind": DocumentKind(kind).label.lower()},
                )
                return HttpResponseRedirect(request.path)
        return self.render_to_response(self.get_context_data(template_forms=forms))
