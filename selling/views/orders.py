"""Sales order pages."""

from django.views.generic import DetailView

from crm.views.mixins import CompanyListView, CompanyQuerysetMixin
from selling.models import SalesOrder


class OrderListView(CompanyListView):
    model = SalesOrder
    template_name = "selling/order_list.html"


class OrderDetailView(CompanyQuerysetMixin, DetailView):
    model = SalesOrder
    template_name = "selling/order_detail.html"
