"""The portal's pages, all under /portal/. They answer to the portal's own sign-in
(``portal.auth``), never to Django's staff login: each view is exempt from
``LoginRequiredMiddleware`` and checks its customer user itself (``PortalMixin``)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from portal.views import account, home

app_name = "portal"


def _page(view_class, **kwargs):
    return login_not_required(view_class.as_view(**kwargs))


urlpatterns = [
    path("", _page(home.HomeView), name="home"),
    path("login/", _page(account.LoginView), name="login"),
    path("logout/", _page(account.LogoutView), name="logout"),
    path("password/reset/", _page(account.PasswordResetView), name="password_reset"),
    path(
        "password/reset/<str:token>/",
        _page(account.PasswordResetConfirmView),
        name="reset_confirm",
    ),
    path("welcome/<str:token>/", _page(account.AcceptInvitationView), name="accept_invitation"),
]
