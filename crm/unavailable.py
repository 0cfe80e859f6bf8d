"""A 503 page, not a bare 500, while the database cannot be reached.

Django turns an exception raised anywhere in a request (a view, the session or company
middleware) into a call of ``handler500`` from inside its ``except`` block; this handler looks
at that exception. Any write was inside a transaction that the failure rolled back, so the page
can say truthfully that nothing was saved. It is rendered without the database (no session,
user or company); any other error gets Django's usual 500 page.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request, template_name)
