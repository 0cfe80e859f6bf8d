"""Quotation pages."""

from django.views.generic import DetailView

from crm.views.mixins import CompanyListView, CompanyQuerysetMixin
from selling.models import Quotation


class QuotationListView(CompanyListView):
    model = Quotation
    template_name = "selling/quotation_list.html"


class QuotationDetailView(CompanyQuerysetMixin, DetailView):
    model = Quotation
    template_name = "selling/quotation_detail.html"
