from django.contrib import admin
from django.urls import include, path

from crm import views
from crm.views import members

crm_patterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("switch-company/", views.switch_company, name="switch_company"),
    path("settings/", views.CompanySettingsView.as_view(), name="settings"),
    path("settings/members/add/", members.MemberAddView.as_view(), name="member_add"),
    path("settings/members/<int:pk>/role/", members.MemberRoleView.as_view(), name="member_role"),
    path(
        "settings/members/<int:pk>/remove/",
        members.MemberRemoveView.as_view(),
        name="member_remove",
    ),
    path("soon/<slug:section>/", views.ComingSoonView.as_view(), name="coming_soon"),
]

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("addressbook/", include("addressbook.urls")),
    path("", include((crm_patterns, "crm"))),
]
