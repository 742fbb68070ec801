"""Local engine: ranking, every filter, explanations, archives, tenants, free text, delta."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from hrflow_matching.backends.base import Criteria, ObjectNotIndexed
from hrflow_matching.backends.local import LocalBackend
from hrflow_matching.backends.local.engine import get_engine, reset_engines
from tests.support.local_fixtures import (
    BACKEND_JOB,
    LYON,
    MARSEILLE,
    PARIS,
    VERSAILLES,
    job,
    profile,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_engines(settings, tmp_path):
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "LOCAL": {"INDEX_DIR": str(tmp_path / "index")},
    }
    reset_engines()
    yield
    reset_engines()


@pytest.fixture
def backend() -> LocalBackend:
    b = LocalBackend(tenant=None)
    b.index("job", [job("job-py", **BACKEND_JOB)])
    b.index(
        "profile",
        [
            profile(
                "near-fit",
                title="Python Developer",
                skills=("Python", "Django", "PostgreSQL"),
                where=VERSAILLES,
                years=5,
                languages=("en",),
                tags={"source": "referral"},
            ),
            profile(
                "far-unfit",
                title="Accountant",
                skills=("Microsoft Excel",),
                where=MARSEILLE,
                years=1,
                languages=("fr",),
                tags={"source": "jobboard"},
                created_at="2024-01-10T10:00:00Z",
            ),
            profile(
                "related",
                title="Backend Developer",
                skills=("Java", "Django", "MySQL"),
                where=LYON,
                years=12,
                languages=("en", "fr"),
            ),
        ],
    )
    return b


def refs(page) -> list[str]:
    return [i.reference for i in page.items]


def test_required_skills_nearby_outrank_missing_skills_far_away(backend):
    page = backend.score_profiles("job-py", Criteria())
    assert refs(page) == ["near-fit", "related", "far-unfit"]
    assert page.items[0].score > page.items[2].score
    assert page.total == 3 and page.last_page == 1


def test_explanations_add_up_to_the_score(backend):
    for page in (
        backend.score_profiles("job-py", Criteria()),
        backend.score_jobs("related", Criteria()),
        backend.search_profiles(Criteria(text_keywords=("django",))),
    ):
        assert page.items
        for item in page.items:
            assert 0.0 <= item.score <= 1.0
            assert sum(c.contribution for c in item.explanation) == pytest.approx(item.score)
            assert sum(c.weight for c in item.explanation) == pytest.approx(1.0)
            assert all(0.0 <= c.score <= 1.0 for c in item.explanation)


def test_evidence_names_skills_distance_and_years(backend):
    top = backend.score_profiles("job-py", Criteria()).items
    by_name = {c.name: c for c in top[0].explanation}
    assert by_name["skills"].evidence["matched"] == ["Python", "Django", "PostgreSQL"]
    assert 15 < by_name["location"].evidence["distance_km"] < 25
    assert by_name["experience"].evidence == {
        "years": 5.0,
        "required_min": 3.0,
        "required_max": 8.0,
    }
    related = {c.name: c for c in top[1].explanation}["skills"].evidence
    assert related["matched"] == ["Django"]
    assert related["related"][0]["required"] == "Python"  # Java earns partial credit
    assert 0 < {c.name: c for c in top[1].explanation}["skills"].score < 1


def test_criteria_without_data_are_left_out_and_weights_renormalised(backend):
    backend.index("job", [job("job-bare", name="Gardener")])
    item = backend.score_profiles("job-bare", Criteria()).items[0]
    names = {c.name for c in item.explanation}
    assert "location" not in names and "experience" not in names and "skills" not in names


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (
            Criteria(location_lat=PARIS[0], location_lng=PARIS[1], location_distance=50),
            ["near-fit"],
        ),
        (
            Criteria(location_lat=PARIS[0], location_lng=PARIS[1], location_distance=450),
            ["near-fit", "related"],
        ),
        (Criteria(text_keywords=("accountant",)), ["far-unfit"]),
        (Criteria(text_keywords=("nothing-like-this",)), []),
        (Criteria(tags_included=(("source", "referral"),)), ["near-fit"]),
        (Criteria(tags_included=(("source", None),)), ["near-fit", "far-unfit"]),
        (Criteria(tags_excluded=(("source", "jobboard"),)), ["near-fit", "related"]),
        (Criteria(skills=("django",)), ["near-fit", "related"]),
        (Criteria(skills=("JS",)), []),
        (Criteria(languages=("fr",)), ["related", "far-unfit"]),
        (Criteria(languages=("English", "fr")), ["related"]),
        (Criteria(experiences_duration_min=4), ["near-fit", "related"]),
        (Criteria(experiences_duration_max=4), ["far-unfit"]),
        (Criteria(created_at_min=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)), ["near-fit", "related"]),
        (Criteria(created_at_max=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)), ["far-unfit"]),
        (Criteria(score_threshold=0.8), ["near-fit"]),
    ],
)
def test_every_filter_excludes_what_it_should(backend, criteria, expected):
    assert refs(backend.score_profiles("job-py", criteria)) == expected


def test_paging(backend):
    first = backend.score_profiles("job-py", Criteria(limit=2))
    second = backend.score_profiles("job-py", Criteria(limit=2, page=2))
    assert refs(first) == ["near-fit", "related"] and refs(second) == ["far-unfit"]
    assert first.total == second.total == 3 and first.last_page == 2
    assert refs(backend.score_profiles("job-py", Criteria(limit=2, page=5))) == []


def test_archived_never_appear(backend):
    backend.score_profiles("job-py", Criteria())  # the snapshot is built before the archive
    backend.archive("profile", ["near-fit"])
    backend.index(
        "profile",
        [
            profile(
                "gone",
                title="Python Developer",
                skills=("Python",),
                archived_at="2026-11-02T00:00:00Z",
            )
        ],
    )
    for page in (
        backend.score_profiles("job-py", Criteria()),
        backend.score_profiles("job-py", Criteria(skills=("python",))),
        backend.search_profiles(Criteria(text_keywords=("python",))),
    ):
        assert "near-fit" not in refs(page) and "gone" not in refs(page)
    get_engine("profile", None).rebuild()
    assert "near-fit" not in refs(backend.score_profiles("job-py", Criteria()))
    backend.index("profile", [profile("near-fit", title="Python Developer", skills=("Python",))])
    assert "near-fit" in refs(backend.score_profiles("job-py", Criteria()))


def test_updates_are_seen_by_the_next_query_and_match_a_rebuild(backend):
    backend.score_profiles("job-py", Criteria())
    backend.index(
        "profile",
        [
            profile(
                "far-unfit",
                title="Python Developer",
                skills=("Python", "Django", "PostgreSQL"),
                where=PARIS,
                years=5,
                languages=("en",),
            )
        ],
    )
    delta = backend.score_profiles("job-py", Criteria())
    assert refs(delta)[0] == "far-unfit"
    get_engine("profile", None).rebuild()
    rebuilt = backend.score_profiles("job-py", Criteria())
    # Same order; scores differ only by the IDF of the changed text (the delta uses the base's).
    assert refs(delta) == refs(rebuilt)
    for before, after in zip(delta.items, rebuilt.items, strict=True):
        assert before.score == pytest.approx(after.score, abs=0.05)


def test_score_jobs_for_a_profile(backend):
    backend.index(
        "job", [job("job-acc", name="Accountant", skills=("Microsoft Excel",), where=MARSEILLE)]
    )
    assert refs(backend.score_jobs("near-fit", Criteria())) == ["job-py", "job-acc"]
    assert refs(backend.score_jobs("far-unfit", Criteria())) == ["job-acc", "job-py"]
    assert refs(backend.search_jobs(Criteria(text_keywords=("accountant",)))) == ["job-acc"]


def test_unknown_reference_is_a_clear_error(backend):
    with pytest.raises(ObjectNotIndexed) as exc:
        backend.score_profiles("no-such-job", Criteria())
    assert "no-such-job" in exc.value.message


def test_free_text_profiles_are_matched_through_the_taxonomy(backend):
    backend.index(
        "profile",
        [
            {
                "reference": "cv-text",
                "text": "Seasoned engineer: 6 years building Django and Python web apps on PostgreSQL.",
            },
            {"reference": "cv-other", "text": "Pastry chef, 10 years in Lyon bakeries."},
        ],
    )
    page = backend.score_profiles("job-py", Criteria())
    assert refs(page).index("cv-text") < refs(page).index("cv-other")
    skills = {c.name: c for c in page.items[refs(page).index("cv-text")].explanation}["skills"]
    assert skills.score == 1.0 and skills.evidence["missing"] == []
    assert refs(backend.search_profiles(Criteria(text_keywords=("pastry",)))) == ["cv-other"]
    assert "cv-text" in refs(backend.score_profiles("job-py", Criteria(skills=("python",))))


def test_two_tenants_never_mix():
    a, b = LocalBackend(tenant="acme"), LocalBackend(tenant="globex")
    a.index("job", [job("job-a", **BACKEND_JOB)])
    b.index("job", [job("job-b", **BACKEND_JOB)])
    a.index("profile", [profile("cand-a", title="Accountant", skills=("Microsoft Excel",))])
    b.index(
        "profile",
        [
            profile(
                "cand-b",
                title="Python Developer",
                skills=("Python", "Django", "PostgreSQL"),
                where=PARIS,
            )
        ],
    )
    assert refs(a.score_profiles("job-a", Criteria())) == ["cand-a"]
    assert refs(a.search_profiles(Criteria(text_keywords=("python",)))) == []
    assert refs(a.search_profiles(Criteria(skills=("python",)))) == []
    assert refs(a.score_jobs("cand-a", Criteria())) == ["job-a"]
    with pytest.raises(ObjectNotIndexed):
        a.score_profiles("job-b", Criteria())
    a.archive("profile", ["cand-b"])  # another tenant's reference: ignored
    assert refs(b.score_profiles("job-b", Criteria())) == ["cand-b"]
    # A row that moves to another tenant leaves the first one's results at once.
    b.index("profile", [profile("cand-a", title="Accountant")])
    assert refs(a.score_profiles("job-a", Criteria())) == []
    assert set(refs(LocalBackend(tenant=None).search_profiles(Criteria()))) == {"cand-a", "cand-b"}


def test_health(backend):
    health = backend.health()
    assert health.ok and "3 profiles" in health.detail


def test_a_snapshot_older_than_the_purge_of_tombstones_is_rebuilt(backend):
    from hrflow_matching.backends.local import store

    assert "far-unfit" in refs(backend.score_profiles("job-py", Criteria()))
    backend.archive("profile", ["far-unfit"])
    store.compact("profile", store.stamp("profile")[0])  # the tombstone row is deleted
    assert "far-unfit" not in refs(backend.score_profiles("job-py", Criteria()))
    assert get_engine("profile", None).base.version >= store.stamp("profile")[1]


def test_index_missing_tables_is_a_clear_error(backend, monkeypatch):
    from django.db import DatabaseError

    from hrflow_matching.backends.base import BackendUnavailable
    from hrflow_matching.backends.local import store

    def broken(*args, **kwargs):
        raise DatabaseError("no such table: hrflow_matching_indexentry")

    monkeypatch.setattr(store, "get_entry", broken)
    with pytest.raises(BackendUnavailable) as exc:
        backend.score_profiles("job-py", Criteria())
    assert "migrate" in exc.value.message


def test_an_unwritable_index_directory_only_costs_the_disk_cache(settings, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the index directory should be")
    settings.HRFLOW_MATCHING = {
        **settings.HRFLOW_MATCHING,
        "LOCAL": {"INDEX_DIR": str(blocker), "REBUILD_AFTER": 1},
    }
    reset_engines()
    b = LocalBackend(tenant=None)
    b.index("job", [job("job-py", **BACKEND_JOB)])
    b.index("profile", [profile("p1", skills=("Python",)), profile("p2", skills=("Excel",))])
    assert refs(b.score_profiles("job-py", Criteria())) == ["p1", "p2"]


def test_pages_of_tied_scores_show_every_row_once():
    """Rows with equal scores (one bulk import: same date, same data) are ordered by reference
    across pages, so paging through shows each exactly once."""
    b = LocalBackend(tenant=None)
    names = [f"twin-{(i * 37) % 60:02d}" for i in range(60)]  # indexed out of order
    b.index("profile", [profile(name, title="Clerk", where=LYON) for name in names])
    b.index("profile", [profile(f"apart-{i}", title="Clerk", years=i) for i in range(20)])
    seen = []
    for page in range(1, 13):
        seen += refs(b.search_profiles(Criteria(limit=7, page=page)))
    assert len(seen) == len(set(seen)) == 80


def test_a_centre_typed_in_is_where_location_scores_from(backend):
    """Jobs for a candidate in Versailles, around Marseille: distances and the location score
    are from Marseille, the centre the filter uses, not from the candidate's home."""
    backend.index(
        "job", [job("job-acc", name="Accountant", skills=("Microsoft Excel",), where=MARSEILLE)]
    )
    around = Criteria(location_lat=MARSEILLE[0], location_lng=MARSEILLE[1], location_distance=50)
    [item] = backend.score_jobs("near-fit", around).items
    location = next(c for c in item.explanation if c.name == "location")
    assert item.reference == "job-acc" and location.score == pytest.approx(1.0)
    assert location.evidence["distance_km"] < 1


