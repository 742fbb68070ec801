"""The host's whole integration: two adapters (what the README asks of a host, nothing more)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from hrflow_matching import JobAdapter, ProfileAdapter, register
from hrflow_matching.documents import entities, iso, location
from hrflow_matching.text import extract, strip_html

from .models import Candidate, Recruitment


@register(Candidate)
class CandidateAdapter(ProfileAdapter):
    # No modification date of its own: the recruitment's (a foreign-key path, E012 allows it).
    updated_at_field = "recruitment__modified"
    created_at_field = "joined"

    def archived_q(self) -> Q:
        return Q(is_active=False)

    def is_archived(self, obj: Candidate) -> bool:
        return not obj.is_active

    def to_document(self, obj: Candidate) -> dict[str, Any]:
        return {
            "reference": str(obj.pk),
            "text_language": "en",
            "text": extract(obj.resume) or obj.name,
            "info": {
                "full_name": obj.name,
                "first_name": None,
                "last_name": None,
                "email": obj.email or None,
                "phone": None,
                "location": location(
                    f"{obj.city}, {obj.country}", city=obj.city, country=obj.country
                ),
            },
            "skills": [],
            "experiences": [],
            "educations": [],
            "tags": entities({"stage": obj.stage.name, "company": obj.company.name}),
            "created_at": iso(obj.joined),
            "updated_at": iso(self.get_updated_at(obj)),
            "archived_at": iso(self.get_archived_at(obj)),
        }


@register(Recruitment)
class RecruitmentAdapter(JobAdapter):
    updated_at_field = "modified"
    created_at_field = "created"

    def archived_q(self) -> Q:
        return Q(is_closed=True)

    def is_archived(self, obj: Recruitment) -> bool:
        return obj.is_closed

    def to_document(self, obj: Recruitment) -> dict[str, Any]:
        return {
            "reference": str(obj.pk),
            "name": obj.title,
            "summary": strip_html(obj.description),
            "location": location(f"{obj.city}, {obj.country}", city=obj.city, country=obj.country),
            "sections": [
                {
                    "name": "description",
                    "title": "Description",
                    "description": strip_html(obj.description),
                }
            ],
            "skills": [],
            "tags": entities({"company": obj.company.name}),
            "created_at": iso(obj.created),
            "updated_at": iso(obj.modified),
            "archived_at": iso(self.get_archived_at(obj)),
        }
