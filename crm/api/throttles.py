"""Request limits (DRF throttles, counted in the cache): per token, so one runaway script does
not use up its owner's other tokens or the docs page, and per address for requests without one.
Rates come from settings (``API_RATE``, ``API_ANON_RATE``)."""

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from crm.models import ApiToken


class ApiTokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None  # ApiAnonRateThrottle counts these
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        else:
            ident = f"user-{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ApiAnonRateThrottle(AnonRateThrottle):
    scope = "anon"
