"""References that are not plain slugs: a primary key, a typed field, slashes.

Every route that takes a reference (the pull lookup, the recruiter pages, the JSON matching
API, the admin's "Find matching" button) must treat a reference that cannot be a value of the
reference field as an unknown one (404, never 500), and must reach a reference with slashes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from django.db.models import Model
from django.urls import reverse

from example_crm.models import JobOffer
from hrflow_matching import registry
from hrflow_matching.testing import recording_backend
from tests.support.api_helpers import KeyClient, make_key

pytestmark = pytest.mark.django_db

PAGE = "hrflow_matching:matching_profiles_for_job"
MATCHING_API = "/hrflow/api/matching/profiles/"
SLASHED = "ACME/2026/1"


def _reregister(model: type[Model], reference_field: str) -> None:
    """Register ``model``'s adapter class again, its reference read from another field."""
    adapter_class = type(registry.get_adapter(model))
    registry.unregister(model)
    subclass = type(adapter_class.__name__, (adapter_class,), {"reference_field": reference_field})
    registry.register(model)(subclass)


@pytest.fixture
def job_reference_field(request: pytest.FixtureRequest) -> Iterator[str]:
    """The example job adapter, referenced by ``request.param`` for the test."""
    original = type(registry.get_adapter(JobOffer))
    _reregister(JobOffer, request.param)
    try:
        yield request.param
    finally:
        registry.unregister(JobOffer)
        registry.register(JobOffer)(original)


def page_url(reference: str) -> str:
    return reverse(PAGE, args=[reference])


def api_404(reference: str) -> dict[str, object]:
    return {"code": 404, "message": f"Unable to find object: job with reference {reference!r}."}


# -- a reference that cannot be a value of the reference field --------------------------------
# "pk" is the default reference: "abc" is no integer (ValueError). A typed field refuses what it
# cannot parse with a ValidationError (a date here; a UUID primary key does the same). No text
# column stores a NUL (PostgreSQL refuses the query).
UNKNOWN = {"pk": "999999", "start_date": "1999-01-01", "reference": "nope"}


@pytest.mark.parametrize(
    ("job_reference_field", "bad"),
    [("pk", "abc"), ("pk", "1.5"), ("start_date", "not-a-date"), ("reference", "a\x00b")],
    indirect=["job_reference_field"],
)
def test_impossible_reference_is_an_unknown_reference(acme_client, world, job_reference_field, bad):
    world.job.start_date = dt.date(2026, 9, 1)
    world.job.save()
    lookup = KeyClient(make_key("acme"))
    good = registry.get_adapter(JobOffer).get_reference(world.job)
    unknown = UNKNOWN[job_reference_field]
    with recording_backend():
        # The job's own reference reaches it: the 404s below are about the value alone.
        assert acme_client.get(page_url(good)).status_code == 200
        assert acme_client.get(MATCHING_API, {"job_reference": good}).status_code == 200
        assert lookup.get(f"/hrflow/api/jobs/{quote(good, safe='')}/").status_code == 200
        assert acme_client.get(page_url(unknown)).status_code == 404
        assert acme_client.get(page_url(bad)).status_code == 404
        assert acme_client.get(MATCHING_API, {"job_reference": unknown}).json() == api_404(unknown)
        response = acme_client.get(MATCHING_API, {"job_reference": bad})
        assert response.status_code == 404 and response.json() == api_404(bad)
    response = lookup.get(f"/hrflow/api/jobs/{quote(bad, safe='')}/")
    assert response.status_code == 404 and response.json() == api_404(bad)


# -- a reference with slashes ----------------------------------------------------------------
@pytest.fixture
def slashed_job(world) -> JobOffer:
    world.job.reference = SLASHED
    world.job.save()
    return world.job


def test_pull_lookup_of_a_reference_with_slashes(slashed_job):
    api = KeyClient(make_key("acme"))
    for url in ("/hrflow/api/jobs/ACME/2026/1/", "/hrflow/api/jobs/ACME%2F2026%2F1/"):
        response = api.get(url)
        assert response.status_code == 200, (url, response.content)
        assert response.json()["reference"] == SLASHED
    # An unknown reference is the view's JSON 404 whatever it holds, never Django's HTML one.
    for missing in ("ACME/2026/2", "line\nbreak/x"):
        response = api.get(f"/hrflow/api/jobs/{quote(missing, safe='')}/")
        assert response.status_code == 404 and response.json() == api_404(missing)
    # The list routes beside the lookup are not shadowed, and a missing slash is appended.
    assert "has_more" in api.get("/hrflow/api/jobs/").json()
    assert api.get("/hrflow/api/jobs/ACME/2026/1").url == "/hrflow/api/jobs/ACME/2026/1/"


def test_matching_page_and_api_of_a_reference_with_slashes(acme_client, slashed_job):
    url = page_url(SLASHED)
    assert url == "/hrflow/matching/jobs/ACME/2026/1/"
    with recording_backend() as recorder:
        assert acme_client.get(url).status_code == 200
        assert acme_client.get("/hrflow/matching/jobs/ACME%2F2026%2F1/").status_code == 200
        api = acme_client.get(MATCHING_API, {"job_reference": SLASHED})
    assert api.status_code == 200, api.content
    assert {call.args["job_reference"] for call in recorder.calls} == {SLASHED}
    assert acme_client.get(page_url("ACME/2026/2")).status_code == 404


def admin_change_page(client, obj: Model) -> str:
    url = reverse(f"admin:example_crm_{obj._meta.model_name}_change", args=[obj.pk])
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_admin_button_of_a_reference_with_slashes(admin_client, slashed_job):
    html = admin_change_page(admin_client, slashed_job)
    assert "Find matching candidates" in html
    assert 'href="/hrflow/matching/jobs/ACME/2026/1/"' in html


@pytest.mark.parametrize(
    "reference",
    [
        "",  # no route takes an empty reference
        "ACME/../job-1",  # a browser would open the matching of "job-1"
        "./ACME",
    ],
)
def test_admin_leaves_out_a_button_it_cannot_link(admin_client, world, reference):
    world.job.reference = reference
    world.job.save()
    assert "Find matching candidates" not in admin_change_page(admin_client, world.job)
