from django.urls import path

from crm.views.company_lists import company_list_urls
from leads import views
from leads.views import webforms

app_name = "leads"

urlpatterns = [
    path("", views.LeadListView.as_view(), name="lead_list"),
    path("new/", views.LeadCreateView.as_view(), name="lead_create"),
    path("board/", views.LeadBoardView.as_view(), name="lead_board"),
    path("board/<str:status>/more/", views.LeadBoardMoreView.as_view(), name="lead_board_more"),
    path("<int:pk>/", views.LeadDetailView.as_view(), name="lead_detail"),
    path("<int:pk>/edit/", views.LeadUpdateView.as_view(), name="lead_update"),
    path("<int:pk>/delete/", views.LeadDeleteView.as_view(), name="lead_delete"),
    path("<int:pk>/convert/", views.LeadConvertView.as_view(), name="lead_convert"),
    path("<int:pk>/status/", views.LeadStatusView.as_view(), name="lead_status"),
    path("<int:pk>/wish-list/", views.LeadWishListAddView.as_view(), name="lead_wish_add"),
    path("wish-list/<int:pk>/remove/", views.WishListRemoveView.as_view(), name="wish_remove"),
    path("web-forms/", webforms.WebFormListView.as_view(), name="webform_list"),
    path("web-forms/new/", webforms.WebFormCreateView.as_view(), name="webform_create"),
    path("web-forms/<int:pk>/", webforms.WebFormDetailView.as_view(), name="webform_detail"),
    path("web-forms/<int:pk>/edit/", webforms.WebFormUpdateView.as_view(), name="webform_update"),
    path(
        "web-forms/<int:pk>/new-address/",
        webforms.WebFormRotateView.as_view(),
        name="webform_rotate",
    ),
    path("opportunities/", views.OpportunityListView.as_view(), name="opportunity_list"),
    path(
        "opportunities/board/",
        views.OpportunityBoardView.as_view(),
        name="opportunity_board",
    ),
    path(
        "opportunities/board/<int:pk>/more/",
        views.OpportunityBoardMoreView.as_view(),
        name="opportunity_board_more",
    ),
    path(
        "opportunities/<int:pk>/",
        views.OpportunityDetailView.as_view(),
        name="opportunity_detail",
    ),
    path(
        "opportunities/<int:pk>/edit/",
        views.OpportunityUpdateView.as_view(),
        name="opportunity_update",
    ),
    path(
        "opportunities/<int:pk>/stage/",
        views.OpportunityStageView.as_view(),
        name="opportunity_stage",
    ),
    path(
        "opportunities/<int:pk>/delete/",
        views.OpportunityDeleteView.as_view(),
        name="opportunity_delete",
    ),
    path(
        "opportunities/<int:pk>/wish-list/",
        views.OpportunityWishListAddView.as_view(),
        name="opportunity_wish_add",
    ),
]

urlpatterns += company_list_urls(*views.COMPANY_LISTS)
