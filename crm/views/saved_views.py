"""Saved views: keep a list's filters under a name (from the list page), open one with a click,
and rename, share or delete them on /saved-views/. Writes go through ``crm.saved_views``."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from crm.errors import DomainError
from crm.models import Membership, SavedView
from crm.saved_views import (
    NAME_MAX_LENGTH,
    can_change,
    list_url,
    saved_view_create,
    saved_view_delete,
    saved_view_update,
    view_url,
    visible_views,
)
from crm.views.mixins import has_role


class SavedViewForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=NAME_MAX_LENGTH)
    shared = forms.BooleanField(label=gettext_lazy("Share with the company"), required=False)
    list_key = forms.CharField(widget=forms.HiddenInput)
    query = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("Give the view a name.")


class SavedViewEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=NAME_MAX_LENGTH)
    shared = forms.BooleanField(
        label=gettext_lazy("Share with the company"),
        required=False,
        help_text=gettext_lazy(
            "Everyone in the company sees a shared view; only you can change it."
        ),
    )

    def __init__(self, *args, owner: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = _("Give the view a name.")
        if not owner:
            # Only the owner decides who sees their view; an admin may rename or delete it.
            del self.fields["shared"]


def _is_admin(request) -> bool:
    return has_role(request, Membership.ADMIN_ROLES)


def _list_labels(keys) -> dict[str, str]:
    """Each list key's name as people read it: the list's model, in the plural."""
    from django.urls import resolve

    labels = {}
    for key in keys:
        path = list_url(key)
        if path is None:
            labels[key] = key
            continue
        model = getattr(resolve(path).func.view_class, "model", None)
        labels[key] = str(model._meta.verbose_name_plural).capitalize() if model else key
    return labels


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


class SavedViewListView(View):
    """The user's own views and the company's shared ones, on every list, with their links."""

    template_name = "crm/saved_view_list.html"

    def get(self, request):
        rows = list(
            visible_views(company=request.company, user=request.user)
            .select_related("owner")
            .order_by("list_key", "name", "pk")
        )
        labels = _list_labels({view.list_key for view in rows})
        admin = _is_admin(request)
        entries = [
            {
                "view": view,
                "url": view_url(view),
                "list_label": labels[view.list_key],
                "mine": view.owner_id == request.user.pk,
                "can_change": can_change(view, user=request.user, admin=admin),
            }
            for view in rows
        ]
        entries.sort(key=lambda entry: (entry["list_label"], not entry["mine"], entry["view"].name))
        return render(request, self.template_name, {"entries": entries})


class SavedViewCreateView(View):
    """POST from a list page: the list's query kept under a name; then the list shows it."""

    http_method_names = ["post"]
    template_name = "crm/saved_view_form.html"

    def post(self, request):
        form = SavedViewForm(request.POST)
        back = list_url(request.POST.get("list_key", "")) or reverse("crm:saved_view_list")
        if form.is_valid():
            data = form.cleaned_data
            try:
                view = saved_view_create(
                    company=request.company,
                    owner=request.user,
                    list_key=data["list_key"],
                    name=data["name"],
                    query=data["query"],
                    shared=data["shared"],
                )
            except DomainError as error:
                field = "name" if error.code == "name" else None
                form.add_error(field, error.message)
            else:
                messages.success(request, _("The view “%(name)s” was saved.") % {"name": view.name})
                return HttpResponseRedirect(view_url(view))
        query = request.POST.get("query", "")
        context = {
            "form": form,
            "title": _("Save this view"),
            "submit_label": _("Save view"),
            "cancel_url": f"{back}?{query}" if query else back,
        }
        return render(request, self.template_name, context, status=400)


class SavedViewObjectMixin:
    """The view by id among those the user sees (own or shared in the active company): anyone
    else's private view, or another company's, is a 404; one the user sees but may not change
    is a 403."""

    model = SavedView

    def get_view(self, request, pk) -> SavedView:
        view = get_object_or_404(visible_views(company=request.company, user=request.user), pk=pk)
        if not can_change(view, user=request.user, admin=_is_admin(request)):
            raise PermissionDenied(_("Only the view's owner can change it."))
        return view


class SavedViewUpdateView(SavedViewObjectMixin, View):
    """Rename a view, share or unshare it; delete it from here too."""

    template_name = "crm/saved_view_form.html"

    def render_form(self, request, view, form, status=200):
        context = {
            "form": form,
            "object": view,
            "title": _("Edit the view “%(name)s”") % {"name": view.name},
            "submit_label": _("Save"),
            "cancel_url": _next_url(request, reverse("crm:saved_view_list")),
            "next": _next_url(request, ""),
            "open_url": view_url(view),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        view = self.get_view(request, pk)
        owner = view.owner_id == request.user.pk
        form = SavedViewEditForm(initial={"name": view.name, "shared": view.shared}, owner=owner)
        return self.render_form(request, view, form)

    def post(self, request, pk):
        view = self.get_view(request, pk)
        owner = view.owner_id == request.user.pk
        form = SavedViewEditForm(request.POST, owner=owner)
        if form.is_valid():
            try:
                view = saved_view_update(
                    view=view,
                    actor=request.user,
                    name=form.cleaned_data["name"],
                    shared=form.cleaned_data.get("shared", view.shared),
                )
            except DomainError as error:
                form.add_error("name" if error.code == "name" else None, error.message)
            else:
                messages.success(request, _("The view “%(name)s” was saved.") % {"name": view.name})
                return HttpResponseRedirect(_next_url(request, reverse("crm:saved_view_list")))
        return self.render_form(request, view, form, status=400)


class SavedViewDeleteView(SavedViewObjectMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        view = self.get_view(request, pk)
        try:
            saved_view_delete(view=view, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The view “%(name)s” was deleted.") % {"name": view.name})
        fallback = reverse("crm:saved_view_list")
        target = _next_url(request, fallback)
        return HttpResponseRedirect(fallback if target.startswith(f"{fallback}{pk}/") else target)
