"""Admin building blocks: the admin runs in the active company's scope like every other page."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.http import Http404, HttpResponseRedirect
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext
from simple_history.admin import SimpleHistoryAdmin

from crm.access import Action, access_filter, can, record_type_for, viewable_rows
from crm.audit import is_tracked
from crm.forms import bind_company, is_company_owned
from crm.versioning import VERSION_FIELD, StaleEditError, Versioned, versioned_form


def name_widget(widget, label: str, *, also_single: bool) -> None:
    """Gives inputs that no ``<label>`` names an accessible name: the parts of a split date and
    time (the field's label points at neither), and, with ``also_single``, every input of a
    tabular inline row, whose only caption is the column header."""
    inner = getattr(widget, "widget", widget)  # inside the admin's related-object wrapper
    if isinstance(inner, forms.MultiWidget):
        if isinstance(inner, forms.SplitDateTimeWidget):
            parts = [pgettext("date part", "date"), pgettext("time part", "time")]
        else:
            parts = [str(index) for index in range(1, len(inner.widgets) + 1)]
        for part, sub in zip(parts, inner.widgets, strict=False):
            sub.attrs.setdefault("aria-label", f"{label}: {part}")
    elif also_single and not inner.is_hidden:
        inner.attrs.setdefault("aria-label", label)


def company_choices(model, request):
    """The rows a related-object field of the admin may choose: the active company's, and of a
    record type the access engine knows, those the user may view (the autocomplete answers
    from the same rows, through the related model's admin queryset)."""
    rows = model.objects.filter(company=request.company)
    return viewable_rows(rows, request.user, request.company)


class NamedWidgetsMixin:
    """Admin forms whose every input has an accessible name (axe's ``label`` and
    ``select-name`` rules), for ModelAdmins and, with ``name_every_widget``, tabular inlines."""

    name_every_widget = False

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            label = str(formfield.label or capfirst(db_field.verbose_name))
            name_widget(formfield.widget, label, also_single=self.name_every_widget)
        return formfield


class VersionedAdminMixin:
    """Change forms of versioned records refuse a stale save with the differences, and the
    save records who made it (crm.versioning), as the app's own edit forms do."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        if "fields" not in kwargs:
            kwargs["fields"] = flatten_fieldsets(self.get_fieldsets(request, obj))
        if kwargs["fields"] is not None:
            # The version is the wrapper's own hidden field, not a model form field.
            kwargs["fields"] = [name for name in kwargs["fields"] if name != VERSION_FIELD]
        return versioned_form(super().get_form(request, obj, change=change, **kwargs))

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if isinstance(obj, Versioned) and VERSION_FIELD not in flatten_fieldsets(fieldsets):
            fieldsets = [*fieldsets, (None, {"fields": [VERSION_FIELD], "classes": ["hidden"]})]
        return fieldsets

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleEditError as error:
            # Saved by someone else between the form's check and the UPDATE (the form check
            # shows the differences; this narrow race can only say so and reload).
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.path)

    def mark_editor(self, request, obj) -> None:
        if isinstance(obj, Versioned):
            obj.edited_by(request.user, seen_version=getattr(obj, "_seen_version", None))

    def save_model(self, request, obj, form, change):
        self.mark_editor(request, obj)
        super().save_model(request, obj, form, change)


class ChangeHistoryAdminMixin(SimpleHistoryAdmin):
    """The History page of a tracked record lists its field-level changes (crm.audit): who,
    when, each field's old and new value; other models keep Django's own page.

    Only a record the user may see in this admin has a History page (its company, their view
    level); no old version is opened as a form or put back: the record's own edit does that,
    through its rules.
    """

    object_history_list_template = "crm/admin/change_history_list.html"

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        if not is_tracked(model):
            self.object_history_template = None  # Django's own page

    def history_view(self, request, object_id, extra_context=None):
        if not is_tracked(self.model):
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        raise Http404

    def revert_disabled(self, request, obj=None):
        return True


class CompanyScopedAdmin(
    NamedWidgetsMixin, VersionedAdminMixin, ChangeHistoryAdminMixin, admin.ModelAdmin
):
    """Lists, choices and saves are limited to the request's active company.

    The middleware has already entered the company's scope; filtering again by company makes the
    intent plain and keeps lookups correct for superusers too. Record types registered with
    ``crm.access`` list only the rows the user's view level reaches and change or delete only
    those their edit or delete level does, as on the app's own pages (superusers reach all).
    """

    exclude = ("company",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request).filter(company=request.company)
        if self._access_controlled():
            queryset = queryset.filter(
                access_filter(request.user, request.company, self.model, Action.VIEW)
            )
        return queryset

    def _access_controlled(self) -> bool:
        try:
            record_type_for(self.model)
        except KeyError:
            return False
        return True

    def _may(self, request, obj, action: str) -> bool:
        if obj is None or not self._access_controlled():
            return True
        # An action the record type does not register (deleting a quotation) keeps the
        # admin's own permission check: the engine has no level for it.
        if action not in record_type_for(self.model).actions:
            return True
        return can(request.user, request.company, obj, action)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may(request, obj, Action.EDIT)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may(
            request, obj, Action.DELETE
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return bind_company(form, request.company)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.company = request.company
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            instance = inline_form.instance
            if hasattr(instance, "company_id") and instance.company_id is None:
                instance.company = request.company
        super().save_formset(request, form, formset, change)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if is_company_owned(db_field.related_model):
            kwargs["queryset"] = company_choices(db_field.related_model, request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if is_company_owned(db_field.related_model):
            kwargs["queryset"] = company_choices(db_field.related_model, request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class CompanyScopedInlineMixin(NamedWidgetsMixin):
    """For inlines: the same choice limits; new rows get the parent's company on save. Every
    input of a row is named after its column, the delete box too."""

    exclude = ("company",)
    name_every_widget = True

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class NamedFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if "DELETE" in form.fields:
                    form.fields["DELETE"].widget.attrs["aria-label"] = gettext("Delete")

        NamedFormSet.__name__ = formset.__name__
        return NamedFormSet

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if is_company_owned(db_field.related_model):
            kwargs["queryset"] = company_choices(db_field.related_model, request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
