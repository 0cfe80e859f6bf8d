"""The signed-in person's API tokens in the active company: make one (its key shown once),
see when each was last used, revoke one."""

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from crm.api.tokens import api_token_create, api_token_revoke
from crm.errors import DomainError
from crm.models import ApiToken

NEW_KEY_SESSION = "api_token_new_key"


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. “Website sync”."),
    )


class ApiTokenListView(View):
    """GET lists the tokens; POST makes one and shows its key on this one answer only."""

    template_name = "crm/api_tokens.html"

    def tokens(self):
        return ApiToken.objects.filter(company=self.request.company, user=self.request.user)

    def render(self, form, *, new_key: str = "", new_token=None, status: int = 200):
        context = {
            "form": form,
            "tokens": self.tokens(),
            "new_key": new_key,
            "new_token": new_token,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        # The key of a token just made, handed over by the POST below: shown on this answer
        # only, then gone from the session.
        made = request.session.pop(NEW_KEY_SESSION, None)
        if made is None:
            return self.render(ApiTokenForm())
        new_token = self.tokens().filter(pk=made.get("token")).first()
        response = self.render(ApiTokenForm(), new_key=made.get("key", ""), new_token=new_token)
        # No copy in a cache or behind the browser's back button.
        response["Cache-Control"] = "no-store"
        return response

    def post(self, request):
        form = ApiTokenForm(request.POST)
        if not form.is_valid():
            return self.render(form, status=400)
        try:
            token, key = api_token_create(
                company=request.company, user=request.user, name=form.cleaned_data["name"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self.render(form, status=400)
        # Post/redirect/get: reloading the page shows the list, it does not make a second token.
        request.session[NEW_KEY_SESSION] = {"token": token.pk, "key": key}
        return HttpResponseRedirect(reverse("crm:api_tokens"))


class ApiTokenRevokeView(View):
    """Revoke one of one's own tokens (``token``: its id); anyone else's, or another
    company's, is a 404."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        token = get_object_or_404(
            ApiToken.objects.filter(company=request.company, user=request.user),
            pk=_int(request.POST.get("token")),
        )
        try:
            api_token_revoke(token=token, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
        return HttpResponseRedirect(reverse("crm:api_tokens"))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
