"""The portal's pages, all under /portal/. They answer to the portal's own sign-in
(``portal.auth``), never to Django's staff login: each view is exempt from
``LoginRequiredMiddleware`` and checks its customer user itself (``PortalMixin``)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from crm.i18n import set_language
from portal.views import account, balance, catalog, documents, home, users

app_name = "portal"


def _page(view_class, **kwargs):
    return login_not_required(view_class.as_view(**kwargs))


urlpatterns = [
    path("", _page(home.HomeView), name="home"),
    path("login/", _page(account.LoginView), name="login"),
    path("logout/", _page(account.LogoutView), name="logout"),
    path("language/", set_language, name="set_language"),
    path("password/reset/", _page(account.PasswordResetView), name="password_reset"),
    path(
        "password/reset/<str:token>/",
        _page(account.PasswordResetConfirmView),
        name="reset_confirm",
    ),
    path("welcome/<str:token>/", _page(account.AcceptInvitationView), name="accept_invitation"),
    # Quotations and orders (portal.views.documents), the balance (portal.views.balance).
    path("quotations/", _page(documents.QuotationListView), name="quotation_list"),
    path("quotations/<int:pk>/", _page(documents.QuotationDetailView), name="quotation_detail"),
    path(
        "quotations/<int:pk>/accept/",
        _page(documents.QuotationAcceptView),
        name="quotation_accept",
    ),
    path(
        "quotations/<int:pk>/reject/",
        _page(documents.QuotationRejectView),
        name="quotation_reject",
    ),
    path("orders/", _page(documents.OrderListView), name="order_list"),
    path("orders/<int:pk>/", _page(documents.OrderDetailView), name="order_detail"),
    path("orders/<int:pk>/pay/", _page(documents.OrderPayView), name="order_pay"),
    path("balance/", _page(balance.BalanceView), name="balance"),
    path("balance/redeem/", _page(balance.RedeemView), name="balance_redeem"),
    path("catalog/", _page(catalog.CatalogView), name="catalog"),
    path("catalog/request/", _page(catalog.RequestView), name="quotation_request"),
    path("catalog/request/line/", _page(catalog.RequestLineView), name="quotation_request_line"),
    path(
        "catalog/request/remove/",
        _page(catalog.RequestLineRemoveView),
        name="quotation_request_remove",
    ),
    path("catalog/request/sent/", _page(catalog.RequestSentView), name="quotation_request_sent"),
    path("users/", _page(users.UserListView), name="users"),
    path("users/invite/", _page(users.InviteView), name="user_invite"),
    path("users/<int:pk>/", _page(users.UserDetailView), name="user_detail"),
    path("users/<int:pk>/roles/", _page(users.UserRolesView), name="user_roles"),
    path("users/<int:pk>/resend/", _page(users.UserResendView), name="user_resend"),
    path(
        "users/<int:pk>/deactivate/",
        _page(users.UserActiveView, active=False),
        name="user_deactivate",
    ),
    path(
        "users/<int:pk>/reactivate/",
        _page(users.UserActiveView, active=True),
        name="user_reactivate",
    ),
    path("roles/", _page(users.RoleListView), name="roles"),
    path("roles/new/", _page(users.RoleEditView), name="role_create"),
    path("roles/<int:pk>/", _page(users.RoleEditView), name="role_edit"),
    path("roles/<int:pk>/delete/", _page(users.RoleDeleteView), name="role_delete"),
]
