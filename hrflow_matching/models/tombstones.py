"""Tombstones: what is left of a deleted profile or job, so that pullers learn of deletions."""

from __future__ import annotations

from django.db import models


class Tombstone(models.Model):
    """A deleted row of a registered model: its reference, tenant and deletion time.

    Written by :mod:`hrflow_matching.pull.deletions` when a row is deleted or moves to another
    tenant (for the tenant it left), removed when the same reference is created again in the
    same tenant, purged after ``API.TOMBSTONE_RETENTION_DAYS``.
    """

    kind = models.CharField(max_length=10, choices=[("profile", "profile"), ("job", "job")])
    model_label = models.CharField(max_length=200)
    reference = models.CharField(max_length=255)
    tenant = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001 (None: no tenant)
    archived_at = models.DateTimeField()

    class Meta:
        # One tombstone per (model, tenant, reference): a CRM whose references are unique per
        # tenant only has an "X" in tenant A and another in tenant B. NULL (no tenant) is not
        # equal to NULL in a unique index, hence a second, partial constraint for it.
        constraints = [
            models.UniqueConstraint(
                fields=["model_label", "tenant", "reference"],
                condition=models.Q(tenant__isnull=False),
                name="hrflow_tombstone_unique_tenant_ref",
            ),
            models.UniqueConstraint(
                fields=["model_label", "reference"],
                condition=models.Q(tenant__isnull=True),
                name="hrflow_tombstone_unique_ref",
            ),
        ]
        indexes = [
            models.Index(
                fields=["model_label", "archived_at", "reference"], name="hrflow_tombstone_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} deleted at {self.archived_at:%Y-%m-%d %H:%M}"
