"""Web-to-lead pages: the company's forms (managers set them up and read what arrived) and the
public endpoints a website posts to (``webforms`` namespace, no login, no CSRF: the secret key
in the address is the credential)."""

import hashlib
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import DetailView, ListView

from crm.errors import DomainError
from crm.models import Salesperson
from crm.ui.pagination import CappedPaginator
from crm.views.accounts import client_address
from crm.views.mixins import CompanyQuerysetMixin, RoleRequiredMixin
from leads import webforms
from leads.models import LeadSource, WebForm, WebFormSubmission

__all__ = [
    "WebFormCreateView",
    "WebFormDetailView",
    "WebFormJsonView",
    "WebFormListView",
    "WebFormPublicView",
    "WebFormRotateView",
    "WebFormUpdateView",
]


class WebFormSettingsForm(forms.ModelForm):
    # Empty until the request's company fills them: the scoped managers refuse import-time reads.
    source = forms.ModelChoiceField(
        queryset=LeadSource.objects.none(),
        required=False,
        label=gettext_lazy("Lead source"),
        help_text=gettext_lazy("Set on every lead the form creates."),
    )
    salespeople = forms.ModelMultipleChoiceField(
        queryset=Salesperson.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Assign to, in turn"),
        help_text=gettext_lazy("New leads go to them one after another; none: unassigned."),
    )

    class Meta:
        model = WebForm
        fields = ["name", "is_active", "source", "salespeople", "thank_you"]

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.company = company
        self.fields["source"].queryset = LeadSource.objects.filter(company=company)
        self.fields["salespeople"].queryset = Salesperson.objects.filter(company=company)


class WebFormListView(RoleRequiredMixin, CompanyQuerysetMixin, ListView):
    model = WebForm
    template_name = "leads/webform_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("source").order_by("name", "pk")


class _WebFormEditMixin(RoleRequiredMixin):
    template_name = "leads/webform_form.html"

    def _render(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {"form": form, "web_form": getattr(self, "object", None)},
            status=status,
        )

    def _save(self, form):
        if not form.is_valid():
            return self._render(form)
        try:
            saved = webforms.web_form_save(
                form=form.save(commit=False),
                salespeople=form.cleaned_data["salespeople"],
                actor=self.request.user,
            )
        except DomainError as error:
            form.add_error(None, str(error))
            return self._render(form)
        messages.success(self.request, _("The web form “%(name)s” is saved.") % {"name": saved})
        return redirect(saved)


class WebFormCreateView(_WebFormEditMixin, View):
    def get(self, request):
        return self._render(WebFormSettingsForm(company=request.company))

    def post(self, request):
        return self._save(WebFormSettingsForm(request.POST, company=request.company))


class WebFormUpdateView(_WebFormEditMixin, View):
    model = WebForm

    def _object(self, pk):
        self.object = get_object_or_404(WebForm.objects.filter(company=self.request.company), pk=pk)
        return self.object

    def get(self, request, pk):
        form = WebFormSettingsForm(instance=self._object(pk), company=request.company)
        return self._render(form)

    def post(self, request, pk):
        form = WebFormSettingsForm(request.POST, instance=self._object(pk), company=request.company)
        return self._save(form)


class WebFormDetailView(RoleRequiredMixin, CompanyQuerysetMixin, DetailView):
    """The form's public address, the snippet to paste into a website, and every submission."""

    model = WebForm
    template_name = "leads/webform_detail.html"
    paginate_by = 25

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.object
        outcome = self.request.GET.get("outcome", "")
        submissions = (
            WebFormSubmission.objects.filter(company=form.company, form=form)
            .select_related("lead")
            .order_by("-received_at", "-pk")
        )
        if outcome in WebFormSubmission.Outcome.values:
            submissions = submissions.filter(outcome=outcome)
        else:
            outcome = ""
        page = CappedPaginator(submissions, self.paginate_by).get_page(self.request.GET.get("page"))
        action = self.request.build_absolute_uri(reverse("webforms:submit", args=[form.key]))
        context.update(
            action=action,
            json_action=self.request.build_absolute_uri(
                reverse("webforms:submit_json", args=[form.key])
            ),
            page_obj=page,
            submissions=page.object_list,
            outcome=outcome,
            outcomes=WebFormSubmission.Outcome.choices,
            snippet=_snippet(action),
        )
        return context


