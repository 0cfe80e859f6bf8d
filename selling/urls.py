from django.urls import path

from selling.views import orders, quotations

app_name = "selling"

urlpatterns = [
    path("quotations/", quotations.QuotationListView.as_view(), name="quotation_list"),
    path("quotations/<int:pk>/", quotations.QuotationDetailView.as_view(), name="quotation_detail"),
    path("orders/", orders.OrderListView.as_view(), name="order_list"),
    path("orders/<int:pk>/", orders.OrderDetailView.as_view(), name="order_detail"),
]
