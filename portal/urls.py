"""The portal's pages, all under /portal/. They answer to the portal's own sign-in
(``portal.auth``), never to Django's staff login: each view is exempt from
``LoginRequiredMiddleware`` and checks its customer user itself (``PortalMixin``)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from portal.views import account, balance, documents, home

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
]
