"""Create, edit and action views whose writes go through a service function."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.views import View
from django.views.generic import CreateView, UpdateView
from django.views.generic.detail import SingleObjectMixin

from crm.errors import DomainError
from crm.models import Salesperson
from crm.views.mixins import (
    CompanyFormKwargsMixin,
    CompanyQuerysetMixin,
    VersionedFormViewMixin,
)


class ServiceFormMixin(VersionedFormViewMixin, CompanyFormKwargsMixin):
    """The form validates, ``save_service`` writes; a DomainError becomes a form error.

    ModelFormMixin.form_valid is deliberately not called: it would save the form a second time
    behind the service's back.
    """

    template_name = "crm/object_form.html"
    success_message = ""
    cancel_url = ""

    def save_service(self, instance):
        raise NotImplementedError

    def form_valid(self, form):
        self.mark_editor(form)
        try:
            self.object = self.save_service(form.instance)
        except DomainError as error:
            form.add_error(None, error.message)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message % {"object": self.object})
        return HttpResponseRedirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = getattr(self, "object", None)
        context["cancel_url"] = obj.get_absolute_url() if obj and obj.pk else self.cancel_url
        return context


class ServiceCreateView(ServiceFormMixin, CreateView):
    """A new record whose form has a salesperson starts as the user's own (Odoo and ERPNext
    do the same), so a salesperson finds what they just added under "Mine"."""

    def get_initial(self):
        initial = super().get_initial()
        form_fields = getattr(self.get_form_class(), "base_fields", {})
        if "salesperson" in form_fields and "salesperson" not in initial:
            own = (
                Salesperson.objects.filter(
                    company=self.request.company, user=self.request.user, is_active=True
                )
                .values_list("pk", flat=True)
                .first()
            )
            if own is not None:
                initial["salesperson"] = own
        return initial


class ServiceUpdateView(ServiceFormMixin, CompanyQuerysetMixin, UpdateView):
    pass


class ObjectActionView(CompanyQuerysetMixin, SingleObjectMixin, View):
    """A POST-only action on one of the company's rows; a DomainError is shown as a message."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            return HttpResponseRedirect(self.act(self.object))
        except DomainError as error:
            messages.error(request, error.message)
            return HttpResponseRedirect(self.object.get_absolute_url())

    def act(self, obj) -> str:
        raise NotImplementedError
