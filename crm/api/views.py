"""The API's docs page: Swagger UI from the drf-spectacular-sidecar package, started by our
own script (the Content-Security-Policy allows no inline script)."""

from django.urls import reverse
from django.views.generic import TemplateView


class ApiDocsView(TemplateView):
    template_name = "crm/api_docs.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["schema_url"] = reverse("api:schema")
        return context
