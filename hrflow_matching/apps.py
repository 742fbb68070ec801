from __future__ import annotations

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class HrflowMatchingConfig(AppConfig):
    """Discovers adapters and connects receivers per registered model. No I/O here."""

    name = "hrflow_matching"
    verbose_name = "HrFlow.ai matching"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hrflow_matching import checks, checks_values  # noqa: F401  (checks and checks_values register the system checks)
        from hrflow_matching.notify import receivers as signals

        autodiscover_modules("hrflow")
        signals.connect_registered_models()
        from hrflow_matching import tenant_moves
        from hrflow_matching.pull import deletions as tombstones

        tombstones.connect_registered_models()
        tenant_moves.connect_registered_models()
