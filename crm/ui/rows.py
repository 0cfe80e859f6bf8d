"""For pages that show many rows: what each row needs, prepared once per request in Python."""

from collections.abc import Callable

from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

_SENTINEL = 987654321


def url_maker(name: str, *args) -> Callable[[int], str]:
    """``pk -> URL`` for the route ``name`` whose last argument is an integer ``pk`` (after
    ``args``): ``url_maker("crm:task_complete")(7) == reverse("crm:task_complete", args=[7])``."""
    before, _sep, after = reverse(name, args=[*args, _SENTINEL]).rpartition(str(_SENTINEL))
    return lambda pk: f"{before}{int(pk)}{after}"


def interpolate(text: str, **values) -> SafeString:
    """``text`` (a translation) with the values escaped, as ``{% blocktranslate %}`` writes it."""
    return mark_safe(text % {key: conditional_escape(value) for key, value in values.items()})
