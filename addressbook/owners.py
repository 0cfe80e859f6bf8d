"""Which models may own addresses and contacts, and how an owner is found from a URL.

Higher apps call ``register_owner("leads.lead")`` in their ``AppConfig.ready()``. Labels whose
model is not installed (yet) are skipped, so a lower branch can name a model that arrives later.
"""

from django.apps import apps
from django.db import models
from django.http import Http404, HttpRequest
from django.urls import reverse

COMPANY_LABEL = "crm.company"

_labels: list[str] = []
# Relations an owner's ``__str__`` follows, loaded with it so lists of owners stay N+1 free.
_select_related: dict[str, tuple[str, ...]] = {}


def register_owner(model_label: str, *, select_related: tuple[str, ...] = ()) -> None:
    """Let records of ``model_label`` ("app_label.modelname") own addresses and contacts.

    ``select_related`` names the relations the owner's ``__str__`` uses.
    """
    label = model_label.lower()
    if label not in _labels:
        _labels.append(label)
    _select_related[label] = tuple(select_related)
    if apps.models_ready:
        _attach_admin_inlines()


def unregister_owner(model_label: str) -> None:
    """Undo ``register_owner`` (for tests)."""
    label = model_label.lower()
    if label in _labels:
        _labels.remove(label)
    _select_related.pop(label, None)


def owner_queryset(model: type[models.Model], company) -> models.QuerySet:
    """The company's rows of an owner model, with what their ``__str__`` needs."""
    queryset = model.objects.filter(company=company)
    related = _select_related.get(model._meta.label_lower)
    return queryset.select_related(*related) if related else queryset


def owner_models() -> list[type[models.Model]]:
    """The registered owner models that are installed, in registration order."""
    found = []
    for label in _labels:
        try:
            found.append(apps.get_model(label))
        except (LookupError, ValueError):
            continue
    return found


def owner_model_for(obj: object) -> type[models.Model] | None:
    """The registered owner model ``obj`` is an instance of (a polymorphic child counts as its
    registered parent), or None."""
    if not isinstance(obj, models.Model) or obj.pk is None:
        return None
    for model in owner_models():
        if isinstance(obj, model):
            return model
    return None


def owner_label(model_or_obj) -> str:
    """``app_label.modelname`` of the registered owner model (the parent for subtypes)."""
    if isinstance(model_or_obj, models.Model):
        model = owner_model_for(model_or_obj)
        if model is not None:
            return model._meta.label_lower
    return model_or_obj._meta.label_lower


def is_owner(obj: object) -> bool:
    return owner_model_for(obj) is not None


def resolve_owner(request: HttpRequest, owner_type: str, owner_id: int) -> models.Model:
    """The owner named in a URL, loaded through the request company's scope, or Http404."""
    company = getattr(request, "company", None)
    if company is None or owner_type not in _labels:
        raise Http404
    try:
        model = apps.get_model(owner_type)
    except (LookupError, ValueError):
        raise Http404 from None
    if owner_type == COMPANY_LABEL:
        if owner_id != company.pk:
            raise Http404
        return company
    try:
        return owner_queryset(model, company).get(pk=owner_id)
    except model.DoesNotExist:
        raise Http404 from None


def owner_url(owner: models.Model) -> str:
    """Where the owner's panels are shown: the company's settings page or the record's page."""
    if owner_label(owner) == COMPANY_LABEL:
        return reverse("crm:settings")
    get_url = getattr(owner, "get_absolute_url", None)
    return get_url() if get_url else reverse("crm:dashboard")


def _attach_admin_inlines() -> None:
    # Imported here: the admin module imports this one.
    from addressbook.admin import attach_link_inlines

    attach_link_inlines()