def test_skills_evidence_gives_the_credit_the_score_used_in_both_directions():
    """Related-skill links are one-way for a quarter of the taxonomy's pairs: the evidence of
    jobs for a candidate credits the candidate's skills towards the job's, as the score does."""
    from hrflow_matching.backends.local.taxonomy import get_taxonomy

    taxonomy = get_taxonomy()
    has, needed = "AdSense Tracker", "Structured query language SQL"
    one_way = taxonomy.credits(taxonomy.canonical(has))
    assert one_way.get(taxonomy.canonical(needed)) == 0.5  # the precondition: a one-way link
    assert taxonomy.canonical(has) not in taxonomy.credits(taxonomy.canonical(needed))
    b = LocalBackend(tenant=None)
    b.index("job", [job("job-sql", name="Analyst", skills=(needed,))])
    b.index("profile", [profile("cand-ads", title="Analyst", skills=(has,))])
    [item] = b.score_jobs("cand-ads", Criteria()).items
    skills = next(c for c in item.explanation if c.name == "skills")
    assert skills.score == pytest.approx(0.5)
    assert skills.evidence["related"] == [{"required": needed, "found": has, "credit": 0.5}]
    assert skills.evidence["missing"] == []


@pytest.mark.parametrize(
    ("centre", "km"),
    [
        (PARIS, 3000),  # Nizhny Novgorod is 2,884 km away: a flat box left it out
        ((80.0, 0.0), 1500),  # the circle holds the North Pole: every longitude
        ((-60.0, 179.0), 2500),  # across the antimeridian, far south
        (LYON, 50),
    ],
)
def test_the_distance_filter_keeps_every_row_within_the_distance(centre, km):
    """Both paths, the snapshot's arrays and SQL, against haversine over a world grid."""
    from hrflow_matching.backends.local import filters
    from hrflow_matching.match.presenters import haversine_km

    points = [(lat, lng) for lat in range(-85, 90, 5) for lng in range(-180, 180, 10)]
    points += [(56.3269, 44.0059), (88.0, 170.0), LYON, (45.9, 4.6)]
    b = LocalBackend(tenant=None)
    b.index("profile", [profile(f"p{i:04d}", title="Clerk", where=p) for i, p in enumerate(points)])
    criteria = Criteria(
        location_lat=centre[0], location_lng=centre[1], location_distance=km, limit=100
    )
    within = {f"p{i:04d}" for i, p in enumerate(points) if haversine_km(*centre, *p) <= km}
    assert within  # the case means something
    sql = set(filters.filtered("profile", None, criteria).values_list("reference", flat=True))
    assert sql == within
    arrays = set()
    page = 1
    while True:
        result = b.search_profiles(dataclasses.replace(criteria, page=page))
        arrays |= set(refs(result))
        if page >= result.last_page:
            break
        page += 1
    assert arrays == within


