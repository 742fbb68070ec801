"""Admin for endpoints, deliveries, API keys; one module per concern."""

from . import (
    apikeys,  # noqa: F401
    search,  # noqa: F401
    webhooks,  # noqa: F401
)
from .mixins import MatchingAdminMixin  # noqa: F401
