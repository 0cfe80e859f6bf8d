"""Lead, opportunity and list-settings pages; every write goes through leads.services."""

from leads.views.board import *  # noqa: F403
from leads.views.leads import *  # noqa: F403
from leads.views.opportunities import *  # noqa: F403
from leads.views.settings import *  # noqa: F403
