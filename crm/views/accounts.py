"""Account pages that need more than Django's own: a throttled password reset.

Logins are throttled by django-axes (settings: AXES_*). The reset form sends e-mail to anyone
who types an address, so it is limited too: per client address and per e-mail address, counted
in the cache for an hour. Past the limit nothing is sent and the form says so, whether or not the
address has an account (the answer must not tell which addresses do).
"""

import hashlib

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.utils.translation import gettext as _

WINDOW_SECONDS = 60 * 60


def client_address(request) -> str | None:
    """Who is asking: the address the first trusted proxy saw (``PROXY_COUNT`` of them append
    to X-Forwarded-For), or the connection's own. Used by django-axes and the reset limit."""
    count = settings.PROXY_COUNT
    if count:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR") or None


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"password-reset:{kind}:{digest}"


def _count(key: str) -> int:
    """Add one request to the key's hour and return how many it now holds."""
    if cache.add(key, 1, WINDOW_SECONDS):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        return 1


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        limit = settings.PASSWORD_RESET_LIMIT
        by_address = _count(_key("ip", client_address(self.request) or "unknown"))
        by_email = _count(_key("email", form.cleaned_data["email"]))
        if max(by_address, by_email) > limit:
            form.add_error(
                None,
                _(
                    "Too many password reset requests: no e-mail was sent. Wait an hour and "
                    "try again, or ask your company's admin for help."
                ),
            )
            return self.form_invalid(form)
        return super().form_valid(form)
