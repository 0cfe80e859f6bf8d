"""The access engine on class-based views: the queryset narrowed to the user's level, and the
buttons of a detail page shown only where they lead somewhere."""

from crm.access.engine import access_filter, can
from crm.access.vocabulary import Action

__all__ = ["AccessContextMixin", "AccessQuerysetMixin"]


class AccessQuerysetMixin:
    """Put before ``CompanyQuerysetMixin`` (or a view built on it): rows outside the user's
    level for ``access_action`` are not in the queryset, so their id is a 404 exactly like
    another company's."""

    access_action: str = Action.VIEW

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.filter(
            access_filter(self.request.user, self.request.company, self.model, self.access_action)
        )


class AccessContextMixin:
    """Tells a detail page's template which actions the user may take on its object:
    ``can_edit``, ``can_delete``, ``can_convert`` (and ``can_view``)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for action in Action.values:
            context[f"can_{action}"] = can(
                self.request.user, self.request.company, self.object, action
            )
        return context
