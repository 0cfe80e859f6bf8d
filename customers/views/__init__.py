"""Customer pages, the conversion pages and the customer settings lists."""

from customers.views.balance import *  # noqa: F403
from customers.views.conversion import *  # noqa: F403
from customers.views.customers import *  # noqa: F403
from customers.views.settings import *  # noqa: F403
