"""Languages, time zones and currencies: who reads the CRM in which.

A page's language is, in order: what the person chose (a staff user's ``UserPreferences``, kept
in the session from sign-in on; a customer user's own field), else their company's language,
else the browser's (Django's ``LocaleMiddleware``, which also serves signed-out pages). Dates
and times are shown in the company's time zone, amounts in its currency's format
(``crm.money``). Commands and e-mails use ``company_locale`` to speak the company's language (or
a recipient's).
"""

import zoneinfo
from contextlib import contextmanager
from pathlib import Path

import polib
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from crm.money import activate_currency, reset_currency
from crm.phones import activate_region, reset_region

SESSION_KEY = "crm_language"
LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def _zone(name: str):
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


@contextmanager
def company_locale(company, language: str = ""):
    """Run a block (a command, an e-mail) in ``language``, else the company's language (else
    the default), the company's time zone and its currency."""
    code = language or getattr(company, "language", "") or settings.LANGUAGE_CODE
    zone = _zone(getattr(company, "time_zone", ""))
    token = activate_currency(getattr(company, "currency", ""))
    region_token = activate_region(getattr(company, "dialing_region", ""))
    try:
        with translation.override(code):
            if zone is None:
                yield
            else:
                with timezone.override(zone):
                    yield
    finally:
        reset_region(region_token)
        reset_currency(token)


class PreferredLocaleMiddleware:
    """After the company is known (staff: ``crm.middleware``; portal: ``portal.middleware``):
    the person's or the company's language over the browser's, the company's time zone and
    currency. Runs inside the company's scope, so ``LocaleMiddleware``'s response headers
    (Content-Language) follow what is activated here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        company = getattr(request, "company", None)
        customer_user = getattr(request, "customer_user", None)
        if customer_user is not None:
            chosen = customer_user.language
        elif request.user.is_authenticated:
            chosen = request.session.get(SESSION_KEY, "")
        else:
            chosen = ""
        language = chosen or (company.language if company is not None else "")
        if language in LANGUAGE_CODES:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        # Set afresh on every request, never reset on the way out: a streamed answer (an
        # export) is written after the middleware returns, and must still read as the page.
        zone = _zone(company.time_zone) if company is not None else None
        if zone is not None:
            timezone.activate(zone)
        else:
            timezone.deactivate()
        activate_currency(company.currency if company is not None else "")
        activate_region(company.dialing_region if company is not None else "")
        return self.get_response(request)


def remember_language_at_sign_in(sender, request, user, **kwargs):
    """A staff user's chosen language follows them into every new session (connected to
    ``user_logged_in`` in ``crm.apps``)."""
    from crm.models import UserPreferences

    if request is None or not hasattr(request, "session"):
        return
    language = UserPreferences.objects.filter(user=user).values_list("language", flat=True).first()
    if language:
        request.session[SESSION_KEY] = language
    else:
        request.session.pop(SESSION_KEY, None)


@login_not_required
@require_POST
def set_language(request):
    """The top bar's switcher: remember the language for this browser (cookie), for a staff
    user (preferences and session) or for a customer user (their row), then go back."""
    from crm.models import UserPreferences

    language = request.POST.get("language", "")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in LANGUAGE_CODES:
        return response
    if request.user.is_authenticated:
        UserPreferences.objects.update_or_create(user=request.user, defaults={"language": language})
        request.session[SESSION_KEY] = language
    customer_user = getattr(request, "customer_user", None)
    if customer_user is not None:
        customer_user.language = language
        customer_user.save(update_fields=["language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def catalogue_paths() -> list[Path]:
    """Every ``.po`` file under ``LOCALE_PATHS``."""
    return sorted(
        path for root in settings.LOCALE_PATHS for path in Path(root).glob("*/LC_MESSAGES/*.po")
    )


def compile_catalogues() -> list[Path]:
    """Compile each ``.po`` next to it as ``.mo`` (what ``compilemessages`` does, without
    GNU gettext on the machine). Fuzzy entries are left out, as msgfmt does."""
    written = []
    for path in catalogue_paths():
        catalogue = polib.pofile(str(path))
        target = path.with_suffix(".mo")
        catalogue.save_as_mofile(str(target))
        written.append(target)
    return written


# How the catalogues are made (`make messages`, `check_catalogues`): the app's code only, file
# names without line numbers (a moved line is no change), no obsolete entries kept.
MAKEMESSAGES_OPTIONS = {
    "locale": ["id"],
    "ignore_patterns": ["tests", "bench", ".venv", "node_modules", "staticfiles"],
    "no_obsolete": True,
    "add_location": "file",
}
