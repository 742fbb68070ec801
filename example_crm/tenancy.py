"""Which organisation (tenant) a request of the example CRM acts for.

The app asks ``HRFLOW_MATCHING["TENANT_RESOLVER"]`` for the tenant of each recruiter request;
here it is the slug of the logged-in user's :class:`~example_crm.models.Recruiter`
organisation. Users without one (the demo superuser, anonymous visitors) get ``None``: no
tenant scope, as in a single-tenant CRM. A host CRM writes the same few lines against its own
user/company models.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest


def recruiter_organisation(request: HttpRequest) -> str | None:
    """The organisation slug of the request's recruiter, or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    try:
        recruiter = user.recruiter
    except ObjectDoesNotExist:
        return None
    return recruiter.organisation.slug
