"""DRF routes under ``/hrflow/api/``."""

urlpatterns: list = []
