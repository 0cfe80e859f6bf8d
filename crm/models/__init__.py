"""Core models, one module per concern; each module lists its public names in ``__all__``."""

from .access import *
from .activity import *
from .catalog import *
from .generated import *
from .imports import *
from .numbering import *
from .partners import *
from .people import *
from .preferences import *
from .saved_views import *
from .tenancy import *
from .tokens import *
