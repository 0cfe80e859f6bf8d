from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def relative_time(value: datetime | None, now: datetime | None = None) -> str:
    """ "just now", "3 hours ago", or "in 2 days" for planned meetings (``now``: the clock's)."""
    if value is None:
        return ""
    if now is None:
        now = timezone.now()
    if value > now + timedelta(minutes=1):
        return _("in %(time)s") % {"time": timeuntil(value, now, depth=1)}
    if now - value < timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(value, now, depth=1)}
