"""``/api/v1/``: every installed app's ``api`` module registers on the one router, then the
schema and its docs page (served from the drf-spectacular-sidecar package: no CDN)."""

from django.urls import path
from django.utils.module_loading import autodiscover_modules
from drf_spectacular.views import SpectacularAPIView

from crm.api import resources  # noqa: F401 - registers the core's own resources
from crm.api.router import router
from crm.api.views import ApiDocsView

# Like the admin's autodiscover: crm names no higher app, each app's api.py registers itself.
autodiscover_modules("api")

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(), name="docs"),
    *router.urls,
]
