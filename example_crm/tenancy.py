"""Which organisation (tenant) a request of the example CRM acts for.

The app asks ``HRFLOW_MATCHING["TENANT_RESOLVER"]`` for the tenant of each recruiter request;
here it is the slug of the logged-in user's :class:`~example_crm.models.Recruiter`
organisation. A superuser sees every organisation, said explicitly with ``ALL_TENANTS``; any
other user without a recruiter row gets ``None``, which the app refuses (fails closed: 403)
rather than showing every client's candidates. A host CRM writes the same few lines against
its own user/company models.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest

from hrflow_matching.tenancy import ALL_TENANTS, AllTenants


def recruiter_organisation(request: HttpRequest) -> str | AllTenants | None:
    """The organisation slug of the request's recruiter, ALL_TENANTS for a superuser, or None."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if user.is_superuser:
        return ALL_TENANTS
    try:
        recruiter = user.recruiter
    except ObjectDoesNotExist:
        return None
    return recruiter.organisation.slug