@pytest.mark.parametrize(
    "criteria",
    [
        Criteria(skills=("Пайтон",)),
        Criteria(skills=("数据库",)),
        Criteria(languages=("русский",)),
        Criteria(skills=("Python", "Пайтон")),
    ],
)
def test_a_required_skill_or_language_nothing_is_known_to_have_matches_nothing(backend, criteria):
    """Letters outside the taxonomy's alphabet normalise to nothing: the filter must then
    keep no row, as for any unknown skill, instead of being skipped and keeping them all."""
    from hrflow_matching.backends.local import filters

    assert refs(backend.search_profiles(criteria)) == []
    assert not filters.filtered("profile", None, criteria).exists()


def test_a_tag_name_may_repeat():
    doc = profile("cand-certs", title="Cloud Engineer")
    doc["tags"] = [
        {"name": "certification", "value": "AWS"},
        {"name": "certification", "value": "CKA"},
    ]
    b = LocalBackend(tenant=None)
    b.index("profile", [doc, profile("cand-none", title="Cloud Engineer")])
    for value in ("aws", "CKA"):
        criteria = Criteria(tags_included=(("certification", value),))
        assert refs(b.search_profiles(criteria)) == ["cand-certs"]
    without = Criteria(tags_excluded=(("certification", "aws"),))
    assert refs(b.search_profiles(without)) == ["cand-none"]


