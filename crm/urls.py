from django.contrib import admin
from django.urls import include, path, register_converter

from crm import i18n, views
from crm.views import (
    access,
    accounts,
    catalog,
    imports,
    members,
    partners,
    people,
    saved_views,
    search,
    timeline,
    tokens,
)


class ModelLabelConverter:
    """``app_label.modelname`` as Django spells them (lowercase letters, digits, underscores):
    anything else in the URL is a plain 404 before a database lookup sees it."""

    regex = r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ModelLabelConverter, "model_label")

crm_patterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("switch-company/", views.switch_company, name="switch_company"),
    path("search/", search.GlobalSearchView.as_view(), name="search"),
    path("settings/", views.CompanySettingsView.as_view(), name="settings"),
    path("settings/access/", access.AccessSettingsView.as_view(), name="access_settings"),
    path("settings/members/add/", members.MemberAddView.as_view(), name="member_add"),
    path("settings/members/<int:pk>/role/", members.MemberRoleView.as_view(), name="member_role"),
    path(
        "settings/members/<int:pk>/remove/",
        members.MemberRemoveView.as_view(),
        name="member_remove",
    ),
    path("team/", people.SalespersonListView.as_view(), name="salesperson_list"),
    path("team/new/", people.SalespersonCreateView.as_view(), name="salesperson_create"),
    path("team/<int:pk>/", people.SalespersonDetailView.as_view(), name="salesperson_detail"),
    path("team/<int:pk>/edit/", people.SalespersonUpdateView.as_view(), name="salesperson_update"),
    path("partners/", partners.PartnerListView.as_view(), name="partner_list"),
    path("partners/new/<slug:kind>/", partners.PartnerCreateView.as_view(), name="partner_create"),
    path("partners/<int:pk>/", partners.PartnerDetailView.as_view(), name="partner_detail"),
    path("partners/<int:pk>/edit/", partners.PartnerUpdateView.as_view(), name="partner_update"),
    path("partners/<int:pk>/delete/", partners.PartnerDeleteView.as_view(), name="partner_delete"),
    path("catalog/", catalog.ProductListView.as_view(), name="product_list"),
    path("catalog/new/", catalog.ProductCreateView.as_view(), name="product_create"),
    path("catalog/<int:pk>/", catalog.ProductDetailView.as_view(), name="product_detail"),
    path("catalog/<int:pk>/edit/", catalog.ProductUpdateView.as_view(), name="product_update"),
    path("catalog/<int:pk>/delete/", catalog.ProductDeleteView.as_view(), name="product_delete"),
    path(
        "timeline/<model_label:owner_type>/<int:owner_id>/add/",
        timeline.ActivityAddView.as_view(),
        name="activity_add",
    ),
    path(
        "timeline/<model_label:owner_type>/<int:owner_id>/",
        timeline.TimelineEntriesView.as_view(),
        name="timeline_entries",
    ),
    path("timeline/<int:pk>/done/", timeline.TaskCompleteView.as_view(), name="task_complete"),
    path("timeline/<int:pk>/reopen/", timeline.TaskReopenView.as_view(), name="task_reopen"),
    path(
        "timeline/<int:pk>/delete/", timeline.ActivityDeleteView.as_view(), name="activity_delete"
    ),
    path("tasks/", timeline.TaskListView.as_view(), name="task_list"),
    path("imports/", imports.ImportStartView.as_view(), name="import_start"),
    path("imports/<int:pk>/", imports.ImportJobView.as_view(), name="import_job"),
    path("imports/<int:pk>/mapping/", imports.ImportMappingView.as_view(), name="import_mapping"),
    path("imports/<int:pk>/run/", imports.ImportRunView.as_view(), name="import_run"),
    path("imports/<int:pk>/errors.csv", imports.ImportReportView.as_view(), name="import_report"),
    path("saved-views/", saved_views.SavedViewListView.as_view(), name="saved_view_list"),
    path("saved-views/new/", saved_views.SavedViewCreateView.as_view(), name="saved_view_create"),
    path(
        "saved-views/<int:pk>/edit/",
        saved_views.SavedViewUpdateView.as_view(),
        name="saved_view_update",
    ),
    path(
        "saved-views/<int:pk>/delete/",
        saved_views.SavedViewDeleteView.as_view(),
        name="saved_view_delete",
    ),
    path("account/api-tokens/", tokens.ApiTokenListView.as_view(), name="api_tokens"),
    path(
        "account/api-tokens/revoke/", tokens.ApiTokenRevokeView.as_view(), name="api_token_revoke"
    ),
]

urlpatterns = [
    path(
        "accounts/password_reset/",
        accounts.ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    # Under /accounts/: a customer user's browser is sent to the portal's own (portal.urls).
    path("accounts/language/", i18n.set_language, name="set_language"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("addressbook/", include("addressbook.urls")),
    path("leads/", include("leads.urls")),
    path("customers/", include("customers.urls")),
    path("selling/", include("selling.urls")),
    path("portal/", include("portal.urls")),
    path("forms/", include("leads.public_urls")),
    # The REST API: each app's api.py registers on one router (crm.api.urls finds them).
    path("api/v1/", include("crm.api.urls")),
    path("", include((crm_patterns, "crm"))),
]

# A database that does not answer is a 503 page that says nothing was saved (crm.unavailable).
handler500 = "crm.unavailable.server_error"
# Under /api/ a URL nothing answers is a 404 in the API's error shape (crm.api.errors).
handler404 = "crm.api.errors.page_not_found"
