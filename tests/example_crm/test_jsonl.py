"""JSONL import: HrFlow objects in, the same objects out; a bad line stops everything."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from example_crm.models import Candidate, Education, JobOffer, Organisation, WorkExperience
from example_crm.seeding import jsonl

pytestmark = pytest.mark.django_db


def seed(**options) -> None:
    call_command("seed_demo", today=dt.date(2026, 3, 1), stdout=None, **options)


def write(path: Path, documents: list) -> Path:
    path.write_text(
        "\n".join(d if isinstance(d, str) else json.dumps(d) for d in documents) + "\n",
        encoding="utf-8",
    )
    return path


def export_both() -> tuple[list[dict], list[dict]]:
    return list(jsonl.export_documents("profile")), list(jsonl.export_documents("job"))


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[list[dict], list[dict], Path, Path]:
    seed(profiles=40, jobs=15, tenants=2)
    # A few shapes the generator does not make: archived, no salary, free text, no location.
    job = JobOffer.objects.get(reference="job-000002")
    job.salary_min = job.salary_max = job.max_years_experience = None
    job.archived = True
    job.save()
    cand = Candidate.objects.get(reference="cand-000003")
    cand.resume_text = "A resume written by the candidate.\nWith two lines."
    cand.city = cand.country = ""
    cand.latitude = cand.longitude = None
    cand.archived = True
    cand.save()
    profiles, jobs = export_both()
    p = write(tmp_path / "profiles.jsonl", profiles)
    j = write(tmp_path / "jobs.jsonl", jobs)
    return profiles, jobs, p, j


def test_round_trip_into_an_empty_database_gives_equal_documents(seeded) -> None:
    profiles, jobs, p, j = seeded
    Candidate.objects.all().delete()
    JobOffer.objects.all().delete()
    Organisation.objects.all().delete()
    call_command("seed_demo", profiles_jsonl=p, jobs_jsonl=j, stdout=None)
    assert export_both() == (profiles, jobs)


def test_importing_existing_references_updates_them_in_place(seeded) -> None:
    profiles, jobs, p, j = seeded
    ids = sorted(Candidate.objects.values_list("pk", flat=True))
    experiences = WorkExperience.objects.count()
    call_command("seed_demo", profiles_jsonl=p, jobs_jsonl=j, stdout=None)
    assert sorted(Candidate.objects.values_list("pk", flat=True)) == ids
    assert WorkExperience.objects.count() == experiences
    assert export_both() == (profiles, jobs)


@pytest.mark.django_db(transaction=True)  # one transaction per write, as in a real import
def test_an_import_records_the_events_of_what_it_writes(seeded, tmp_path: Path) -> None:
    """Bulk writes send no signals: the import records a create per new row and an update per
    changed one (an archive for an archived one), so HrFlow.ai hears of them like any save."""
    from hrflow_matching.models import Event

    jobs = seeded[1]
    JobOffer.objects.filter(reference="job-000001").delete()
    Event.objects.all().delete()
    edited = [dict(d, name="Renamed") if d["reference"] == "job-000003" else d for d in jobs]
    jsonl.import_file("job", write(tmp_path / "edited.jsonl", edited))
    events = dict(Event.objects.values_list("reference", "event_type"))
    assert events["job-000001"] == "job_create"
    assert events["job-000003"] == "job_update"
    assert events["job-000002"] == "job_archive"  # archived in the file
    assert len(events) == len(jobs) == Event.objects.count()
    assert JobOffer.objects.get(reference="job-000003").title == "Renamed"


def test_foreign_documents_are_accepted_with_defaults(tmp_path: Path) -> None:
    profile = {
        "reference": "ext-1",
        "text": "Senior Python developer, Django and PostgreSQL.",
        "info": {
            "full_name": "Ada Lovelace",
            "location": {"text": "London", "lat": 51.5, "lng": -0.1},
        },
        "skills": [{"name": "Python", "type": "hard", "value": None}],
        "experiences": [{"title": "Developer", "date_start": "2020-01-01T00:00:00+00:00"}],
        "tags": [{"name": "source", "value": "referral"}],
    }
    call_command("seed_demo", profiles_jsonl=write(tmp_path / "p.jsonl", [profile]), stdout=None)
    cand = Candidate.objects.get(reference="ext-1")
    assert (cand.first_name, cand.last_name, cand.city) == ("Ada", "Lovelace", "London")
    assert cand.tags == {"source": "referral"}
    assert cand.experiences.get().start_date == dt.date(2020, 1, 1)
    doc = next(jsonl.export_documents("profile"))
    assert doc["text"] == profile["text"] and doc["skills"][0]["name"] == "Python"


GOOD_PROFILE = {"reference": "ok-1", "text": "x", "info": {"first_name": "A", "last_name": "B"}}
GOOD_JOB = {"reference": "job-ok-1", "name": "Developer", "location": {"text": "Paris"}}


@pytest.mark.parametrize(
    ("kind", "bad", "message"),
    [
        ("profile", "{not json", r"line 2: invalid JSON"),
        ("profile", "[1, 2]", r"line 2: must be an object"),
        ("profile", {"reference": "x", "text": "t"}, r"line 2: info: must be an object"),
        ("profile", {"text": "t", "info": {"first_name": "A"}}, r"line 2: reference: is required"),
        (
            "profile",
            {**GOOD_PROFILE, "reference": "r2", "text": None},
            r"line 2: text: is required",
        ),
        ("profile", {"reference": "r2", "text": "t", "info": {}}, r"line 2: info: a first_name"),
        (
            "profile",
            {
                **GOOD_PROFILE,
                "reference": "r2",
                "info": {"first_name": "A", "location": {"lat": 123}},
            },
            r"line 2: info.location.lat: must be a number between -90 and 90",
        ),
        (
            "profile",
            {**GOOD_PROFILE, "reference": "r2", "experiences": [{"title": "Dev"}]},
            r"line 2: experiences\[0\].date_start: is required",
        ),
        (
            "profile",
            {**GOOD_PROFILE, "reference": "r2", "tags": [{"name": "remote", "value": True}]},
            r"line 2: tags\[0\].value: must be a string or null",
        ),
        ("profile", GOOD_PROFILE, r"line 2: reference 'ok-1' already appears on line 1"),
        ("job", {"reference": "j2", "location": {}}, r"line 2: name: is required"),
        (
            "job",
            {**GOOD_JOB, "reference": "j2", "tags": [{"name": "contract_type", "value": "gig"}]},
            r"line 2: tags.contract_type: 'gig' is not one of",
        ),
        (
            "job",
            {
                **GOOD_JOB,
                "reference": "j2",
                "ranges_float": [{"name": "salary", "value_min": "lots"}],
            },
            r"line 2: ranges_float\[0\].value_min: must be a number",
        ),
        (
            "job",
            {**GOOD_JOB, "reference": "j2", "created_at": "yesterday"},
            r"line 2: created_at: 'yesterday' is not an ISO-8601 date and time",
        ),
    ],
)
def test_a_bad_line_names_itself_and_nothing_is_kept(tmp_path: Path, kind, bad, message) -> None:
    good = GOOD_PROFILE if kind == "profile" else GOOD_JOB
    path = write(tmp_path / "in.jsonl", [good, bad, {**good, "reference": "later"}])
    option = "profiles_jsonl" if kind == "profile" else "jobs_jsonl"
    with pytest.raises(CommandError, match=message):
        call_command("seed_demo", **{option: path}, stdout=None)
    assert Candidate.objects.count() == 0 and JobOffer.objects.count() == 0


def test_an_impossible_date_is_refused(tmp_path: Path) -> None:
    long_school = {**GOOD_PROFILE, "educations": [{"school": "S", "date_start": "2020-13-01"}]}
    path = write(tmp_path / "in.jsonl", [long_school])
    with pytest.raises(
        CommandError,
        match=r"line 1: educations\[0\].date_start: '2020-13-01' is not an ISO-8601 date",
    ):
        call_command("seed_demo", profiles_jsonl=path, stdout=None)
    assert Education.objects.count() == 0


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        call_command("seed_demo", profiles_jsonl=tmp_path / "nope.jsonl", stdout=None)


def test_export_command_writes_one_document_per_line(tmp_path: Path) -> None:
    seed(profiles=5, jobs=2)
    out = tmp_path / "p.jsonl"
    call_command("export_jsonl", "profile", str(out), stderr=None)
    lines = out.read_text().splitlines()
    assert [json.loads(line)["reference"] for line in lines] == [
        f"cand-00000{i}" for i in range(1, 6)
    ]
