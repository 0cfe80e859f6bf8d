"""The real URLs plus two portal pages for ``test_crawl``'s proof that the crawl catches a leak:
one loads a quotation by id alone (wrong), one through ``reach()`` (right)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import include, path
from django.views import View

from crm.urls import urlpatterns as crm_urlpatterns
from portal import urls as portal_urls
from portal.views.base import PortalMixin, reach
from selling.models import Quotation


class LeakyQuotationView(PortalMixin, View):
    def get(self, request, pk):
        return HttpResponse(get_object_or_404(Quotation, pk=pk).number)


class ReachedQuotationView(PortalMixin, View):
    def get(self, request, pk):
        quotation = get_object_or_404(Quotation.objects.filter(reach(request, Quotation)), pk=pk)
        return HttpResponse(quotation.number)


portal_patterns = [
    *portal_urls.urlpatterns,
    path(
        "leaky/<int:pk>/", login_not_required(LeakyQuotationView.as_view()), name="quotation_leaky"
    ),
    path(
        "reached/<int:pk>/",
        login_not_required(ReachedQuotationView.as_view()),
        name="quotation_reached",
    ),
]

urlpatterns = [
    path("portal/", include((portal_patterns, "portal"))),
    *[entry for entry in crm_urlpatterns if getattr(entry, "namespace", None) != "portal"],
]
