"""Admin for endpoints, deliveries, API keys; one module per concern."""
