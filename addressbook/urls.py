from django.urls import path

from addressbook import views

app_name = "addressbook"

OWNER = "owners/<str:owner_type>/<int:owner_id>/"

urlpatterns = [
    path("", views.AddressListView.as_view(), name="address_list"),
    path("addresses/new/", views.AddressCreateView.as_view(), name="address_create"),
    path("addresses/lookup/", views.AddressLookupView.as_view(), name="address_lookup"),
    path("addresses/<int:pk>/", views.AddressDetailView.as_view(), name="address_detail"),
    path("addresses/<int:pk>/edit/", views.AddressUpdateView.as_view(), name="address_update"),
    path("addresses/<int:pk>/delete/", views.AddressDeleteView.as_view(), name="address_delete"),
    path("contacts/", views.ContactListView.as_view(), name="contact_list"),
    path("contacts/new/", views.ContactCreateView.as_view(), name="contact_create"),
    path("contacts/lookup/", views.ContactLookupView.as_view(), name="contact_lookup"),
    path("contacts/<int:pk>/", views.ContactDetailView.as_view(), name="contact_detail"),
    path("contacts/<int:pk>/edit/", views.ContactUpdateView.as_view(), name="contact_update"),
    path("contacts/<int:pk>/delete/", views.ContactDeleteView.as_view(), name="contact_delete"),
    path(f"{OWNER}addresses/new/", views.AddressAddView.as_view(), name="owner_address_add"),
    path(f"{OWNER}addresses/link/", views.AddressLinkView.as_view(), name="owner_address_link"),
    path(
        f"{OWNER}address-links/<int:link_pk>/unlink/",
        views.AddressUnlinkView.as_view(),
        name="owner_address_unlink",
    ),
    path(
        f"{OWNER}address-links/<int:link_pk>/primary/",
        views.AddressSetPrimaryView.as_view(),
        name="owner_address_primary",
    ),
    path(f"{OWNER}contacts/new/", views.ContactAddView.as_view(), name="owner_contact_add"),
    path(f"{OWNER}contacts/link/", views.ContactLinkView.as_view(), name="owner_contact_link"),
    path(
        f"{OWNER}contact-links/<int:link_pk>/unlink/",
        views.ContactUnlinkView.as_view(),
        name="owner_contact_unlink",
    ),
    path(
        f"{OWNER}contact-links/<int:link_pk>/primary/",
        views.ContactSetPrimaryView.as_view(),
        name="owner_contact_primary",
    ),
]
