from django.contrib import admin
from django.urls import include, path

from crm import views
from crm.views import timeline

crm_patterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("switch-company/", views.switch_company, name="switch_company"),
    path("settings/", views.CompanySettingsView.as_view(), name="settings"),
    path("soon/<slug:section>/", views.ComingSoonView.as_view(), name="coming_soon"),
    path(
        "timeline/<str:owner_type>/<int:owner_id>/add/",
        timeline.ActivityAddView.as_view(),
        name="activity_add",
    ),
    path("timeline/<int:pk>/done/", timeline.TaskCompleteView.as_view(), name="task_complete"),
    path("timeline/<int:pk>/reopen/", timeline.TaskReopenView.as_view(), name="task_reopen"),
    path(
        "timeline/<int:pk>/delete/", timeline.ActivityDeleteView.as_view(), name="activity_delete"
    ),
    path("tasks/", timeline.TaskListView.as_view(), name="task_list"),
]

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("addressbook/", include("addressbook.urls")),
    path("", include((crm_patterns, "crm"))),
]
