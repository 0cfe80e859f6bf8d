"""Settings for the benchmark server: production-like (DEBUG off, persistent connections), but
plain HTTP on 127.0.0.1 and with the benchmark-only floor view routed (``bench.urls``).

The database is always the benchmark's own: the one ``DATABASE_URL`` names with ``_bench``
added, so a benchmark never reads or writes the user's data.
"""

from bench.config import ROWS_PER_PAGE
from crm.settings import *  # noqa: F403
from crm.settings import BASE_DIR, DATABASES, TEMPLATES

BENCH_DB_SUFFIX = "_bench"


def bench_database_name(name: str) -> str:
    """The benchmark's database next to the one ``DATABASE_URL`` names."""
    return f"{name}{BENCH_DB_SUFFIX}"


# A copy: crm.settings' dictionaries stay as they are (the tests import this module too).
DATABASES = {"default": dict(DATABASES["default"])}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["NAME"] = bench_database_name(DATABASES["default"]["NAME"])
    DATABASES["default"]["CONN_MAX_AGE"] = 600

DEBUG = False
SECRET_KEY = "bench-only-secret-key-0123456789-never-used-for-real-data"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "bench.urls"
# The lists show as many rows as the floor fetches (crm.settings has no variable for it).
PAGE_SIZE = ROWS_PER_PAGE

TEMPLATES = [
    {**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], BASE_DIR / "bench" / "templates"]},
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
