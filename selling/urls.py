from django.urls import path

from selling.views import items as item_views
from selling.views import mailing as mail_views
from selling.views import orders, quotations
from selling.views import printing as print_views

app_name = "selling"

urlpatterns = [
    path("quotations/", quotations.QuotationListView.as_view(), name="quotation_list"),
    path("quotations/<int:pk>/", quotations.QuotationDetailView.as_view(), name="quotation_detail"),
    path("orders/", orders.OrderListView.as_view(), name="order_list"),
    path("orders/<int:pk>/", orders.OrderDetailView.as_view(), name="order_detail"),
    # Quotation and order pages (selling/views/quotations.py, orders.py)
    path("quotations/new/", quotations.QuotationCreateView.as_view(), name="quotation_create"),
    path(
        "quotations/new/opportunity/<int:pk>/",
        quotations.QuotationForOpportunityView.as_view(),
        name="quotation_create_for_opportunity",
    ),
    path(
        "quotations/new/customer/<int:pk>/",
        quotations.QuotationForCustomerView.as_view(),
        name="quotation_create_for_customer",
    ),
    path(
        "quotations/<int:pk>/edit/",
        quotations.QuotationUpdateView.as_view(),
        name="quotation_update",
    ),
    path(
        "quotations/<int:pk>/send/", quotations.QuotationSendView.as_view(), name="quotation_send"
    ),
    path(
        "quotations/<int:pk>/accept/",
        quotations.QuotationAcceptView.as_view(),
        name="quotation_accept",
    ),
    path(
        "quotations/<int:pk>/reject/",
        quotations.QuotationRejectView.as_view(),
        name="quotation_reject",
    ),
    path(
        "quotations/<int:pk>/revise/",
        quotations.QuotationReviseView.as_view(),
        name="quotation_revise",
    ),
    path(
        "quotations/<int:pk>/order/",
        orders.OrderFromQuotationView.as_view(),
        name="quotation_order",
    ),
    path("orders/new/", orders.OrderCreateView.as_view(), name="order_create"),
    path(
        "orders/new/opportunity/<int:pk>/",
        orders.OrderFromOpportunityView.as_view(),
        name="opportunity_order",
    ),
    path("orders/<int:pk>/edit/", orders.OrderUpdateView.as_view(), name="order_update"),
    path("orders/<int:pk>/confirm/", orders.OrderConfirmView.as_view(), name="order_confirm"),
    path("orders/<int:pk>/fulfil/", orders.OrderFulfilView.as_view(), name="order_fulfil"),
    path("orders/<int:pk>/cancel/", orders.OrderCancelView.as_view(), name="order_cancel"),
    path(
        "orders/<int:pk>/pay-from-balance/",
        orders.OrderApplyBalanceView.as_view(),
        name="order_apply_balance",
    ),
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

# E-mailing a document, and the company's e-mail templates (selling/views/mailing.py).
urlpatterns += [
    path(
        "quotations/<int:pk>/email/",
        mail_views.QuotationEmailView.as_view(),
        name="quotation_email",
    ),
    path("orders/<int:pk>/email/", mail_views.OrderEmailView.as_view(), name="order_email"),
    path(
        "settings/document-emails/",
        mail_views.EmailTemplatesView.as_view(),
        name="email_templates",
    ),
]
