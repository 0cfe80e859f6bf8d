"""The project's URLs plus the floor, which production (``crm.urls``) never routes."""

from django.urls import path

from bench.views import floor
from crm.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    *project_urlpatterns,
]