def _snippet(action: str) -> str:
    """The HTML a website pastes in: plain fields, and the honeypot kept out of sight."""
    fields = "\n".join(
        f"  <p><label>{field.label}<br>"
        f"<{'textarea' if isinstance(field.widget, forms.Textarea) else 'input'} "
        f'name="{name}"'
        f"{'></textarea>' if isinstance(field.widget, forms.Textarea) else '>'}</label></p>"
        for name, field in webforms.WebLeadForm.base_fields.items()
    )
    return (
        f'<form action="{action}" method="post">\n{fields}\n'
        f'  <p style="position:absolute;left:-10000px" aria-hidden="true">'
        f'<input name="{webforms.HONEYPOT}" tabindex="-1" autocomplete="off"></p>\n'
        f'  <p><button type="submit">{_("Send")}</button></p>\n</form>'
    )


class WebFormRotateView(RoleRequiredMixin, View):
    model = WebForm

    def post(self, request, pk):
        form = get_object_or_404(WebForm.objects.filter(company=request.company), pk=pk)
        webforms.web_form_rotate_key(form=form, actor=request.user)
        messages.success(
            request,
            _("The form has a new address: update your website. The old one no longer works."),
        )
        return redirect(form)


# The public side.


def _client(request) -> str:
    return hashlib.sha256((client_address(request) or "unknown").encode()).hexdigest()[:32]


def _form_or_404(key: str) -> WebForm:
    form = webforms.web_form_find(key)
    if form is None:
        raise Http404(gettext_lazy("No such form."))
    return form


@method_decorator([login_not_required, csrf_exempt], name="dispatch")
class WebFormPublicView(View):
    """The form as the company's own page (a link to share), and where the snippet posts."""

    template_name = "leads/webform_public.html"

    def get(self, request, key):
        form = _form_or_404(key)
        return render(
            request,
            self.template_name,
            {"web_form": form, "fields": webforms.WebLeadForm(), "honeypot": webforms.HONEYPOT},
        )

    def post(self, request, key):
        form = _form_or_404(key)
        submission, fields = webforms.web_form_submit(
            form=form, data=request.POST, client=_client(request)
        )
        context = {"web_form": form, "fields": fields, "honeypot": webforms.HONEYPOT}
        if submission is None or submission.outcome == WebFormSubmission.Outcome.THROTTLED:
            context["refusal"] = _("Too many messages from your address: try again later.")
            return render(request, self.template_name, context, status=429)
        if submission.outcome == WebFormSubmission.Outcome.INVALID:
            return render(request, self.template_name, context, status=400)
        return render(request, "leads/webform_thanks.html", context)


@method_decorator([login_not_required, csrf_exempt], name="dispatch")
class WebFormJsonView(View):
    """The same for a script: a JSON object (or form fields) in, JSON out. Open to any origin
    (CORS): the key is the credential and no cookie is read."""

    def _answer(self, payload: dict, status: int) -> JsonResponse:
        response = JsonResponse(payload, status=status)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    def options(self, request, key):
        response = self._answer({}, 204)
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        return response

    def post(self, request, key):
        form = _form_or_404(key)
        if request.content_type == "application/json":
            try:
                data = json.loads(request.body or b"{}")
            except (ValueError, UnicodeDecodeError):
                data = None
            if not isinstance(data, dict):
                return self._answer(
                    {"status": "invalid", "errors": {"__all__": [_("Send a JSON object.")]}},
                    400,
                )
        else:
            data = request.POST
        submission, fields = webforms.web_form_submit(form=form, data=data, client=_client(request))
        if submission is None or submission.outcome == WebFormSubmission.Outcome.THROTTLED:
            return self._answer({"status": "throttled"}, 429)
        if submission.outcome == WebFormSubmission.Outcome.INVALID:
            return self._answer({"status": "invalid", "errors": fields.errors.get_json_data()}, 400)
        # Created, a duplicate and the honeypot look alike from outside.
        return self._answer({"status": "received", "message": form.thank_you}, 201)
