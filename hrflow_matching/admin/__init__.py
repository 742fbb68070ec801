"""Admin for endpoints, deliveries, API keys; one module per concern."""

from . import apikeys  # noqa: F401
from .mixins import MatchingAdminMixin  # noqa: F401
from . import webhooks  # noqa: F401