def test_odd_values_in_a_document_do_not_fail_its_batch():
    """An adapter's "5 years", 2025-02-30, an infinite number or a latitude of 200 are no
    value: the rest of the document, and the rest of the batch, are indexed."""
    odd = profile("cand-odd", title="Clerk", where=LYON)
    odd.update(experiences_duration="5 years", created_at="2025-02-30T10:00:00Z")
    odd["info"]["location"] = {"lat": 200, "lng": 5}
    inf = profile("cand-inf", title="Clerk")
    inf["experiences_duration"] = float("inf")
    b = LocalBackend(tenant=None)
    b.index("profile", [odd, inf, profile("cand-fine", title="Clerk")])
    page = b.search_profiles(Criteria(limit=10))
    assert sorted(refs(page)) == ["cand-fine", "cand-inf", "cand-odd"]
    explained = [[dataclasses.asdict(c) for c in item.explanation] for item in page.items]
    assert json.dumps(explained, allow_nan=False)  # no NaN or infinity in any evidence


def test_words_new_since_the_snapshot_score_before_the_next_rebuild():
    """A row written after the snapshot with a word the snapshot never saw ("Zig") scores for
    it at once, and ranks as it will once the snapshot is rebuilt."""
    b = LocalBackend(tenant=None)
    b.index(
        "profile",
        [
            profile(f"base-{i}", title="Developer", text=f"Python developer {i} Lyon")
            for i in range(6)
        ],
    )
    get_engine("profile", None).rebuild()
    b.index(
        "profile",
        [
            profile("new-zig", title="Developer", text="Zig and Python developer"),
            profile("new-zig-2", title="Developer", text="Zig Zig compiler hacker"),
        ],
    )
    assert len(get_engine("profile", None).view().delta or ()) == 2  # scored as a delta
    first, _ = b.search_profiles(Criteria(text_keywords=("zig",))).items
    text = next(c for c in first.explanation if c.name == "text")
    assert text.score > 0.9 and text.evidence["matched_terms"] == ["zig"]

    def ranking() -> list[str]:
        page = b.search_profiles(Criteria(text_keywords=("zig", "python"), limit=10))
        return refs(page)

    before = ranking()
    get_engine("profile", None).rebuild()
    assert len(get_engine("profile", None).view().delta or ()) == 0
    assert before == ranking()


