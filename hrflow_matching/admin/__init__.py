"""Admin for endpoints, deliveries, API keys; one module per concern."""

from . import apikeys  # noqa: F401
