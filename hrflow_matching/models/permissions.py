"""A table-less model that only carries the app's permissions.

Django attaches permissions to a content type, so the ``view_matching`` permission needs a
model. It is unmanaged and has no default add/change/delete/view permissions: no table is ever
created and nothing else is granted by it.
"""

from __future__ import annotations

from django.db import models


class MatchingPermission(models.Model):
    """Holder of ``hrflow_matching.view_matching`` (recruiter pages and the matching API)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_matching", "Can view HrFlow matching")]
        verbose_name = "matching permission"

    def __str__(self) -> str:
        return "HrFlow matching permission"


class CandidateSearch(MatchingPermission):
    """The admin index's "Search candidates" entry: a proxy with no table and no permission of
    its own, whose changelist is the candidate search page (``admin/search.py``)."""

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "candidate search"
        verbose_name_plural = "Search candidates"


class JobSearch(MatchingPermission):
    """The admin index's "Search jobs" entry (see :class:`CandidateSearch`)."""

    class Meta:
        proxy = True
        default_permissions = ()
        verbose_name = "job search"
        verbose_name_plural = "Search jobs"
