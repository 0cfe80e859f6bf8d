"""The public web-to-lead endpoints (/forms/<key>/): no login, the key is the credential."""

from django.urls import path

from leads.views import webforms

app_name = "webforms"

urlpatterns = [
    path("<str:key>/", webforms.WebFormPublicView.as_view(), name="submit"),
    path("<str:key>/json/", webforms.WebFormJsonView.as_view(), name="submit_json"),
]
