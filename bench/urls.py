"""The project's URLs plus the floors, which production (``crm.urls``) never routes."""

from django.urls import path

from bench.views import detail_floor, document_floor, floor
from crm.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("bench/floor/detail/<int:pk>/", detail_floor, name="bench_detail_floor"),
    path("bench/floor/document/<int:pk>/", document_floor, name="bench_document_floor"),
    *project_urlpatterns,
]
