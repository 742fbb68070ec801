"""X-API-KEY authentication, key lifecycle, throttling and two-tenant isolation of the pull API."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from example_crm.models import Candidate, Organisation
from hrflow_matching.models import ApiKey
from hrflow_matching.models.apikeys import hash_key
from tests.support.api_helpers import KeyClient, candidate, job, make_key, no_settle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_settle")]
__all__ = ["no_settle"]

UNAUTHORIZED = "Unauthorized. Send a valid API key in the X-API-KEY header."


def run(*args: str) -> str:
    out = StringIO()
    call_command("hrflow_apikey", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.mark.parametrize("path", ["/hrflow/api/profiles/", "/hrflow/api/jobs/x/"])
def test_missing_key_is_401_json(path: str) -> None:
    response = KeyClient(None).get(path)
    assert response.status_code == 401
    assert response.json() == {"code": 401, "message": UNAUTHORIZED}
    assert "X-API-KEY" in response["WWW-Authenticate"]


@pytest.mark.parametrize(
    "key",
    [
        "",
        "nonsense",
        "hfm_12345678_wrong",
        "hfm_short_x",
        "Bearer hfm_x_y",
        "hfm__",
        "hfm_1234567\x00_abcdefghijklmnopqrstuvwxyz",
        "hfm_ABCDEF12_abcdefghijklmnopqrstuvwxyz",
    ],
)
def test_bad_key_is_401_json(key: str) -> None:
    make_key()
    response = KeyClient(key).get("/hrflow/api/profiles/")
    assert response.status_code == 401
    assert response.json()["code"] == 401
    assert response.json()["message"] in ("Unauthorized. Invalid API key.", UNAUTHORIZED)


def test_right_prefix_wrong_secret_is_401() -> None:
    key = make_key()
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert KeyClient(forged).get("/hrflow/api/profiles/").status_code == 401


def test_key_lifecycle_through_the_command() -> None:
    out = run("create", "--name", "HrFlow.ai pull")
    key = out.strip().splitlines()[-1]
    assert re.fullmatch(r"hfm_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", key)
    row = ApiKey.objects.get()
    assert row.hashed_key == hash_key(key) and key not in (row.hashed_key, row.prefix)
    assert row.last_used_at is None

    assert KeyClient(key).get("/hrflow/api/profiles/").status_code == 200
    row.refresh_from_db()
    assert row.last_used_at is not None

    listing = run("list")
    assert "HrFlow.ai pull" in listing and f"hfm_{row.prefix}" in listing and key not in listing

    assert "Revoked" in run("revoke", f"hfm_{row.prefix}")
    response = KeyClient(key).get("/hrflow/api/profiles/")
    assert response.status_code == 401
    assert response.json() == {"code": 401, "message": "Unauthorized. This API key was revoked."}
    assert "HrFlow.ai pull" not in run("list")
    assert "HrFlow.ai pull" in run("list", "--all")
    assert "already revoked" in run("revoke", str(row.pk))
    with pytest.raises(CommandError):
        run("revoke", "hfm_00000000")
    with pytest.raises(CommandError, match="No API key matches '²'"):  # "²".isdigit(), no int
        run("revoke", "²")
    with pytest.raises(CommandError):
        run("create", "--name", "  ")


def test_a_key_for_a_tenant_no_row_belongs_to_is_warned_about() -> None:
    """With a tenant resolver there is no list of tenants: a typo would make a key that reads
    nothing, silently. The key is still made (rows may come later), with a warning."""
    candidate("c1", org=Organisation.objects.create(name="Acme", slug="acme"))
    for tenant, warned in (("acme", False), ("acmee", True)):
        err = StringIO()
        call_command(
            "hrflow_apikey", "create", "--name", tenant, "--tenant", tenant,
            stdout=StringIO(), stderr=err,
        )  # fmt: skip
        assert ("check its spelling" in err.getvalue()) is warned
    assert ApiKey.objects.filter(tenant="acmee").exists()


def test_list_filters_by_tenant() -> None:
    run("create", "--name", "key of a", "--tenant", "a")
    run("create", "--name", "key of b", "--tenant", "b")
    out = run("list", "--tenant", "a")
    assert "key of a" in out and "key of b" not in out


def test_last_used_at_is_written_at_most_once_a_minute(django_assert_num_queries) -> None:
    key = make_key()
    client = KeyClient(key)
    client.get("/hrflow/api/jobs/")
    first = ApiKey.objects.get().last_used_at
    with django_assert_num_queries(3):  # key, jobs, tombstones: no write
        client.get("/hrflow/api/jobs/")
    assert ApiKey.objects.get().last_used_at == first
    ApiKey.objects.update(last_used_at=timezone.now() - dt.timedelta(minutes=2))
    client.get("/hrflow/api/jobs/")
    assert ApiKey.objects.get().last_used_at > first


def test_throttle_per_key(settings) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "API": {"SETTLE_SECONDS": 0, "THROTTLE_RATE": "3/min"},
    }
    first, second = KeyClient(make_key()), KeyClient(make_key())
    for _ in range(3):
        assert first.get("/hrflow/api/jobs/").status_code == 200
    response = first.get("/hrflow/api/jobs/")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == 429 and body["retry_after"] > 0 and "Retry-After" in response
    assert second.get("/hrflow/api/jobs/").status_code == 200  # another key, another bucket
    cache.clear()


def test_admin_creates_a_key_shown_once_and_filters_by_tenant(admin_client) -> None:
    response = admin_client.post(
        "/admin/hrflow_matching/apikey/add/", {"name": "From admin", "tenant": "acme"}, follow=True
    )
    assert response.status_code == 200
    shown = response.content.decode()  # in the page, never in the messages cookie
    key = re.search(r"hfm_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", shown).group(0)
    row = ApiKey.objects.get(name="From admin")
    assert row.tenant == "acme" and row.matches(key)
    page = admin_client.get(f"/admin/hrflow_matching/apikey/{row.pk}/change/").content.decode()
    assert key not in page and f"hfm_{row.prefix}" in page
    ApiKey.create_key("Other", tenant="zeta")
    listing = admin_client.get("/admin/hrflow_matching/apikey/?tenant=acme").content.decode()
    assert "From admin" in listing and "Other" not in listing
    admin_client.post(
        "/admin/hrflow_matching/apikey/",
        {"action": "revoke_keys", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert row.revoked_at is not None


# -- two tenants ---------------------------------------------------------------------------------
@pytest.fixture
def two_tenants(settings) -> dict[str, KeyClient]:
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "TENANTS": {"acme": {"API_KEY": "ka"}, "globex": {"API_KEY": "kg"}},
    }
    acme = Organisation.objects.create(name="Acme", slug="acme")
    globex = Organisation.objects.create(name="Globex", slug="globex")
    for org in (acme, globex):
        candidate(f"{org.slug}-c1", org)
        candidate(f"{org.slug}-c2", org)
        job(f"{org.slug}-j1", org)
        candidate(f"{org.slug}-gone", org).delete()
        archived = candidate(f"{org.slug}-archived", org)
        archived.archived = True
        archived.save()
    candidate("shared-c")
    candidate("shared-gone").delete()
    return {
        "acme": KeyClient(make_key("acme")),
        "globex": KeyClient(make_key("globex")),
        "none": KeyClient(make_key(None)),
    }


def test_a_tenant_key_lists_only_its_tenant(two_tenants: dict[str, KeyClient]) -> None:
    for tenant in ("acme", "globex"):
        client = two_tenants[tenant]
        profiles = {i["reference"] for i in client.pull()}
        assert profiles == {f"{tenant}-c1", f"{tenant}-c2", f"{tenant}-gone", f"{tenant}-archived"}
        assert {i["reference"] for i in client.pull("jobs")} == {f"{tenant}-j1"}
        assert len(client.pull(page_size=1)) == 4  # counts agree page after page


def test_another_tenants_reference_is_404_never_403(two_tenants: dict[str, KeyClient]) -> None:
    acme = two_tenants["acme"]
    for path in (
        "/hrflow/api/profiles/globex-c1/",
        "/hrflow/api/profiles/globex-gone/",  # tombstone of another tenant
        "/hrflow/api/profiles/globex-archived/",
        "/hrflow/api/jobs/globex-j1/",
        "/hrflow/api/profiles/shared-c/",
    ):
        response = acme.get(path)
        assert response.status_code == 404, path
        assert response.json()["code"] == 404
    assert acme.get("/hrflow/api/profiles/acme-c1/").status_code == 200
    assert acme.get("/hrflow/api/profiles/acme-gone/").status_code == 410
    assert acme.get("/hrflow/api/profiles/acme-archived/").status_code == 410


def test_a_tenantless_key_in_a_multi_tenant_crm_sees_only_tenantless_rows(
    two_tenants: dict[str, KeyClient],
) -> None:
    none = two_tenants["none"]
    assert {i["reference"] for i in none.pull()} == {"shared-c", "shared-gone"}
    assert none.pull("jobs") == []
    assert none.get("/hrflow/api/profiles/acme-c1/").status_code == 404
    assert none.get("/hrflow/api/profiles/shared-c/").status_code == 200


def test_a_tenantless_key_sees_everything_when_no_tenant_is_configured() -> None:
    org = Organisation.objects.create(name="Acme", slug="acme")
    candidate("in-org", org)
    candidate("no-org")
    candidate("gone-org", org).delete()
    client = KeyClient(make_key(None))
    assert {i["reference"] for i in client.pull()} == {"in-org", "no-org", "gone-org"}
    assert client.get("/hrflow/api/profiles/in-org/").status_code == 200


def resolve_no_tenant(request: object) -> None:
    return None


def test_a_tenant_resolver_alone_makes_the_crm_multi_tenant(settings) -> None:
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "TENANT_RESOLVER": "tests.pull.test_auth.resolve_no_tenant",
    }
    org = Organisation.objects.create(name="Acme", slug="acme")
    candidate("in-org", org)
    assert KeyClient(make_key(None)).pull() == []


def test_a_tenant_key_never_reads_a_model_without_tenants(settings, monkeypatch) -> None:
    from example_crm.hrflow import CandidateAdapter
    from hrflow_matching.registry import get_adapter

    monkeypatch.setattr(get_adapter(Candidate), "tenant_field", None)
    assert CandidateAdapter.tenant_field == "organisation__slug"  # instance attribute only
    candidate("c")
    assert KeyClient(make_key("acme")).pull() == []
    assert KeyClient(make_key("acme")).get("/hrflow/api/profiles/c/").status_code == 404
