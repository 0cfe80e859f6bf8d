"""The list-page side of bulk actions: the action bar on GET, one action on POST."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.functional import SimpleLazyObject

from crm.access import access_filter, record_type_for
from crm.access.vocabulary import Action
from crm.ui.bulk import (
    BulkActions,
    bulk_run,
    bulk_words,
    missing_message,
    not_allowed_message,
    refusal_message,
)
from crm.ui.choices import lists_cache_key
from crm.ui.kept_markup import locale_key
from crm.views.mixins import has_role


class BulkActionMixin:
    """Put before ``CompanyListView``; set ``bulk_actions`` (a ``crm.ui.bulk.BulkActions``).

    The list's own URL takes the POST, so the form posts to the page as it is (filters, sort,
    page) and the redirect afterwards lands on that same page. The table template ticks rows
    with ``<input type=checkbox name=ids>`` inside the form that
    ``crm/partials/_bulk_form_start.html`` opens.
    """

    bulk_actions: BulkActions | None = None

    def get_bulk_actions(self):
        if self.bulk_actions is None:
            return []
        return self.bulk_actions.offered(lambda roles: has_role(self.request, roles))

    def get_bulk_form(self, data=None):
        return self.bulk_actions.form_class(
            data,
            actions=self.get_bulk_actions(),
            company=self.request.company,
            model=self.model,
            # Not "id_": the filter form on the same page has fields of the same names.
            auto_id="bulk_%s",
        )

    def _access_filter(self, action: str):
        """The user's level for ``action`` on this list's records (None: not an access-governed
        record type, the company's rows)."""
        try:
            record_type_for(self.model)
        except KeyError:
            return None
        return access_filter(self.request.user, self.request.company, self.model, action)

    def get_bulk_queryset(self):
        """Where the selected ids are looked up: the company's rows the user may see, whatever
        the list shows."""
        queryset = self.model.objects.filter(company=self.request.company)
        visible = self._access_filter(Action.VIEW)
        return queryset if visible is None else queryset.filter(visible)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actions = self.get_bulk_actions()
        if actions:
            # Built when the action bar is rendered, which is when none is kept for its key:
            # the bar shows the offered actions and the company's reference lists in the
            # page's language, and nothing else (crm.ui.kept_markup).
            context["bulk_form"] = SimpleLazyObject(self.get_bulk_form)
            context["bulk_words"] = bulk_words(self.model)
            context["bulk_bar_key"] = (
                self.model._meta.label_lower,
                self.bulk_actions.form_class,
                tuple(action.name for action in actions),
                lists_cache_key(self.request.company),
                locale_key(),
            )
            if "table" in context:  # crm.ui.columns: each row gets its selection box
                context["table"].bulk = True
        return context

    def post(self, request, *args, **kwargs):
        back = request.get_full_path()
        form = self.get_bulk_form(request.POST)
        if not form.is_valid():
            messages.error(request, form.error_text())
            return HttpResponseRedirect(back)
        action = form.cleaned_data["action"]
        ids = form.cleaned_data["selected_ids"]
        outcome = bulk_run(
            action=action,
            queryset=self.get_bulk_queryset(),
            ids=ids,
            actor=request.user,
            params=form.action_params(),
            allowed=self._access_filter(action.access_action),
        )
        if outcome.refused:
            tried = len(ids) - len(outcome.missing) - len(outcome.not_allowed)
            messages.error(request, refusal_message(outcome, model=self.model, tried=tried))
        elif outcome.done:
            messages.success(request, action.message(len(outcome.done), form.action_params()))
        if outcome.missing:
            messages.warning(request, missing_message(outcome, model=self.model))
        if outcome.not_allowed:
            messages.warning(request, not_allowed_message(outcome, model=self.model))
        return HttpResponseRedirect(back)
