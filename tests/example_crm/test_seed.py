"""seed_demo: realistic, repeatable, idempotent demo data that HrFlow.ai's own schemas accept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from hrflow.schemas import HrFlowJob, HrFlowProfile
from hrflow.utils.scoring import is_valid_for_scoring

from example_crm.models import (
    Candidate,
    Education,
    JobOffer,
    Organisation,
    Recruiter,
    Skill,
    WorkExperience,
)
from example_crm.seeding import jsonl
from example_crm.seeding.vocabulary import load_vocabulary

pytestmark = pytest.mark.django_db
TODAY = "2026-03-01"


def seed(**options) -> None:
    call_command("seed_demo", today=dt.date.fromisoformat(TODAY), stdout=None, **options)


def snapshot() -> dict[str, object]:
    """Everything a re-run could change: row counts and every modification date."""
    return {
        "counts": [
            m.objects.count()
            for m in (Candidate, JobOffer, Skill, WorkExperience, Education, Organisation)
        ],
        "candidates": list(Candidate.objects.order_by("reference").values_list("updated_at")),
        "jobs": list(JobOffer.objects.order_by("reference").values_list("updated_at")),
    }


def test_seeded_records_are_rich_and_consistent() -> None:
    seed(profiles=120, jobs=30)
    assert Candidate.objects.count() == 120
    assert JobOffer.objects.count() == 30
    assert Candidate.objects.filter(reference="cand-000001").exists()
    assert JobOffer.objects.filter(reference="job-000030").exists()
    vocabulary = load_vocabulary()
    known_skills = {s for o in vocabulary["occupations"] for s in o["skills"]}
    known_cities = {c["city"] for c in vocabulary["cities"]}
    for cand in Candidate.objects.prefetch_related("skills", "experiences", "educations"):
        assert cand.city in known_cities and cand.latitude is not None
        assert {s.name for s in cand.skills.all()} <= known_skills
        assert cand.skills.count() >= 5
        experiences = list(cand.experiences.all())
        assert experiences and all(e.start_date for e in experiences)
        assert experiences[0].title == cand.current_title
        assert cand.educations.exists()
        assert all(isinstance(v, str) for v in cand.tags.values())
        assert cand.archived == (cand.archived_at is not None)
    assert Candidate.objects.filter(archived=True).exists()
    # Jobs and candidates share titles and skills: that is what makes matching meaningful.
    job_skills = set(JobOffer.skills.through.objects.values_list("skill__name", flat=True))
    cand_skills = set(Candidate.skills.through.objects.values_list("skill__name", flat=True))
    assert len(job_skills & cand_skills) > 20
    for job in JobOffer.objects.all():
        assert job.salary_min <= job.salary_max
        assert (
            job.max_years_experience is None or job.min_years_experience <= job.max_years_experience
        )
        assert job.contract_type in JobOffer.ContractType.values


def test_second_run_creates_and_changes_nothing() -> None:
    seed(profiles=40, jobs=10, tenants=2)
    before = snapshot()
    seed(profiles=40, jobs=10, tenants=2)
    assert snapshot() == before


def test_same_seed_same_records_and_growing_adds_only_the_missing() -> None:
    seed(profiles=30, jobs=5)
    first = list(jsonl.export_documents("profile"))
    Candidate.objects.all().delete()
    seed(profiles=15)
    seed(profiles=30, jobs=5)  # the second half is added, the first half untouched
    assert list(jsonl.export_documents("profile")) == first
    Candidate.objects.all().delete()
    seed(profiles=30, seed=7)
    assert list(jsonl.export_documents("profile")) != first


def test_tenants_spread_records_and_get_a_recruiter_each() -> None:
    seed(profiles=20, jobs=6, tenants=2)
    assert sorted(Organisation.objects.values_list("slug", flat=True)) == ["org-1", "org-2"]
    for slug in ("org-1", "org-2"):
        assert Candidate.objects.filter(organisation__slug=slug).count() == 10
        assert JobOffer.objects.filter(organisation__slug=slug).count() == 3
        user = get_user_model().objects.get(username=f"recruiter-{slug}")
        assert user.is_staff and user.check_password("demo")
        assert Recruiter.objects.get(user=user).organisation.slug == slug
        assert user.has_perm("example_crm.view_candidate")


def test_every_seeded_profile_passes_the_sdk_schema_and_scoring_eligibility() -> None:
    seed(profiles=80, jobs=0, tenants=2)
    documents = list(jsonl.export_documents("profile"))
    assert len(documents) == 80
    for doc in documents:
        HrFlowProfile.model_validate(doc)
        assert is_valid_for_scoring(doc), doc["reference"]
        assert all(isinstance(t["value"], str) for t in doc["tags"])


def test_every_seeded_job_passes_the_sdk_schema() -> None:
    seed(profiles=0, jobs=40, tenants=2)
    documents = list(jsonl.export_documents("job"))
    assert len(documents) == 40
    for doc in documents:
        job = HrFlowJob.model_validate({**doc, "board_key": "board-demo"})
        assert job.location.lat is not None and job.skills
        assert {r.name for r in job.ranges_float} >= {"salary"}


def test_negative_counts_are_refused() -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--profiles must be zero or more"):
        seed(profiles=-1)
