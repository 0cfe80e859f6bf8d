"""Signing in and out of the portal, accepting an invitation and choosing a new password.

Sign-in is throttled like the staff's (django-axes there, the cache here): after
``LOGIN_FAILURE_LIMIT`` wrong passwords for one e-mail from one address, that pair waits
``LOGIN_COOLOFF_MINUTES``. No answer tells a known address from an unknown one, except after
the right password (a group without portal access is then named, so the person knows why).
"""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django_scopes import scope

from crm.errors import DomainError
from crm.views.accounts import client_address
from customers import portal_users
from portal.auth import portal_login, portal_logout
from portal.forms import EmailForm, LoginForm, SetPasswordForm

__all__ = [
    "AcceptInvitationView",
    "LoginView",
    "LogoutView",
    "PasswordResetConfirmView",
    "PasswordResetView",
]


def _throttle_key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).strip().lower().encode()).hexdigest()[:32]
    return f"portal-{kind}:{digest}"


def _cooloff_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def _failures(key: str) -> int:
    return cache.get(key, 0)


def _fail(key: str) -> None:
    if not cache.add(key, 1, _cooloff_seconds()):
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, _cooloff_seconds())


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) and target.startswith("/portal/"):
        return target
    return "/portal/"


def _refusal(user) -> str | None:
    """Why a user with the right password still may not enter, or None."""
    group = user.customer.customer_group
    if group is not None and not group.portal_login:
        return _(
            "Customers of the group “%(group)s” cannot use the %(company)s portal. "
            "Ask your contact at %(company)s if you need access."
        ) % {"group": group.name, "company": user.company.name}
    return None


class LoginView(View):
    template_name = "portal/login.html"

    def get(self, request):
        if request.customer_user is not None:
            return redirect(_next_url(request))
        return self._render(LoginForm())

    def _render(self, form, status=200):
        return render(
            self.request,
            self.template_name,
            {"form": form, "next": _next_url(self.request)},
            status=status,
        )

    def post(self, request):
        form = LoginForm(request.POST)
        if not form.is_valid():
            return self._render(form)
        email = form.cleaned_data["email"]
        key = _throttle_key("login", email, client_address(request) or "unknown")
        if _failures(key) >= settings.AXES_FAILURE_LIMIT:
            form.add_error(
                None,
                _("Too many wrong passwords: wait %(minutes)d minutes and try again.")
                % {"minutes": _cooloff_seconds() // 60},
            )
            return self._render(form, status=429)
        matches = portal_users.customer_user_authenticate(email, form.cleaned_data["password"])
        if not matches:
            _fail(key)
            form.add_error(None, _("The e-mail or the password is wrong."))
            return self._render(form)
        cache.delete(key)
        if len(matches) > 1:
            chosen = request.POST.get("company")
            companies = sorted({m.company for m in matches}, key=lambda c: c.name)
            form = LoginForm(request.POST, companies=companies)
            if not chosen or not form.is_valid():
                return self._render(form)
            matches = [m for m in matches if m.company_id == form.cleaned_data["company"]]
        user = matches[0]
        refusal = _refusal(user)
        if refusal:
            form.add_error(None, refusal)
            return self._render(form, status=403)
        portal_login(request, user)
        return redirect(_next_url(request))


class LogoutView(View):
    def post(self, request):
        portal_logout(request)
        messages.info(request, _("You have signed out of the portal."))
        return redirect("portal:login")


class PasswordResetView(View):
    template_name = "portal/password_reset.html"

    def get(self, request):
        return render(request, self.template_name, {"form": EmailForm()})

    def post(self, request):
        form = EmailForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        email = form.cleaned_data["email"]
        by_address = _throttle_key("reset-ip", client_address(request) or "unknown")
        by_email = _throttle_key("reset-email", email)
        if max(_failures(by_address), _failures(by_email)) >= settings.PASSWORD_RESET_LIMIT:
            form.add_error(
                None,
                _("Too many requests: no e-mail was sent. Wait an hour and try again."),
            )
            return render(request, self.template_name, {"form": form}, status=429)
        for key in (by_address, by_email):
            if not cache.add(key, 1, 3600):
                cache.incr(key)
        portal_users.customer_user_reset_send(email, base_url=request.build_absolute_uri("/"))
        return render(request, "portal/password_reset_sent.html", {"email": email})


class _TokenPasswordView(View):
    """A page reached from an e-mailed link: choose a password, then you are signed in."""

    template_name = "portal/password_set.html"
    max_age_seconds = 0
    title = ""
    done_message = ""

    def _user(self, token):
        return portal_users.customer_user_from_token(token, max_age_seconds=self.max_age_seconds)

    def _render(self, form, user, status=200):
        return render(
            self.request,
            self.template_name,
            {"form": form, "invited": user, "title": self.title},
            status=status,
        )

    def get(self, request, token):
        user = self._user(token)
        if user is None:
            return render(request, "portal/link_expired.html", status=400)
        return self._render(SetPasswordForm(), user)

    def post(self, request, token):
        user = self._user(token)
        if user is None:
            return render(request, "portal/link_expired.html", status=400)
        form = SetPasswordForm(request.POST)
        if not form.is_valid():
            return self._render(form, user)
        with scope(company=user.company):
            try:
                user = portal_users.customer_user_set_password(
                    user=user, password=form.cleaned_data["password1"]
                )
            except DomainError as error:
                form.add_error("password1", str(error))
                return self._render(form, user)
            refusal = _refusal(user)
            if refusal:
                messages.warning(request, refusal)
                return redirect("portal:login")
            portal_login(request, user)
        messages.success(request, self.done_message)
        return redirect("portal:home")


class AcceptInvitationView(_TokenPasswordView):
    max_age_seconds = portal_users.INVITATION_DAYS * 24 * 3600

    @property
    def title(self):
        return _("Welcome: choose your password")

    @property
    def done_message(self):
        return _("Your password is set. Welcome to the portal.")


class PasswordResetConfirmView(_TokenPasswordView):
    max_age_seconds = portal_users.RESET_HOURS * 3600

    @property
    def title(self):
        return _("Choose a new password")

    @property
    def done_message(self):
        return _("Your new password is set.")
