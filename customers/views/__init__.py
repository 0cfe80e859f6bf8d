"""Customer pages, the conversion pages, the customer settings lists and the staff's side of
the customer portal (portal users, customer roles)."""

from customers.views.balance import *  # noqa: F403
from customers.views.conversion import *  # noqa: F403
from customers.views.customers import *  # noqa: F403
from customers.views.portal_users import *  # noqa: F403
from customers.views.settings import *  # noqa: F403
