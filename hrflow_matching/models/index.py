"""The local engine's index: one denormalised row per profile or job, and a generation stamp.

Why rows in the database rather than files only: filters run in SQL on indexed columns, every
process (web, worker) sees the same truth, and a transaction that writes index rows and bumps
the stamp is atomic. The in-process BM25 model and arrays (``backends.local.snapshot``) are a
cache of these rows, checked against :class:`IndexStamp` on every query.

List-valued fields (skills, languages, tags) are stored as ``|a|b|c|`` strings so that the same
``LIKE '%|a|%'`` filter works on SQLite and PostgreSQL without JSON operators.
"""

from __future__ import annotations

import uuid

from django.db import models

KIND_CHOICES = [("profile", "profile"), ("job", "job")]


def new_epoch() -> str:
    return uuid.uuid4().hex


class IndexEntry(models.Model):
    """A profile or job as the local engine sees it (built from the adapter's HrFlow document)."""

    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    reference = models.CharField(max_length=255)
    #: None: no tenant (single-tenant CRMs), as ``adapter.get_tenant`` returns it.
    tenant = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    #: The stamp value of the write that last touched the row (see :class:`IndexStamp`).
    version = models.BigIntegerField(default=0)
    #: Archived rows stay as tombstones until compaction so other processes learn of removals.
    archived = models.BooleanField(default=False)
    title = models.CharField(max_length=255, blank=True)
    #: Older titles (profiles), one per line, most recent first.
    other_titles = models.TextField(blank=True)
    #: Canonical skill keys, ``|key|key|``.
    skills = models.TextField(blank=True)
    #: Canonical skill keys found in the free text only (profiles without structured skills).
    text_skills = models.TextField(blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    remote = models.BooleanField(default=False)
    #: Profiles: years of experience. Jobs: the required range.
    experience_years = models.FloatField(null=True, blank=True)
    experience_min = models.FloatField(null=True, blank=True)
    experience_max = models.FloatField(null=True, blank=True)
    #: ISO 639-1 codes, ``|en|fr|``.
    languages = models.CharField(max_length=500, blank=True)
    #: ``|name=value|name=value|``.
    tags = models.TextField(blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    #: The text BM25 and full-text search read.
    text = models.TextField(blank=True)
    #: Display names of skills and other evidence shown in explanations.
    extra = models.JSONField(default=dict, blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "local index entry"
        verbose_name_plural = "local index entries"
        constraints = [
            models.UniqueConstraint(fields=["kind", "reference"], name="hrflow_index_kind_ref")
        ]
        indexes = [
            models.Index(fields=["kind", "version"], name="hrflow_index_version"),
            # Range filters lead with (kind, archived): an unscoped (single-tenant) query uses
            # them as well as a scoped one; the tenant index serves scoped queries without them.
            models.Index(fields=["kind", "tenant", "archived"], name="hrflow_index_tenant"),
            # Covering the range filters: no access to the wide rows (their text) to filter.
            models.Index(
                fields=[
                    "kind",
                    "archived",
                    "lat",
                    "lng",
                    "experience_years",
                    "created_at",
                    "tenant",
                ],
                name="hrflow_index_filter",
            ),
            models.Index(fields=["kind", "archived", "experience_years"], name="hrflow_index_exp"),
            models.Index(fields=["kind", "archived", "created_at"], name="hrflow_index_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference}"


class IndexStamp(models.Model):
    """One row per kind: a counter bumped by every index write, read by every query.

    ``version`` orders writes (rows carry the value of the write that touched them), so a
    process holding a snapshot built at version V reads only rows with ``version > V`` to catch
    up. ``compacted`` is the highest version whose tombstones were purged: a snapshot older than
    that cannot catch up by deltas and is rebuilt.
    """

    kind = models.CharField(max_length=10, choices=KIND_CHOICES, primary_key=True)
    version = models.BigIntegerField(default=0)
    compacted = models.BigIntegerField(default=0)
    #: A new value whenever the stamp row is created again (database restored, tests rolled
    #: back): versions from another epoch are not comparable and force a rebuild.
    epoch = models.CharField(max_length=32, default=new_epoch)

    class Meta:
        verbose_name = "local index stamp"

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class SyncCheckpoint(models.Model):
    """Where ``hrflow_sync`` got to, so an interrupted run resumes instead of starting over."""

    name = models.CharField(max_length=200, primary_key=True)
    updated_at_value = models.DateTimeField(null=True, blank=True)
    last_pk = models.CharField(max_length=255, blank=True)
    done = models.BooleanField(default=False)
    saved_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name
