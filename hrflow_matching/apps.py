from __future__ import annotations

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class HrflowMatchingConfig(AppConfig):
    """Discovers adapters and connects receivers per registered model. No I/O here."""

    name = "hrflow_matching"
    verbose_name = "HrFlow.ai matching"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import (  # noqa: F401  (checks and checks_values register the system checks)
            checks,
            checks_values,
            signals,
        )

        autodiscover_modules("hrflow")
        signals.connect_registered_models()
        from . import tombstones

        tombstones.connect_registered_models()