def test_c_sharp_and_c_plus_plus_are_not_any_c():
    b = LocalBackend(tenant=None)
    texts = {
        "csharp": "Senior C# developer, .NET",
        "cpp": "Embedded C++ engineer",
        "c": "C developer for firmware",
        "vitamin": "Nutritionist, vitamin C",
    }
    b.index("profile", [profile(ref, title="Engineer", text=t) for ref, t in texts.items()])

    def found(*keywords: str) -> set[str]:
        return set(refs(b.search_profiles(Criteria(text_keywords=keywords, limit=10))))

    assert found("C#") == {"csharp"}
    assert found("c++") == {"cpp"}
    assert found("C#", "C++") == {"csharp", "cpp"}
    assert found("C") == {"c", "vitamin"}  # the letter alone: the language C, not C# or C++
    # Every typed word ranks: "developer" alone also finds the C developer, below.
    assert found("C# developer", "nutritionist") == {"csharp", "vitamin", "c"}


def test_explanations_show_the_words_not_their_stems(backend):
    b = LocalBackend(tenant=None)
    b.index("profile", [profile("cand-req", title="Clerk", text="Gathers requirements daily")])
    [item] = b.search_profiles(Criteria(text_keywords=("requirements",))).items
    text = next(c for c in item.explanation if c.name == "text")
    assert text.evidence["matched_terms"] == ["requirements"]  # not "requir"
