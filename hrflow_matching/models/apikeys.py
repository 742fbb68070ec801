"""API keys of machine clients (HrFlow.ai pulling the CRM's profiles and jobs).

Only a SHA-256 digest of each key is stored: a key has 256 bits of entropy, so a fast hash is
enough (no password stretching needed) and a stolen table reveals no usable key. The short
``prefix`` is not secret; it finds the row so that the digest comparison can be constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.db import models
from django.utils import timezone

KEY_SCHEME = "hfm"
PREFIX_LENGTH = 8


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


_KEY_RE = re.compile(rf"{KEY_SCHEME}_([0-9a-f]{{{PREFIX_LENGTH}}})_[A-Za-z0-9_-]{{20,200}}")


def split_key(key: str) -> str | None:
    """The prefix of a well-formed key (``hfm_<8 hex>_<secret>``), or None."""
    match = _KEY_RE.fullmatch(key)
    return match.group(1) if match else None


class ApiKeyQuerySet(models.QuerySet):
    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """One client's key; a key of a tenant sees only that tenant's objects."""

    name = models.CharField(max_length=100, help_text="Who uses the key, e.g. 'HrFlow.ai pull'.")
    tenant = models.CharField(  # noqa: DJ001 (None means "no tenant", distinct from "")
        max_length=200,
        null=True,
        blank=True,
        db_index=True,
        help_text="Tenant whose objects the key reads. Empty: see the README (tenant-less keys).",
    )
    prefix = models.CharField(max_length=PREFIX_LENGTH, db_index=True, editable=False)
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({KEY_SCHEME}_{self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def set_new_key(self) -> str:
        """Give the row a fresh key and return it: the only time the clear key exists."""
        prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
        self.prefix = prefix
        self.hashed_key = hash_key(key)
        return key

    def matches(self, key: str) -> bool:
        return hmac.compare_digest(self.hashed_key, hash_key(key))

    def revoke(self) -> None:
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            type(self).objects.filter(pk=self.pk).update(revoked_at=self.revoked_at)

    @classmethod
    def create_key(cls, name: str, tenant: str | None = None) -> tuple[ApiKey, str]:
        """Create a key row; returns it with the clear key (show it once, never store it)."""
        api_key = cls(name=name, tenant=tenant or None)
        key = api_key.set_new_key()
        api_key.save()
        return api_key, key
