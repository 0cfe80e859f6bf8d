from django.urls import path

from selling.views import items as item_views
from selling.views import orders, quotations
from selling.views import printing as print_views

app_name = "selling"

urlpatterns = [
    path("quotations/", quotations.QuotationListView.as_view(), name="quotation_list"),
    path("quotations/<int:pk>/", quotations.QuotationDetailView.as_view(), name="quotation_detail"),
    path("orders/", orders.OrderListView.as_view(), name="order_list"),
    path("orders/<int:pk>/", orders.OrderDetailView.as_view(), name="order_detail"),
]

# Lines of a draft and the print views (selling/views/items.py, selling/views/printing.py).
urlpatterns += [
    path(
        "quotations/<int:pk>/items/",
        item_views.QuotationItemsView.as_view(),
        name="quotation_items",
    ),
    path(
        "quotations/<int:pk>/items/row/",
        item_views.QuotationLineRowView.as_view(),
        name="quotation_items_row",
    ),
    path(
        "quotations/<int:pk>/items/preview/",
        item_views.QuotationLinesPreviewView.as_view(),
        name="quotation_items_preview",
    ),
    path(
        "quotations/<int:pk>/print/",
        print_views.QuotationPrintView.as_view(),
        name="quotation_print",
    ),
    path("orders/<int:pk>/items/", item_views.OrderItemsView.as_view(), name="order_items"),
    path(
        "orders/<int:pk>/items/row/", item_views.OrderLineRowView.as_view(), name="order_items_row"
    ),
    path(
        "orders/<int:pk>/items/preview/",
        item_views.OrderLinesPreviewView.as_view(),
        name="order_items_preview",
    ),
    path("orders/<int:pk>/print/", print_views.OrderPrintView.as_view(), name="order_print"),
]
