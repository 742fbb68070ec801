"""Signal receivers, connected per registered model (filled in by the webhooks work)."""

from __future__ import annotations


def connect_registered_models() -> None:
    """Connect post_save / pre_delete / m2m_changed receivers for every registered model."""
