"""Settings, read from the environment. Defaults suit a first look on a laptop (SQLite).

Production uses ``crm.production_settings``, which requires the secrets these defaults fill in.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Index expressions with operator classes (the trigram search indexes, crm.ui.search); on
    # SQLite it registers nothing.
    "django.contrib.postgres",
    "polymorphic",
    "django_filters",
    "django_htmx",
    "csp",
    "axes",
    # Country names in every language, for the country picker (addressbook.countries).
    "django_countries",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crm",
    "addressbook",
    "leads",
    "customers",
    "selling",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # The customer portal's own session and scope, before the staff's company scope.
    "portal.middleware.PortalMiddleware",
    "crm.middleware.CompanyScopeMiddleware",
    # The user's (else the company's) language, the company's time zone and currency.
    "crm.i18n.PreferredLocaleMiddleware",
    # Remembers the request for the change history (who: crm.audit).
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"
ASGI_APPLICATION = "crm.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            # Amounts of money ({{ value|money:currency }}), everywhere without a load.
            "builtins": ["crm.templatetags.money"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.company",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several people at once on SQLite: a write transaction takes the write lock when it begins
    # (IMMEDIATE), so a second writer waits up to `timeout` seconds for its turn; with SQLite's
    # default (DEFERRED) a transaction that read first fails at its first write with "database
    # is locked". WAL lets pages read while someone writes. The tests use a file too (an
    # in-memory database shared between threads locks per table and does not wait).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # One file per test run (two runs in one checkout must not share it).
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME", os.path.join(tempfile.gettempdir(), f"crm-test-{os.getpid()}.sqlite3")
    )

# PostgreSQL row-level security (crm.rls): the role the web process connects as, subject to the
# per-company policies that migrate creates; migrations and commands run as the tables' owner.
DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "crm_app")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Content-Security-Policy (django-csp): every script, style, image and font comes from the app
# itself; no inline script, no inline style (the print view's one per-document <style> carries
# the request's nonce), no frames, forms post only here. Enforced, except with DEBUG on, where it
# is report-only so Django's own debug pages (inline styles) keep working.
_CSP = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if DEBUG:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP
else:
    CONTENT_SECURITY_POLICY = _CSP

# Browser features no CRM page uses are switched off for every page (and anything it embeds).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
        "xr-spatial-tracking",
    )
}

AUTHENTICATION_BACKENDS = [
    # django-axes first: a locked-out username + address is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): after this many wrong passwords for one username from one
# address, that pair is locked out for the cool-off; a right password resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The client's address (crm.views.accounts.client_address): the connection's, unless
# PROXY_COUNT trusted proxies sit in front; then the one the first of them saw, read from the
# right of X-Forwarded-For (anything further left is whatever the client claimed).
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "crm.views.accounts.client_address"
# Password reset e-mails: at most this many per address and per e-mail an hour.
PASSWORD_RESET_LIMIT = int(os.environ.get("PASSWORD_RESET_LIMIT", "5"))

# Web-to-lead: at most this many submissions per form from one address in the window.
WEB_FORM_LIMIT = int(os.environ.get("WEB_FORM_LIMIT", "10"))
WEB_FORM_WINDOW_SECONDS = int(os.environ.get("WEB_FORM_WINDOW_SECONDS", "600"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "crm:dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
# Each language under its own name, so the switcher reads right whatever the page's language.
LANGUAGES = [("en", "English"), ("id", "Bahasa Indonesia")]
# The catalogues (locale/<lang>/LC_MESSAGES/django.po) are compiled by `make setup`
# (crm.i18n.compile_catalogues: pure Python, no gettext tools needed).
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our own date formats where Django's differ from what a company expects (crm/formats/).
FORMAT_MODULE_PATH = ["crm.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploaded files (imports waiting for their run); never served: nothing maps MEDIA_URL.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Background jobs (django-tasks): the database backend needs no other server; run
# `manage.py db_worker` beside the web process. TASKS_BACKEND may name another backend (the
# README's Redis-backed set-up for bigger installs).
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# An import with more rows than this runs as a background job; smaller ones run at once.
IMPORT_BACKGROUND_ROWS = int(os.environ.get("IMPORT_BACKGROUND_ROWS", "2000"))
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(100 * 1000 * 1000)))

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
# With a cache every worker shares (Redis), sessions are read from it and written through to
# the database: one query less on every signed-in request, and nothing lost when the cache is
# flushed. A per-process memory cache is not shared, so a session changed by one worker (the
# active company switched) would be stale in another: there the database alone.
SESSION_ENGINE = os.environ.get(
    "SESSION_ENGINE",
    "django.contrib.sessions.backends.cached_db"
    if os.environ.get("REDIS_URL")
    else "django.contrib.sessions.backends.db",
)

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "crm@localhost")
# The SMTP server, when EMAIL_BACKEND is Django's SMTP backend. Quotations and orders are e-mailed
# within the request (selling.mailing): the timeout keeps a dead server from holding the page.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))

MESSAGE_TAGS = {}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Lists show this many rows a page.
PAGE_SIZE = int(os.environ.get("PAGE_SIZE", "25"))
# Lists count matching rows up to this many and say "more than …" past it; their pages end there
# too (a bounded offset), so neither the count nor a deep page reads a whole large table.
LIST_COUNT_LIMIT = int(os.environ.get("LIST_COUNT_LIMIT", "10000"))

# The REST API (crm.api, each app's api.py): token or session authentication, the company
# scope and access levels of that user, cursor pages, one error shape, limits per token.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crm.api.auth.ApiTokenAuthentication",
        "crm.api.auth.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["crm.api.auth.IsCompanyMember"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "crm.api.pagination.IdCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "crm.api.schema.CrmAutoSchema",
    "EXCEPTION_HANDLER": "crm.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "crm.api.throttles.ApiTokenRateThrottle",
        "crm.api.throttles.ApiAnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": os.environ.get("API_RATE", "600/min"),
        "anon": os.environ.get("API_ANON_RATE", "30/min"),
    },
    "NUM_PROXIES": PROXY_COUNT,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": (
        "Leads, opportunities, customers, the address book, the catalog, quotations, orders "
        "and timelines of one company, as the token's user may see and change them. Errors "
        'answer {"errors": [{"field", "code", "message"}]}; lists are cursor-paginated.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SERVE_AUTHENTICATION": [
        "crm.api.auth.ApiTokenAuthentication",
        "crm.api.auth.SessionAuthentication",
    ],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "LeadStatusEnum": "leads.models.Lead.Status",
        "CustomerStatusEnum": "customers.models.Customer.Status",
    },
}

# Serve static files straight from the apps in development and tests (no collectstatic needed);
# production serves the collected, hashed and compressed copies.
WHITENOISE_USE_FINDERS = DEBUG or env_bool("WHITENOISE_USE_FINDERS", False)

# django-polymorphic checks the default manager's queryset outside any request, where
# django-scopes hands out a refusing queryset on purpose; inside a scope it is polymorphic.
SILENCED_SYSTEM_CHECKS = ["polymorphic.W002"]
# The list indexes carry extra columns (INCLUDE) for PostgreSQL's index-only reads; SQLite, which
# `make run` uses, builds the same indexes without them and is fast enough at its sizes. Its
# warning on every migrate only alarmed new users.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    SILENCED_SYSTEM_CHECKS.append("models.W040")
