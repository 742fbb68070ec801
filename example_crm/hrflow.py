"""HrFlow.ai adapters of the example CRM: all a host CRM writes to use the app."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from hrflow_matching import JobAdapter, ProfileAdapter, register
from hrflow_matching.documents import (
    entities,
    iso,
    languages,
    location,
    skill,
    years_between,
)

from .models import Archivable, Candidate, Education, JobOffer, WorkExperience


def _merge_years(spans: Iterable[tuple[dt.date, dt.date | None]], today: dt.date) -> float:
    """Years of experience from ``(start, end)`` spans, counting overlapping jobs once."""
    total, cur_start, cur_end = 0.0, None, None
    for start, end in sorted((start, end or today) for start, end in spans):
        if cur_end is None or start > cur_end:
            if cur_end is not None:
                total += years_between(cur_start, cur_end)
            cur_start, cur_end = start, end
        else:
            cur_end = max(cur_end, end)
    if cur_end is not None:
        total += years_between(cur_start, cur_end)
    return round(total, 2)


def _by_parent(rows: Iterable[tuple[Any, ...]]) -> dict[Any, list[tuple[Any, ...]]]:
    """``(parent id, *values)`` rows grouped by parent id, in query order.

    Documents are built from child rows read as tuples (``values_list``), a batch at a time:
    a 1,000-profile page reads some 12,000 child rows, and building as many model instances
    was more than half of the time of a pull page and of ``hrflow_sync``.
    """
    grouped: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    return grouped


def _skill_names(through: type[Model], parent: str, ids: list[Any]) -> dict[Any, list[str]]:
    """Skill names of each parent, sorted by code point, identical on every database."""
    names: dict[Any, list[str]] = defaultdict(list)
    pairs = through.objects.filter(**{f"{parent}_id__in": ids}).values_list(
        f"{parent}_id", "skill__name"
    )
    for parent_id, name in pairs:
        names[parent_id].append(name)
    for values in names.values():
        values.sort()
    return names


class ArchivedFlag:
    """Soft archive through the models' ``archived`` flag (``models.Archivable``): an archived
    row stays in the CRM, and HrFlow.ai learns of it as an archive."""

    def archived_q(self) -> Q:
        return Q(archived=True)

    def is_archived(self, obj: Archivable) -> bool:
        return obj.archived

    def get_archived_at(self, obj: Archivable) -> dt.datetime | None:
        return obj.archived_at if obj.archived else None


@register(Candidate)
class CandidateAdapter(ArchivedFlag, ProfileAdapter):
    reference_field = "reference"
    tenant_field = "organisation__slug"
    watched_m2m = ("skills",)
    related_models = {WorkExperience: "candidate", Education: "candidate"}

    def get_queryset(self) -> QuerySet:
        return Candidate.objects.select_related("organisation")

    def to_document(self, obj: Candidate) -> dict[str, Any]:
        return self.to_documents([obj])[0]

    def to_documents(self, objs: Sequence[Candidate]) -> list[dict[str, Any]]:
        ids = [obj.pk for obj in objs]
        skills = _skill_names(Candidate.skills.through, "candidate", ids)
        experiences = _by_parent(
            WorkExperience.objects.filter(candidate_id__in=ids).values_list(
                "candidate_id", "title", "company", "description", "start_date", "end_date"
            )
        )
        educations = _by_parent(
            Education.objects.filter(candidate_id__in=ids).values_list(
                "candidate_id", "school", "degree", "start_date", "end_date"
            )
        )
        today = timezone.now().date()
        return [
            self._document(obj, skills[obj.pk], experiences[obj.pk], educations[obj.pk], today)
            for obj in objs
        ]

    def _document(
        self,
        obj: Candidate,
        skill_names: list[str],
        experiences: list[tuple[Any, ...]],
        educations: list[tuple[Any, ...]],
        today: dt.date,
    ) -> dict[str, Any]:
        skills = [skill(name) for name in skill_names]
        loc = location(
            ", ".join(p for p in (obj.city, obj.country) if p),
            obj.latitude,
            obj.longitude,
            city=obj.city,
            country=obj.country,
        )
        # The resume's own text when the CRM has one (imported profiles), else a text composed
        # from the fields, else the name: HrFlow.ai's searching skips a profile without text.
        text = (
            obj.resume_text
            or "\n".join(
                part
                for part in (
                    obj.current_title,
                    obj.summary,
                    *(
                        f"{title} at {company}. {text}"
                        for _, title, company, text, _, _ in experiences
                    ),
                    ("Skills: " + ", ".join(skill_names)) if skill_names else "",
                )
                if part
            )
            or obj.full_name
        )
        return {
            "reference": obj.reference,
            "text_language": "en",
            "text": text,
            "info": {
                "full_name": obj.full_name,
                "first_name": obj.first_name,
                "last_name": obj.last_name,
                "email": obj.email or None,
                "phone": obj.phone or None,
                "date_birth": None,
                "gender": None,
                "summary": obj.summary or None,
                "picture": None,
                "location": loc,
                "urls": [],
            },
            "experiences_duration": _merge_years(
                ((start, end) for *_, start, end in experiences), today
            ),
            "educations_duration": round(
                sum(years_between(start, end) for *_, start, end in educations if start), 2
            ),
            "experiences": [
                {
                    "key": None,
                    "title": title,
                    "company": company or None,
                    "description": description or None,
                    "location": location(None),
                    "date_start": iso(start),
                    "date_end": iso(end),
                    "skills": [],
                    "tasks": [],
                    "certifications": [],
                    "courses": [],
                    "languages": [],
                    "interests": [],
                }
                for _, title, company, description, start, end in experiences
            ],
            "educations": [
                {
                    "key": None,
                    "school": school,
                    "title": degree or None,
                    "description": None,
                    "location": location(None),
                    "date_start": iso(start),
                    "date_end": iso(end),
                    "skills": [],
                    "tasks": [],
                    "certifications": [],
                    "courses": [],
                    "languages": [],
                    "interests": [],
                }
                for _, school, degree, start, end in educations
            ],
            "skills": skills,
            "languages": languages(obj.languages),
            "tags": entities(
                {
                    **obj.tags,
                    "current_title": obj.current_title,
                    "open_to_remote": obj.open_to_remote,
                    **({"organisation": obj.organisation.slug} if obj.organisation else {}),
                }
            ),
            "certifications": [],
            "courses": [],
            "tasks": [],
            "interests": [],
            "created_at": iso(obj.created_at),
            "updated_at": iso(obj.updated_at),
            "archived_at": iso(self.get_archived_at(obj)),
        }


@register(JobOffer)
class JobOfferAdapter(ArchivedFlag, JobAdapter):
    reference_field = "reference"
    tenant_field = "organisation__slug"
    watched_m2m = ("skills",)

    def get_queryset(self) -> QuerySet:
        return JobOffer.objects.select_related("organisation")

    def to_document(self, obj: JobOffer) -> dict[str, Any]:
        return self.to_documents([obj])[0]

    def to_documents(self, objs: Sequence[JobOffer]) -> list[dict[str, Any]]:
        skills = _skill_names(JobOffer.skills.through, "joboffer", [obj.pk for obj in objs])
        return [self._document(obj, skills[obj.pk]) for obj in objs]

    def _document(self, obj: JobOffer, skill_names: list[str]) -> dict[str, Any]:
        sections = [
            {"name": name, "title": title, "description": text}
            for name, title, text in (
                ("description", "Description", obj.description),
                ("requirements", "Requirements", obj.requirements),
            )
            if text
        ]
        salary = (
            [
                {
                    "name": "salary",
                    "value_min": float(obj.salary_min) if obj.salary_min is not None else None,
                    "value_max": float(obj.salary_max) if obj.salary_max is not None else None,
                    "unit": obj.salary_currency,
                }
            ]
            if obj.salary_min is not None or obj.salary_max is not None
            else []
        )
        experience = (
            [
                {
                    "name": "experience_years",
                    "value_min": float(obj.min_years_experience or 0),
                    "value_max": (
                        float(obj.max_years_experience)
                        if obj.max_years_experience is not None
                        else None
                    ),
                    "unit": "years",
                }
            ]
            if obj.min_years_experience is not None or obj.max_years_experience is not None
            else []
        )
        return {
            "reference": obj.reference,
            "name": obj.title,
            "summary": obj.summary or None,
            "url": None,
            "location": location(
                ", ".join(p for p in (obj.city, obj.country) if p),
                obj.latitude,
                obj.longitude,
                city=obj.city,
                country=obj.country,
            ),
            "sections": sections,
            "skills": [skill(name) for name in skill_names],
            "languages": languages(obj.languages),
            "tags": entities(
                {
                    **obj.tags,
                    "company": obj.company,
                    "contract_type": obj.contract_type,
                    "remote": obj.remote,
                    **({"organisation": obj.organisation.slug} if obj.organisation else {}),
                }
            ),
            "ranges_float": salary + experience,
            "ranges_date": (
                [{"name": "availability", "value_min": iso(obj.start_date), "value_max": None}]
                if obj.start_date
                else []
            ),
            "certifications": [],
            "courses": [],
            "tasks": [],
            "created_at": iso(obj.created_at),
            "updated_at": iso(obj.updated_at),
            "archived_at": iso(self.get_archived_at(obj)),
        }
