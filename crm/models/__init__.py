"""Core models, one module per concern; each module lists its public names in ``__all__``."""

from .activity import *
from .tenancy import *
