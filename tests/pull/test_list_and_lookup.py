"""Pull webservices: ordering, cursor, filters, archived objects and tombstones, lookups."""

from __future__ import annotations

import contextlib
import datetime as dt
from urllib.parse import quote

import pytest

from example_crm.models import Candidate, Skill, WorkExperience
from hrflow_matching import paused
from hrflow_matching.models import Tombstone
from hrflow_matching.pull.deletions import purge_tombstones
from tests.support.api_helpers import (
    T0,
    KeyClient,
    candidate,
    job,
    make_key,
    no_settle,
    set_updated,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_settle")]
__all__ = ["no_settle"]


@pytest.fixture
def api() -> KeyClient:
    return KeyClient(make_key())


def refs(items: list[dict]) -> list[str]:
    return [i["reference"] for i in items]


def test_equal_timestamps_are_ordered_by_reference_across_pages(api: KeyClient) -> None:
    for ref in ["b", "a", "d", "c", "e"]:
        candidate(ref)
    for ref in ["a", "b", "c", "d"]:
        set_updated(Candidate, ref, T0)
    set_updated(Candidate, "e", T0 - dt.timedelta(seconds=1))
    for size in (1, 2, 3, 10):
        assert refs(api.pull(page_size=size)) == ["e", "a", "b", "c", "d"]


def test_tombstones_merge_into_the_same_order(api: KeyClient) -> None:
    for ref in ["a", "b", "c", "d"]:
        candidate(ref)
    Candidate.objects.get(reference="b").delete()
    Candidate.objects.get(reference="c").delete()
    for ref in ["a", "d"]:
        set_updated(Candidate, ref, T0)
    Tombstone.objects.filter(reference__in=["b", "c"]).update(archived_at=T0)
    for size in (1, 2, 3, 4, 5):
        items = api.pull(page_size=size)
        assert refs(items) == ["a", "b", "c", "d"], size
    gone = {i["reference"]: i for i in items if "info" not in i}
    assert set(gone) == {"b", "c"}
    assert gone["b"] == {
        "reference": "b",
        "updated_at": "2026-03-01T12:00:00Z",
        "archived_at": "2026-03-01T12:00:00Z",
    }


def test_references_sort_by_code_point_in_the_database_and_in_the_merge(api: KeyClient) -> None:
    # Natural-language collations would put "a-b" next to "ab" and "É" next to "E".
    live = ["a-b", "ab", "É1", "E2", "Z", "z", "ä", "0"]
    deleted = ["aB", "a b", "é", "Z9"]
    for ref in live + deleted:
        candidate(ref)
    for ref in deleted:
        Candidate.objects.get(reference=ref).delete()
    Candidate.objects.update(updated_at=T0)
    Tombstone.objects.update(archived_at=T0)
    expected = sorted(live + deleted)
    for size in (1, 3, 100):
        assert refs(api.pull(page_size=size)) == expected


def test_updated_row_moves_to_the_end_and_is_met_again(api: KeyClient) -> None:
    for i, ref in enumerate(["a", "b", "c"]):
        candidate(ref)
        set_updated(Candidate, ref, T0 + dt.timedelta(seconds=i))
    first = api.get("/hrflow/api/profiles/", page_size=2).json()
    assert refs(first["results"]) == ["a", "b"]
    a = Candidate.objects.get(reference="a")
    a.first_name = "Changed"
    a.save()
    rest = api.pull(page_size=2, cursor=first["next_cursor"])
    assert refs(rest) == ["c", "a"]
    assert rest[-1]["info"]["first_name"] == "Changed"


@pytest.mark.parametrize(
    "change",
    [
        "skills.add",
        "skills.clear",
        "skill.candidates.add",  # the reverse side of the relation
        "experience.save",
        "experiences.delete",  # a queryset delete: no model delete() runs
        "skills.add, paused",  # the date is the row's truth, events or not
    ],
)
def test_incremental_pull_meets_a_row_whose_relations_changed(api: KeyClient, change) -> None:
    """Relations and child rows are part of the document, and their changes move the row's
    modification date, which ``auto_now`` or a ``save()`` override would never see."""
    skill = Skill.objects.create(name="Pulling")
    for ref in ("a", "b"):
        candidate(ref)
    a = Candidate.objects.get(reference="a")
    a.skills.add(Skill.objects.create(name="Existing"))
    WorkExperience.objects.create(candidate=a, title="Archivist", start_date=dt.date(2020, 1, 1))
    for ref in ("a", "b"):
        set_updated(Candidate, ref, T0)
    cursor = api.get("/hrflow/api/profiles/").json()["next_cursor"]
    a = Candidate.objects.get(reference="a")
    with paused() if "paused" in change else contextlib.nullcontext():
        if change.startswith("skills.add"):
            a.skills.add(skill)
        elif change == "skills.clear":
            a.skills.clear()
        elif change == "skill.candidates.add":
            skill.candidates.add(a)
        elif change == "experience.save":
            experience = a.experiences.get()
            experience.title = "Curator"
            experience.save()
        else:
            a.experiences.all().delete()
    [met] = api.pull(cursor=cursor)
    assert met["reference"] == "a"
    assert met["updated_at"] > "2026-03-01T12:00:00Z"
    skills = {s["name"] for s in met["skills"]}
    experiences = [e["title"] for e in met["experiences"]]
    expected = {
        "skills.add": ({"Existing", "Pulling"}, ["Archivist"]),
        "skills.add, paused": ({"Existing", "Pulling"}, ["Archivist"]),
        "skills.clear": (set(), ["Archivist"]),
        "skill.candidates.add": ({"Existing", "Pulling"}, ["Archivist"]),
        "experience.save": ({"Existing"}, ["Curator"]),
        "experiences.delete": ({"Existing"}, []),
    }[change]
    assert (skills, experiences) == expected


def test_last_page_cursor_resumes_the_next_incremental_pull(api: KeyClient) -> None:
    candidate("a")
    body = api.get("/hrflow/api/profiles/").json()
    assert body["has_more"] is False and body["next"] is None
    cursor = body["next_cursor"]
    empty = api.get("/hrflow/api/profiles/", cursor=cursor).json()
    assert empty["results"] == [] and empty["next_cursor"] == cursor
    candidate("b")
    assert refs(api.get("/hrflow/api/profiles/", cursor=cursor).json()["results"]) == ["b"]


def test_next_link_keeps_the_other_parameters(api: KeyClient) -> None:
    for ref in "abc":
        candidate(ref)
    body = api.get("/hrflow/api/profiles/", page_size=1, include_archived="false").json()
    assert "page_size=1" in body["next"] and "include_archived=false" in body["next"]
    follow = api.client.get(body["next"], headers={"X-API-KEY": api.key}).json()
    assert len(follow["results"]) == 1


def test_updated_since_and_until(api: KeyClient) -> None:
    for i, ref in enumerate(["a", "b", "c"]):
        candidate(ref)
        set_updated(Candidate, ref, T0 + dt.timedelta(days=i))
    assert refs(api.pull(updated_since="2026-03-02")) == ["b", "c"]
    assert refs(api.pull(updated_since="2026-03-02T12:00:00Z")) == ["b", "c"]  # inclusive
    assert refs(api.pull(updated_since="2026-03-02T12:00:00.000001Z")) == ["c"]
    assert refs(api.pull(updated_since="2026-03-02T14:00:00+02:00")) == ["b", "c"]
    assert refs(api.pull(updated_until="2026-03-02T12:00:00Z")) == ["a"]  # exclusive
    assert refs(api.pull(updated_since="2026-03-01", updated_until="2026-03-03")) == ["a", "b"]
    # An unencoded "+" arrives as a space: read back as "+".
    response = api.client.get(
        "/hrflow/api/profiles/?updated_since=2026-03-02T14:00:00+02:00",
        headers={"X-API-KEY": api.key},
    )
    assert refs(response.json()["results"]) == ["b", "c"]


def test_archived_rows_appear_unless_left_out(api: KeyClient) -> None:
    candidate("live")
    gone = candidate("soft")
    gone.archived = True
    gone.save()
    candidate("deleted").delete()
    items = {i["reference"]: i for i in api.pull()}
    assert items["live"]["archived_at"] is None
    assert items["soft"]["archived_at"] is not None and "info" in items["soft"]
    assert items["deleted"]["archived_at"] is not None and "info" not in items["deleted"]
    assert refs(api.pull(include_archived="false")) == ["live"]
    assert len(api.pull(include_archived="true")) == 3


def test_jobs_list_and_lookup(api: KeyClient) -> None:
    job("j1", title="Data engineer")
    items = api.pull("jobs")
    assert refs(items) == ["j1"] and items[0]["name"] == "Data engineer"
    assert api.get("/hrflow/api/jobs/j1/").json() == items[0]


@pytest.mark.parametrize(
    "reference", ["with space", "unicodé-日本", "dots.in.it", "trailing.", "a+b", "x%y", "~t"]
)
def test_lookup_of_odd_references(api: KeyClient, reference: str) -> None:
    candidate(reference)
    response = api.get(f"/hrflow/api/profiles/{quote(reference, safe='')}/")
    assert response.status_code == 200, response.content
    assert response.json()["reference"] == reference
    assert response.json() == next(i for i in api.pull() if i["reference"] == reference)


def test_lookup_of_a_nul_reference_is_a_404(api: KeyClient) -> None:
    assert api.get("/hrflow/api/profiles/a%00b/").status_code == 404


def test_lookup_404_and_410_bodies(api: KeyClient) -> None:
    response = api.get("/hrflow/api/profiles/nope/")
    assert response.status_code == 404
    assert response.json() == {
        "code": 404,
        "message": "Unable to find object: profile with reference 'nope'.",
    }
    soft = candidate("soft")
    soft.archived = True
    soft.save()
    soft.refresh_from_db()
    response = api.get("/hrflow/api/profiles/soft/")
    assert response.status_code == 410
    body = response.json()
    assert body["reference"] == "soft" and body["code"] == 410
    assert body["archived_at"] == soft.archived_at.isoformat().replace("+00:00", "Z")
    job("jj").delete()
    body = api.get("/hrflow/api/jobs/jj/").json()
    assert body["code"] == 410 and body["reference"] == "jj" and body["archived_at"]
    assert api.get("/hrflow/api/profiles/jj/").status_code == 404  # a job is not a profile


def test_recreated_reference_removes_its_tombstone(api: KeyClient) -> None:
    candidate("again").delete()
    assert api.get("/hrflow/api/profiles/again/").status_code == 410
    candidate("again")
    assert not Tombstone.objects.filter(reference="again").exists()
    assert api.get("/hrflow/api/profiles/again/").status_code == 200
    assert refs(api.pull()) == ["again"]


def test_rolled_back_delete_leaves_no_tombstone(api: KeyClient) -> None:
    from django.db import transaction

    row = candidate("kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        row.delete()
        raise RuntimeError
    assert not Tombstone.objects.exists()


def test_cascade_delete_of_an_organisation_leaves_tombstones() -> None:
    from example_crm.models import Organisation

    org = Organisation.objects.create(name="Acme", slug="acme")
    candidate("c1", org)
    job("j1", org)
    org.delete()
    assert set(Tombstone.objects.values_list("kind", "reference", "tenant")) == {
        ("profile", "c1", "acme"),
        ("job", "j1", "acme"),
    }


def test_purge_tombstones_after_retention(settings) -> None:
    candidate("old").delete()
    candidate("new").delete()
    Tombstone.objects.filter(reference="old").update(archived_at=T0 - dt.timedelta(days=91))
    Tombstone.objects.filter(reference="new").update(archived_at=T0 - dt.timedelta(days=89))
    assert purge_tombstones(now=T0) == 1
    assert list(Tombstone.objects.values_list("reference", flat=True)) == ["new"]
    settings.HRFLOW_MATCHING = {**settings.HRFLOW_MATCHING, "API": {"TOMBSTONE_RETENTION_DAYS": 10}}
    assert purge_tombstones(now=T0) == 1


def test_settle_delay_holds_back_fresh_rows(settings) -> None:
    api = KeyClient(make_key())
    candidate("old")
    set_updated(Candidate, "old", T0)
    candidate("fresh")
    settings.HRFLOW_MATCHING = {**settings.HRFLOW_MATCHING, "API": {"SETTLE_SECONDS": 600}}
    assert refs(api.pull()) == ["old"]
    assert api.get("/hrflow/api/profiles/fresh/").status_code == 200  # lookups never wait


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "2026-13-01"}, "updated_since"),
        ({"updated_since": "2026-03-01T10:00:00"}, "updated_since"),  # no time zone
        ({"updated_since": "0001-01-01T00:00:00+01:00"}, "updated_since"),
        ({"updated_until": "2026-03-01T25:00:00Z"}, "updated_until"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1001"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"page_size": "1e3"}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "W10"}, "cursor"),  # base64 of []
        ({"cursor": "eyJhIjoxfQ"}, "cursor"),  # base64 of {"a":1}
        ({"cursor": "WyIyMDI2LTAzLTAxVDEyOjAwOjAwIiwiYSJd"}, "cursor"),  # naive date
        ({"include_archived": "maybe"}, "include_archived"),
        # Page-number and offset paging would answer page 1 forever: refused, not ignored.
        ({"page": "2"}, "page"),
        ({"offset": "100"}, "offset"),
        ({"start": "0"}, "start"),
        ({"limit": "0"}, "limit"),
        ({"limit": "10", "page_size": "20"}, "limit"),
        # ["2026-01-01T00:00:00+00:00", "a\u0000b"]: PostgreSQL cannot even compare a NUL
        ({"cursor": "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwiYVx1MDAwMGIiXQ"}, "cursor"),
        ({"updated_since": "2026-01-01T00:00:00\x00"}, "updated_since"),
        # ["2026-01-01T00:00:00+00:00", "a\ud800b"]: a lone surrogate
        ({"cursor": "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwiYVx1ZDgwMGIiXQ"}, "cursor"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(
    api: KeyClient, params: dict, parameter: str
) -> None:
    response = api.get("/hrflow/api/profiles/", **params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == 400 and body["parameter"] == parameter
    assert parameter in body["message"]


def test_limit_is_another_name_for_page_size(api: KeyClient) -> None:
    for ref in "abc":
        candidate(ref)
    body = api.get("/hrflow/api/profiles/", limit=2).json()
    assert refs(body["results"]) == ["a", "b"] and body["has_more"] is True
    assert refs(api.pull(limit=1)) == ["a", "b", "c"]
    assert refs(api.get("/hrflow/api/profiles/", limit=2, page_size=2).json()["results"]) == [
        "a",
        "b",
    ]


def test_page_size_bounds_come_from_settings(api: KeyClient, settings) -> None:
    for ref in "abcde":
        candidate(ref)
    assert api.get("/hrflow/api/profiles/").json()["page_size"] == 100
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "API": {"SETTLE_SECONDS": 0, "PAGE_SIZE": 2, "MAX_PAGE_SIZE": 3},
    }
    body = api.get("/hrflow/api/profiles/").json()
    assert body["page_size"] == 2 and len(body["results"]) == 2
    assert api.get("/hrflow/api/profiles/", page_size=4).status_code == 400


def _seed(n: int) -> None:
    from example_crm.models import Education, Skill, WorkExperience

    skills = [Skill.objects.create(name=f"skill {i}") for i in range(3)]
    for i in range(n):
        row = candidate(f"c{i:04d}")
        row.skills.set(skills)
        WorkExperience.objects.create(
            candidate=row, title="Dev", start_date=dt.date(2020, 1, 1), end_date=None
        )
        Education.objects.create(candidate=row, school="MIT")
    for i in range(3):
        candidate(f"gone{i}").delete()


@pytest.mark.parametrize("page_size", [10, 1000])
def test_query_count_is_constant_per_page(
    api: KeyClient, page_size: int, django_assert_max_num_queries
) -> None:
    _seed(30)
    api.get("/hrflow/api/profiles/")  # last_used_at is written once, before measuring
    # key, live rows, tombstones, three prefetches (skills, experiences, educations)
    with django_assert_max_num_queries(6):
        body = api.get("/hrflow/api/profiles/", page_size=page_size).json()
    assert len(body["results"]) == min(page_size, 33)
    with django_assert_max_num_queries(6):
        api.get("/hrflow/api/profiles/", page_size=page_size, cursor=body["next_cursor"])
    with django_assert_max_num_queries(4):
        api.get("/hrflow/api/jobs/", page_size=page_size)


def test_list_documents_are_the_adapters_documents(api: KeyClient) -> None:
    from hrflow_matching.registry import get_adapter

    _seed(4)
    adapter = get_adapter(Candidate)
    items = {i["reference"]: i for i in api.pull(page_size=3) if "info" in i}
    assert len(items) == 4
    for row in Candidate.objects.all():  # no prefetch: the adapter's per-row queries
        assert items[row.reference] == adapter.to_document(row)
        assert items[row.reference]["skills"] and items[row.reference]["experiences"]
