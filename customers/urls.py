from django.urls import path

from crm.views.company_lists import company_list_urls
from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="customer_list"),
    path("new/", views.CustomerCreateView.as_view(), name="customer_create"),
    path("lookup/", views.CustomerLookupView.as_view(), name="customer_lookup"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="customer_detail"),
    path("<int:pk>/edit/", views.CustomerUpdateView.as_view(), name="customer_update"),
    path("<int:pk>/delete/", views.CustomerDeleteView.as_view(), name="customer_delete"),
    path("<int:pk>/hold/", views.CustomerHoldView.as_view(), name="customer_hold"),
    path(
        "<int:pk>/release-hold/",
        views.CustomerReleaseHoldView.as_view(),
        name="customer_release_hold",
    ),
    path(
        "<int:pk>/inactive/", views.CustomerSetInactiveView.as_view(), name="customer_set_inactive"
    ),
    path(
        "<int:pk>/reactivate/", views.CustomerReactivateView.as_view(), name="customer_reactivate"
    ),
    path(
        "<int:pk>/new-opportunity/",
        views.CustomerOpportunityCreateView.as_view(),
        name="customer_opportunity_create",
    ),
    path("<int:pk>/balance/", views.CustomerBalanceView.as_view(), name="balance"),
    path("<int:pk>/balance/credit/", views.BalanceCreditView.as_view(), name="balance_credit"),
    path(
        "<int:pk>/balance/correction/",
        views.BalanceCorrectionView.as_view(),
        name="balance_correction",
    ),
    path("<int:pk>/balance/redeem/", views.GiftCardRedeemView.as_view(), name="gift_card_redeem"),
    path("gift-cards/", views.GiftCardListView.as_view(), name="gift_card_list"),
    path("gift-cards/new/", views.GiftCardIssueView.as_view(), name="gift_card_issue"),
    path(
        "convert/lead/<int:pk>/",
        views.LeadConvertToCustomerView.as_view(),
        name="convert_lead",
    ),
    path(
        "convert/opportunity/<int:pk>/",
        views.OpportunityConvertToCustomerView.as_view(),
        name="convert_opportunity",
    ),
]

urlpatterns += company_list_urls(*views.COMPANY_LISTS)
