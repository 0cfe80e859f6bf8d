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
    path(
        "<int:pk>/portal-users/invite/",
        views.PortalUserInviteView.as_view(),
        name="portal_user_invite",
    ),
    path("portal-users/<int:pk>/", views.PortalUserDetailView.as_view(), name="portal_user"),
    path(
        "portal-users/<int:pk>/resend/",
        views.PortalUserResendView.as_view(),
        name="portal_user_resend",
    ),
    path(
        "portal-users/<int:pk>/deactivate/",
        views.PortalUserDeactivateView.as_view(),
        name="portal_user_deactivate",
    ),
    path(
        "portal-users/<int:pk>/reactivate/",
        views.PortalUserReactivateView.as_view(),
        name="portal_user_reactivate",
    ),
    path("portal-roles/", views.CustomerRolesView.as_view(), name="portal_roles"),
    path("portal-roles/new/", views.CustomerRoleCreateView.as_view(), name="portal_role_create"),
    path(
        "portal-roles/<int:role_pk>/delete/",
        views.CustomerRoleDeleteView.as_view(),
        name="portal_role_delete",
    ),
    path(
        "settings/groups/<int:pk>/content/new/",
        views.GroupContentCreateView.as_view(),
        name="group_content_create",
    ),
    path(
        "settings/group-content/<int:pk>/",
        views.GroupContentUpdateView.as_view(),
        name="group_content_update",
    ),
    path(
        "settings/group-content/<int:pk>/delete/",
        views.GroupContentDeleteView.as_view(),
        name="group_content_delete",
    ),
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
