"""The fingerprint of each row's HrFlow document as last announced (NOTIFY flow).

``profile_update`` and ``job_update`` mean "the document changed". A save does not know that
cheaply (building a document reads related rows), so the worker that sends the webhook builds
the document, hashes it, and compares with the row's fingerprint here: an update whose
document did not change is dropped (``notify/fingerprints.py``). ``hrflow_reconcile``
compares every row's document with this table to catch writes that sent no signal.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

#: The fingerprint of a row that is archived or gone (no document to announce).
ARCHIVED = "archived"


class DocumentFingerprint(models.Model):
    """One row's document as last announced: its hash, and when that was decided."""

    model_label = models.CharField(max_length=200)
    object_pk = models.CharField(max_length=255)
    value = models.CharField(max_length=64)
    #: The reference and tenant it was announced under: a row deleted by raw SQL is
    #: announced as archived under them, whatever was purged since.
    reference = models.CharField(max_length=255, blank=True)
    tenant = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001  (None = no tenant)
    #: When the value was computed: an update recorded after it, with the same document, is a
    #: change of nothing.
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        app_label = "hrflow_matching"
        constraints = [
            models.UniqueConstraint(
                fields=["model_label", "object_pk"], name="hrflow_fingerprint_row"
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_label} {self.object_pk}: {self.value[:12]}"
